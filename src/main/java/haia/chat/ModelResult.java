package haia.chat;

import haia.llm.Cancellation;
import haia.llm.LlmException;
import haia.llm.LlmResponse;
import haia.llm.ModelRegistry;

/** How a model call ended, with which model and what text it produced. */
public sealed interface ModelResult {

    /** The model that answered or failed last. */
    ModelRegistry.Route route();

    /** The reply finished normally. */
    record Answered(ModelRegistry.Route route, LlmResponse response) implements ModelResult {
    }

    /** The call failed; {@code partialText} is what had already been generated (and streamed) before. */
    record Failed(ModelRegistry.Route route, LlmException error, String partialText) implements ModelResult {
    }

    /**
     * HAIA stopped the request: its client went away, or HAIA is shutting down ({@code reason}); {@code partialText}
     * is what had been generated until the upstream was stopped (nothing, when it was stopped before the call).
     */
    record Cancelled(ModelRegistry.Route route, String partialText, Cancellation.Reason reason) implements ModelResult {
    }
}
