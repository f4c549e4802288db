package haia.llm;

import java.util.Objects;
import java.util.Optional;

/**
 * What a streaming model call reports, in order: any number of {@link Delta}s as the reply is generated, then
 * exactly one terminal event, {@link Completed} or {@link Failed}.
 */
public sealed interface LlmEvent {

    /** A piece of the reply, as soon as the provider produced it. */
    sealed interface Delta extends LlmEvent {
    }

    /** A piece of the reply's text. */
    record TextDelta(String text) implements Delta {
    }

    /** A piece of the model's reasoning (shown to clients as {@code reasoning_content}, never as content). */
    record ThinkingDelta(String text) implements Delta {
    }

    /**
     * A piece of a tool call, as OpenAI streams them: the call's first delta names it ({@code id}, {@code name}),
     * later ones add pieces of its arguments.
     *
     * @param index     the call's position among this reply's tool calls, from 0
     * @param id        set on the call's first delta only
     * @param name      set on the call's first delta only
     * @param arguments a piece of the arguments' JSON text (empty on the first delta when none came with it)
     */
    record ToolCallDelta(int index, Optional<String> id, Optional<String> name, String arguments) implements Delta {
        public ToolCallDelta {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
        }
    }

    /** The reply finished normally; {@code response} holds all of it. */
    record Completed(LlmResponse response) implements LlmEvent {
    }

    /** The call failed; deltas already delivered stay delivered. */
    record Failed(LlmException error) implements LlmEvent {
    }
}
