package haia.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import haia.api.ApiError.Retry;
import haia.chat.RequestRefused;
import haia.llm.ErrorCategory;
import haia.llm.LlmException;
import haia.llm.UnknownModelException;
import haia.observe.Redactor;
import haia.openai.InvalidRequestException;
import haia.store.StoreException;

import io.helidon.http.HttpException;
import io.helidon.http.Method;

/**
 * The one table that turns failures into HTTP statuses, OpenAI error bodies and retry advice. Messages are run
 * through the {@link Redactor}; unexpected exceptions never show their details, only the request's correlation id.
 *
 * <pre>
 * situation                                    status type                   code                     x-should-retry
 * client sent something invalid                400 invalid_request_error  invalid_request ...       false
 *   (413 too large, 415 not JSON, 404 unknown conversation)
 * the model cannot serve the request as asked  400 invalid_request_error  invalid_request           false
 *   (a capability it lacks, a combination its provider refuses; RequestRefused)
 * unknown path / known path, wrong method      404 / 405 (+ Allow)         unknown_url / method_not_allowed   false
 * unknown model (and no default model)         404 invalid_request_error  model_not_found           false
 * upstream rejected the request                400 invalid_request_error  upstream_invalid_request  false
 *   (also a 500 whose body says the request was invalid: llama.cpp's server on an image or a json_schema)
 * the conversation does not fit the model      400 invalid_request_error  context_length_exceeded   false
 *   (after HAIA shrank the window and tried once more)
 * upstream rejected HAIA's API key             502 upstream_error         upstream_auth_failed      false
 * upstream has no such model                   502 upstream_error         upstream_not_found        false
 * upstream answered nonsense                   502 upstream_error         upstream_protocol_error   false
 * upstream reply past HAIA's size limits       502 upstream_error         upstream_reply_too_large  false
 * upstream rate limit                          429 rate_limit_error       upstream_rate_limited  (+ Retry-After)  *
 * upstream overloaded (529, 503)               503 server_error           upstream_overloaded    (+ Retry-After)  *
 * upstream unreachable or failing (5xx)        502 upstream_error         upstream_unavailable      *
 * upstream too slow                            504 upstream_error         upstream_timeout          *
 * circuit breaker open                         503 server_error           upstream_circuit_open  (+ Retry-After)  false
 * HAIA at its in-flight limit                  429 rate_limit_error       server_busy            (+ Retry-After)  (client's rules)
 * request stopped by HAIA's shutdown           503 server_error           shutting_down          (+ Retry-After)  (client's rules)
 * database full / read-only / unavailable      503 server_error           database_unavailable   (+ Retry-After)  false
 * anything else                                500 server_error           internal_error (with correlation id)  false
 *
 * * false when HAIA retries upstream calls itself (HAIA_MAX_ATTEMPTS above 1): it already did what a client retry
 *   would do, and a client retrying multiplies the calls; with HAIA_MAX_ATTEMPTS=1 the client's own rules apply.
 * </pre>
 */
public final class ErrorMapper {

    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    private final Redactor redactor;
    private final boolean haiaRetries;

    /**
     * @param maxAttempts attempts HAIA makes per upstream call ({@code HAIA_MAX_ATTEMPTS})
     */
    public ErrorMapper(Redactor redactor, int maxAttempts) {
        this.redactor = redactor;
        this.haiaRetries = maxAttempts > 1;
    }

    /** Every {@code code} this table can produce, for metrics that start at zero for each. */
    public static List<String> codes() {
        List<String> codes = new ArrayList<>(List.of(
                "invalid_request", "invalid_header", "bad_request", "request_too_large", "unsupported_media_type",
                "conversation_not_found", "finding_not_found", "unknown_url", "method_not_allowed", "model_not_found",
                "database_unavailable", "internal_error"));
        for (ErrorCategory category : ErrorCategory.values()) {
            codes.add(category.code());
        }
        return codes;
    }

    /** The error's answer; logs what only the operator should see (details under the correlation id). */
    public ApiError map(Throwable error, String correlationId) {
        ApiError answer = describe(error, correlationId);
        switch (answer.code()) {
            case "database_unavailable" -> LOG.log(System.Logger.Level.ERROR, "Database unavailable [" + correlationId
                    + "]: " + error.getMessage());
            case "internal_error" -> LOG.log(System.Logger.Level.ERROR, "Unexpected failure [" + correlationId + "]",
                                             error);
            default -> {
                // the client's answer says it all; the request log line records the outcome
            }
        }
        return answer;
    }

    /** The error's {@code code} (the request's outcome), without logging anything. */
    public String code(Throwable error) {
        return describe(error, "").code();
    }

