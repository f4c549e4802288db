package haia.llm;

import java.util.Optional;

/**
 * An upstream reply that went past one of HAIA's size limits (reply text, {@code HAIA_MAX_REPLY_CHARS}; response
 * body, {@code HAIA_MAX_UPSTREAM_BYTES}). HAIA stopped reading there and closed the upstream connection.
 */
public final class ReplyTooLargeException extends LlmException {

    private final String partialText;

    /**
     * @param partialText the reply up to the limit, when the call was blocking (a stream has already delivered it
     *                    as deltas); empty when nothing usable was read
     */
    public ReplyTooLargeException(String provider, String message, String partialText,
                                  Optional<String> upstreamRequestId) {
        super(ErrorCategory.TOO_LARGE, provider, 0, message, Optional.empty(), upstreamRequestId, null);
        this.partialText = partialText;
    }

    public String partialText() {
        return partialText;
    }
}
