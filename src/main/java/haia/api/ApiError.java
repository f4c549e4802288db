package haia.api;

import java.time.Duration;
import java.util.Optional;

import haia.openai.OpenAiWriter;

/**
 * An error as the client receives it: HTTP status plus OpenAI's error body.
 *
 * @param status     HTTP status
 * @param type       OpenAI error type ({@code invalid_request_error}, {@code rate_limit_error}, ...)
 * @param code       machine-readable code
 * @param message    what went wrong, for a human
 * @param param      the request field at fault, if one is
 * @param retryAfter when to try again, for 429 and 503
 */
public record ApiError(int status, String type, String code, String message, Optional<String> param,
                       Optional<Duration> retryAfter) {

    public byte[] body() {
        return OpenAiWriter.error(message, type, param, Optional.of(code));
    }

    /** Whole seconds for a {@code Retry-After} header (at least 1). */
    public Optional<String> retryAfterSeconds() {
        return retryAfter.map(d -> Long.toString(Math.max(1, (d.toMillis() + 999) / 1000)));
    }
}
