package haia.llm;

/**
 * Provider failures sorted by what the caller should do about them. Providers translate their own statuses and
 * error bodies into these; the HTTP layer maps each category to one OpenAI status in one table. Each has one
 * {@link #code()}, the word used for it everywhere: the error body's {@code code}, the {@code outcome} of the
 * request log line and of the metrics, the {@code reason} of a retry.
 */
public enum ErrorCategory {
    /** The provider rejected the request itself (400, 413, 422): retrying the same request will not help. */
    INVALID_REQUEST("upstream_invalid_request", false, false),
    /**
     * The prompt is longer than the model's context ({@link ContextTooLongException}): HAIA shrinks the window and
     * tries once more before this reaches a client. Retrying the same request will not help.
     */
    CONTEXT_TOO_LONG("context_length_exceeded", false, false),
    /** The provider rejected HAIA's credentials (401, 403). */
    AUTHENTICATION("upstream_auth_failed", false, false),
    /** The configured upstream model or endpoint does not exist (404). */
    NOT_FOUND("upstream_not_found", false, false),
    /** The provider asks us to slow down (429). */
    RATE_LIMITED("upstream_rate_limited", true, false),
    /** The provider is overloaded (529, 503). */
    OVERLOADED("upstream_overloaded", true, true),
    /** The provider could not be reached or failed internally (connection refused, 500, 502). */
    UNAVAILABLE("upstream_unavailable", true, true),
    /** The provider did not answer in time (504, read timeouts, HAIA's own deadlines). */
    TIMEOUT("upstream_timeout", true, true),
    /** The provider answered something HAIA cannot understand. */
    PROTOCOL("upstream_protocol_error", false, true),
    /** HAIA stopped calling this provider for a while after repeated failures (circuit breaker open). */
    CIRCUIT_OPEN("upstream_circuit_open", false, true),
    /** HAIA is at its configured limit of concurrent upstream calls. */
    BUSY("server_busy", false, false),
    /**
     * The upstream's reply went past HAIA's size limits (reply text or response body) and was cut off there. Not
     * the provider's health, so no fallback and no circuit breaker; retrying would only repeat it.
     */
    TOO_LARGE("upstream_reply_too_large", false, false),
    /** HAIA stopped the call itself: its client went away, or HAIA is shutting down. Nobody's fault upstream. */
    CANCELLED("shutting_down", false, false);

    private final String code;
    private final boolean retryable;
    private final boolean providerFault;

    ErrorCategory(String code, boolean retryable, boolean providerFault) {
        this.code = code;
        this.retryable = retryable;
        this.providerFault = providerFault;
    }

    /** The machine-readable word for this failure (e.g. {@code upstream_auth_failed}). */
    public String code() {
        return code;
    }

    /** Whether the same request may succeed if sent again after a pause. */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Whether this failure says the provider itself is unhealthy (counts against its circuit breaker and lets a
     * fallback model answer instead).
     */
    public boolean providerFault() {
        return providerFault;
    }
}
