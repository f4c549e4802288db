package haia.llm;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * A chat model provider. One implementation per provider package ({@code haia.llm.anthropic}, ...); the pipeline
 * only ever sees this interface and the neutral records.
 *
 * <p>Implementations are thread-safe and block the calling (virtual) thread while they wait for the upstream.
 */
public interface LlmClient extends AutoCloseable {

    /** Short provider name used in metrics, logs and errors, e.g. {@code anthropic}. */
    String provider();

    /**
     * Why the provider cannot serve {@code request} as asked, if it cannot: a combination its API refuses (the
     * pipeline asks before the call and answers 400). Model capabilities are checked before this, from the
     * configuration.
     */
    default Optional<RequestProblem> problem(LlmRequest request) {
        return Optional.empty();
    }

    /**
     * Sends the request and waits for the whole reply. When {@code cancellation} fires, the call ends promptly
     * (even while the upstream has not answered at all) with an {@link ErrorCategory#CANCELLED} failure.
     *
     * @throws LlmException classified failure
     */
    LlmResponse chat(LlmRequest request, Cancellation cancellation);

    /**
     * Sends the request and reports the reply as it is generated: {@link LlmEvent.Delta}s, then exactly one
     * {@link LlmEvent.Completed} or {@link LlmEvent.Failed}. Returns once the terminal event was delivered.
     *
     * <p>When {@code cancellation} fires, the implementation closes the upstream connection promptly and returns;
     * it may then skip the terminal event. It never throws for upstream failures: those are {@code Failed} events.
     */
    void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events);

    /**
     * Asks the provider's server, once at start-up, whether it is there, accepts HAIA's key and has the configured
     * model, as far as it can tell cheaply (a model list or a model lookup). Never called per request.
     *
     * @return what is wrong and how to fix it; empty when the model is there or the server cannot tell
     * @throws LlmException when the server cannot be asked (unreachable, credentials rejected)
     */
    Optional<String> modelProblem(String upstreamModel);

    /**
     * Asks the provider's server, once at start-up, how many tokens of context the model holds, where it can tell
     * (llama.cpp's {@code /props}, vLLM's and LM Studio's model lists, Ollama's {@code /api/show}). Never throws: a
     * server that cannot tell, or fails, leaves it empty.
     */
    default java.util.Optional<ContextQuery.Found> contextTokens(String upstreamModel) {
        return java.util.Optional.empty();
    }

    /** Releases the client's connections (after the shutdown drain: nothing may need them any more). */
    @Override
    default void close() {
    }
}
