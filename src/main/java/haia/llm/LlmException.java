package haia.llm;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A failed model call, already classified. Messages are safe to show to the client: providers never put
 * credentials into them.
 */
public class LlmException extends RuntimeException {

    private final ErrorCategory category;
    private final String provider;
    private final int upstreamStatus;
    private final Optional<Duration> retryAfter;
    private final Optional<String> upstreamRequestId;

    public LlmException(ErrorCategory category, String provider, int upstreamStatus, String message,
                        Optional<Duration> retryAfter, Optional<String> upstreamRequestId, Throwable cause) {
        super(message, cause, false, cause != null);
        this.category = Objects.requireNonNull(category, "category");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.upstreamStatus = upstreamStatus;
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        this.upstreamRequestId = Objects.requireNonNull(upstreamRequestId, "upstreamRequestId");
    }

    public static LlmException of(ErrorCategory category, String provider, String message) {
        return new LlmException(category, provider, 0, message, Optional.empty(), Optional.empty(), null);
    }

    public static LlmException of(ErrorCategory category, String provider, String message, Throwable cause) {
        return new LlmException(category, provider, 0, message, Optional.empty(), Optional.empty(), cause);
    }

    public ErrorCategory category() {
        return category;
    }

    /** The provider that failed ({@code anthropic}, {@code ollama}, ...). */
    public String provider() {
        return provider;
    }

    /** The upstream HTTP status, or 0 when there was no HTTP answer (connection failure, timeout). */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    /** How long the provider asked us to wait before trying again. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    public Optional<String> upstreamRequestId() {
        return upstreamRequestId;
    }
}
