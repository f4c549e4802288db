package haia.llm;

/**
 * A stream that ended before its first event: HTTP 200, then nothing. llama.cpp's Python server answers a streamed
 * request it refuses that way (a prompt longer than its context, a picture its chat template cannot take: the reason
 * goes to its log only, recorded in src/test/resources/llamacpp/), where the same request not streamed gets an error
 * that says why. A protocol that knows this ({@link ProviderProtocol#explainsEmptyStreams}) has
 * {@link UpstreamClient} ask once more without streaming; otherwise this is the failure the client sees.
 */
public final class EmptyStreamException extends LlmException {

    public EmptyStreamException(String provider) {
        super(ErrorCategory.PROTOCOL, provider, 0, "The " + provider + " upstream answered with an empty stream (HTTP"
                + " 200 and not a single event)", java.util.Optional.empty(), java.util.Optional.empty(), null);
    }
}
