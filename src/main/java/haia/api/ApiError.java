package haia.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

import haia.openai.OpenAiWriter;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;

/**
 * An error as the client receives it: HTTP status, OpenAI's error body and the headers that tell a client what to do
 * next ({@code Retry-After}, {@code x-should-retry}, {@code Allow}).
 *
 * @param status     HTTP status
 * @param type       OpenAI error type ({@code invalid_request_error}, {@code rate_limit_error}, ...)
 * @param code       machine-readable code, also the request's {@code outcome} in logs and metrics
 * @param message    what went wrong, for a human
 * @param param      the request field at fault, if one is
 * @param retryAfter when to try again, for 429 and 503
 * @param retry      whether a client retrying the same request could help
 * @param allow      for 405: the methods the path does answer
 */
public record ApiError(int status, String type, String code, String message, Optional<String> param,
                       Optional<Duration> retryAfter, Retry retry, List<Method> allow) {

    /** {@code x-should-retry}: the OpenAI and Anthropic SDKs obey it before any rule of their own. */
    public static final HeaderName SHOULD_RETRY = HeaderNames.create("x-should-retry");

    /** What HAIA tells clients about retrying (see docs/api.md "Errors"). */
    public enum Retry {
        /** No advice: the client's own rules apply (the SDKs retry 408, 409, 429 and 5xx, honouring Retry-After). */
        CLIENT_RULES,
        /** {@code x-should-retry: false}: the same request cannot succeed now, or HAIA already retried it. */
        USELESS
    }

    public ApiError {
        allow = List.copyOf(allow);
    }

    /** An error without an {@code Allow} list. */
    public ApiError(int status, String type, String code, String message, Optional<String> param,
                    Optional<Duration> retryAfter, Retry retry) {
        this(status, type, code, message, param, retryAfter, retry, List.of());
    }

    public byte[] body() {
        return OpenAiWriter.error(message, type, param, Optional.of(code));
    }

    /** Whole seconds for a {@code Retry-After} header (at least 1). */
    public Optional<String> retryAfterSeconds() {
        return retryAfter.map(d -> Long.toString(Math.max(1, (d.toMillis() + 999) / 1000)));
    }

    /** Hands each header this error carries to {@code header}. */
    public void headers(BiConsumer<HeaderName, String> header) {
        retryAfterSeconds().ifPresent(seconds -> header.accept(HeaderNames.RETRY_AFTER, seconds));
        if (retry == Retry.USELESS) {
            header.accept(SHOULD_RETRY, "false");
        }
        if (!allow.isEmpty()) {
            header.accept(HeaderNames.ALLOW, allow.stream().map(Method::text).collect(Collectors.joining(", ")));
        }
    }
}
