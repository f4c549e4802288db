package haia.llm;

import java.io.IOException;
import java.util.Optional;

/**
 * One provider's protocol as pure functions, for one configured provider (its URL, key and options): HAIA's neutral
 * request to an HTTP request, the provider's reply to a neutral reply, its stream to neutral events, its errors to
 * classified failures, and its start-up model check. Nothing here touches the network, so each mapping is tested
 * without sockets; the one HTTP skeleton, {@link UpstreamClient}, drives any of them (connection pool, deadlines,
 * size limits, cancellation, stream reading), and {@link SanitizedLlmClient} cleans what comes back.
 */
public interface ProviderProtocol {

    /**
     * Why this provider cannot serve {@code request} as asked, if it cannot (a combination its API refuses). Asked
     * before the call; a problem is the client's 400, and nothing is sent or stored.
     */
    default Optional<RequestProblem> problem(LlmRequest request) {
        return Optional.empty();
    }

    /**
     * Whether HAIA calls this provider streaming even for a blocking client, collecting the reply itself. A server
     * that notices a client leaving only in streams (llama.cpp's: a blocking request it generates to the end, however
     * long, after HAIA hung up) then stops generating as soon as HAIA stops the call.
     */
    default boolean streamsBlockingCalls() {
        return false;
    }

    /**
     * Whether a stream that ends before its first event ({@link EmptyStreamException}) is asked once more without
     * streaming, to hear why: servers that refuse a streamed request with an empty 200 (llama.cpp's Python server)
     * say why only to a blocking one.
     */
    default boolean explainsEmptyStreams() {
        return false;
    }

    /** The HTTP request for a model call, blocking or streaming. */
    UpstreamRequest request(LlmRequest request, boolean stream);

    /**
     * A blocking call's 200 answer as a neutral reply.
     *
     * @throws IOException  when the body is not the JSON it should be
     * @throws LlmException a {@link ErrorCategory#PROTOCOL} failure for JSON that is not a reply
     */
    LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException;

    /** A decoder for one streaming call's 200 answer. */
    StreamDecoder decoder(LlmRequest request, UpstreamHead head);

    /**
     * A non-200 answer as a classified failure: category from the status (and the body where the provider says
     * more), the provider's message, retry-after, and the provider's request id.
     *
     * @param model the upstream model the call was for (a message may name it, e.g. "ollama pull <model>")
     * @param body  up to 64 KB of the error body (possibly empty, possibly not JSON)
     */
    LlmException failure(String model, UpstreamHead head, byte[] body);

    /** The start-up check for {@code upstreamModel}. */
    ModelCheck modelCheck(String upstreamModel);

    /**
     * How to ask the server, at start-up, how many tokens of context {@code upstreamModel} holds: queries tried in
     * order until one tells. None for providers whose context HAIA knows by name, or whose servers cannot say.
     */
    default java.util.List<ContextQuery> contextQueries(String upstreamModel) {
        return java.util.List.of();
    }
}
