package haia.llm;

/**
 * Provider failures sorted by what the caller should do about them. Providers translate their own statuses and
 * error bodies into these; the HTTP layer maps each category to one OpenAI status in one table.
 */
public enum ErrorCategory {
    /** The provider rejected the request itself (400, 413, 422): retrying the same request will not help. */
    INVALID_REQUEST(false, false),
    /** The provider rejected HAIA's credentials (401, 403). */
    AUTHENTICATION(false, false),
    /** The configured upstream model or endpoint does not exist (404). */
    NOT_FOUND(false, false),
    /** The provider asks us to slow down (429). */
    RATE_LIMITED(true, false),
    /** The provider is overloaded (529, 503). */
    OVERLOADED(true, true),
    /** The provider could not be reached or failed internally (connection refused, 500, 502). */
    UNAVAILABLE(true, true),
    /** The provider did not answer in time (504, read timeouts, HAIA's own deadlines). */
    TIMEOUT(true, true),
    /** The provider answered something HAIA cannot understand. */
    PROTOCOL(false, true),
    /** HAIA stopped calling this provider for a while after repeated failures (circuit breaker open). */
    CIRCUIT_OPEN(false, true),
    /** HAIA is at its configured limit of concurrent upstream calls. */
    BUSY(false, false),
    /**
     * The upstream's reply went past HAIA's size limits (reply text or response body) and was cut off there. Not
     * the provider's health, so no fallback and no circuit breaker; retrying would only repeat it.
     */
    TOO_LARGE(false, false),
    /** HAIA stopped the call itself: its client went away, or HAIA is shutting down. Nobody's fault upstream. */
    CANCELLED(false, false);

    private final boolean retryable;
    private final boolean providerFault;

    ErrorCategory(boolean retryable, boolean providerFault) {
        this.retryable = retryable;
        this.providerFault = providerFault;
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
