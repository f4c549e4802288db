package haia.llm;

/**
 * What a streaming model call reports, in order: any number of {@link TextDelta}s, then exactly one terminal
 * event, {@link Completed} or {@link Failed}.
 */
public sealed interface LlmEvent {

    /** A piece of reply text, as soon as the provider produced it. */
    record TextDelta(String text) implements LlmEvent {
    }

    /** The reply finished normally; {@code response.text()} holds the whole text. */
    record Completed(LlmResponse response) implements LlmEvent {
    }

    /** The call failed; deltas already delivered stay delivered. */
    record Failed(LlmException error) implements LlmEvent {
    }
}