    private ApiError describe(Throwable error, String correlationId) {
        return switch (error) {
            case InvalidRequestException e -> new ApiError(e.status(), "invalid_request_error", e.code(),
                                                           redactor.redact(e.getMessage()), e.param(), Optional.empty(),
                                                           Retry.USELESS);
            case RequestRefused e -> new ApiError(400, "invalid_request_error", "invalid_request",
                                                  redactor.redact(e.getMessage()), Optional.of(e.param()),
                                                  Optional.empty(), Retry.USELESS);
            case UnknownModelException e -> new ApiError(404, "invalid_request_error", "model_not_found",
                                                         e.getMessage(), Optional.of("model"), Optional.empty(),
                                                         Retry.USELESS);
            case LlmException e -> upstream(e);
            case StoreException e when e.unavailable() -> new ApiError(503, "server_error", "database_unavailable",
                    "HAIA cannot use its database right now (" + e.getMessage()
                            + "); nothing was stored. Try again once the operator has fixed it.",
                    Optional.empty(), Optional.of(Duration.ofSeconds(30)), Retry.USELESS);
            // Helidon's own rejections of a request (a malformed query, an unsupported feature): the client's fault
            case HttpException e when e.status().code() >= 400 && e.status().code() < 500 ->
                    new ApiError(e.status().code(), "invalid_request_error", "bad_request",
                                 redactor.redact(String.valueOf(e.getMessage())), Optional.empty(), Optional.empty(),
                                 Retry.USELESS);
            default -> new ApiError(500, "server_error", "internal_error",
                                    "HAIA failed unexpectedly; the server log has details under reference "
                                            + correlationId, Optional.empty(), Optional.empty(), Retry.USELESS);
        };
    }

    /**
     * A request no route answered: 405 with the methods the path does answer, else 404 saying what HAIA serves (in
     * the spirit of OpenAI's own {@code Invalid URL (POST /v1/foo)}).
     */
    public ApiError unrouted(Method method, String path) {
        String request = "(" + abbreviate(method.text()) + " " + abbreviate(path) + ")";
        List<Method> allowed = Endpoints.allowed(path);
        if (!allowed.isEmpty()) {
            return new ApiError(405, "invalid_request_error", "method_not_allowed",
                                "Invalid method for URL " + request + ": it answers "
                                        + String.join(", ", allowed.stream().map(Method::text).toList()),
                                Optional.empty(), Optional.empty(), Retry.USELESS, allowed);
        }
        return new ApiError(404, "invalid_request_error", "unknown_url",
                            "Invalid URL " + request + ": HAIA serves " + Endpoints.SERVED,
                            Optional.empty(), Optional.empty(), Retry.USELESS);
    }

    private ApiError upstream(LlmException e) {
        String message = redactor.redact(e.getMessage());
        Optional<Duration> retryAfter = e.retryAfter();
        String code = e.category().code();
        // a retryable failure reaches the client only after HAIA's own retries gave up
        Retry retried = haiaRetries ? Retry.USELESS : Retry.CLIENT_RULES;
        return switch (e.category()) {
            case INVALID_REQUEST -> new ApiError(400, "invalid_request_error", code, message, Optional.empty(),
                                                 Optional.empty(), Retry.USELESS);
            case CONTEXT_TOO_LONG -> new ApiError(400, "invalid_request_error", code, message, Optional.of("messages"),
                                                  Optional.empty(), Retry.USELESS);
            case AUTHENTICATION, NOT_FOUND, PROTOCOL -> new ApiError(502, "upstream_error", code, message,
                                                                     Optional.empty(), Optional.empty(), Retry.USELESS);
            case RATE_LIMITED -> new ApiError(429, "rate_limit_error", code, message, Optional.empty(),
                                              retryAfter.or(() -> Optional.of(Duration.ofSeconds(10))), retried);
            case OVERLOADED -> new ApiError(503, "server_error", code, message, Optional.empty(),
                                            retryAfter.or(() -> Optional.of(Duration.ofSeconds(10))), retried);
            case UNAVAILABLE -> new ApiError(502, "upstream_error", code, message, Optional.empty(), Optional.empty(),
                                             retried);
            case TIMEOUT -> new ApiError(504, "upstream_error", code, message, Optional.empty(), Optional.empty(),
                                         retried);
            // a retry within the SDKs' few seconds meets the same open breaker; Retry-After says when it closes
            case CIRCUIT_OPEN -> new ApiError(503, "server_error", code, message, Optional.empty(), retryAfter,
                                              Retry.USELESS);
            // HAIA's own queue was full: a retry after a second is exactly what helps
            case BUSY -> new ApiError(429, "rate_limit_error", code, message, Optional.empty(),
                                      retryAfter.or(() -> Optional.of(Duration.ofSeconds(1))), Retry.CLIENT_RULES);
            case TOO_LARGE -> new ApiError(502, "upstream_error", code, message, Optional.empty(), Optional.empty(),
                                           Retry.USELESS);
            // a restarted HAIA answers: the client's own retry (after Retry-After) is what helps
            case CANCELLED -> new ApiError(503, "server_error", code, message, Optional.empty(),
                                           retryAfter.or(() -> Optional.of(Duration.ofSeconds(5))), Retry.CLIENT_RULES);
        };
    }

    /** At most 100 characters of something the client sent, for an error message. */
    private static String abbreviate(String value) {
        return value.length() <= 100 ? value : value.substring(0, 100) + "…";
    }
}
