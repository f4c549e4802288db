package haia.llm;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * One way to ask a provider's server, at start-up, how many tokens of context a model holds: a request, and what its
 * 200 body says (empty when it does not tell). A server without the endpoint, or that fails, cannot tell; the
 * pipeline then learns the context from the server's first "context too long" answer ({@link ModelTokens}).
 *
 * @param request the lookup
 * @param answer  the context size its body states
 * @param source  how the log and docs/memory.md name it (e.g. {@code GET /props})
 */
public record ContextQuery(UpstreamRequest request, Function<byte[], OptionalInt> answer, String source) {

    public ContextQuery {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(source, "source");
    }

    /** The context size a model's context is stated as, in what one of these answers says. */
    public record Found(int tokens, String source) {
    }
}
