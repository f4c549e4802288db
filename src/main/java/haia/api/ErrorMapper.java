package haia.api;

import java.time.Duration;
import java.util.Optional;

import haia.llm.LlmException;
import haia.llm.UnknownModelException;
import haia.observe.Redactor;
import haia.openai.InvalidRequestException;
import haia.store.StoreException;

/**
 * The one table that turns failures into HTTP statuses and OpenAI error bodies. Messages are run through the
 * {@link Redactor}; unexpected exceptions never show their details, only the request's correlation id.
 *
 * <pre>
 * client sent something invalid                400 invalid_request_error (413 too large, 415 not JSON)
 * unknown model (and no default model)         404 invalid_request_error  model_not_found
 * upstream rejected the request                400 invalid_request_error  upstream_invalid_request
 * upstream rejected HAIA's API key             502 upstream_error         upstream_auth_failed
 * upstream has no such model                   502 upstream_error         upstream_not_found
 * upstream rate limit                          429 rate_limit_error       upstream_rate_limited  (+ Retry-After)
 * upstream overloaded (529, 503)               503 server_error           upstream_overloaded    (+ Retry-After)
 * upstream unreachable or failing (5xx)        502 upstream_error         upstream_unavailable
 * upstream too slow                            504 upstream_error         upstream_timeout
 * upstream answered nonsense                   502 upstream_error         upstream_protocol_error
 * upstream reply past HAIA's size limits       502 upstream_error         upstream_reply_too_large
 * circuit breaker open                         503 server_error           upstream_circuit_open  (+ Retry-After)
 * HAIA at its in-flight limit                  429 rate_limit_error       server_busy            (+ Retry-After)
 * request stopped by HAIA's shutdown           503 server_error           shutting_down          (+ Retry-After)
 * database full / read-only / unavailable      503 server_error           database_unavailable
 * anything else                                500 server_error           internal_error (with correlation id)
 * </pre>
 */
public final class ErrorMapper {

    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    private final Redactor redactor;

    public ErrorMapper(Redactor redactor) {
        this.redactor = redactor;
    }

    public ApiError map(Throwable error, String correlationId) {
        return switch (error) {
            case InvalidRequestException e -> new ApiError(e.status(), "invalid_request_error", e.code(),
                                                           redactor.redact(e.getMessage()), e.param(), Optional.empty());
            case UnknownModelException e -> new ApiError(404, "invalid_request_error", "model_not_found",
                                                         e.getMessage(), Optional.of("model"), Optional.empty());
            case LlmException e -> upstream(e);
            case StoreException e when e.unavailable() -> {
                LOG.log(System.Logger.Level.ERROR, "Database unavailable [" + correlationId + "]: " + e.getMessage());
                yield new ApiError(503, "server_error", "database_unavailable",
                                   "HAIA cannot use its database right now (" + e.getMessage()
                                           + "); nothing was stored. Try again once the operator has fixed it.",
                                   Optional.empty(), Optional.of(Duration.ofSeconds(30)));
            }
            default -> {
                LOG.log(System.Logger.Level.ERROR, "Unexpected failure [" + correlationId + "]", error);
                yield new ApiError(500, "server_error", "internal_error",
                                   "HAIA failed unexpectedly; the server log has details under reference "
                                           + correlationId, Optional.empty(), Optional.empty());
            }
        };
    }

    private ApiError upstream(LlmException e) {
        String message = redactor.redact(e.getMessage());
        Optional<Duration> retryAfter = e.retryAfter();
        return switch (e.category()) {
            case INVALID_REQUEST -> new ApiError(400, "invalid_request_error", "upstream_invalid_request", message,
                                                 Optional.empty(), Optional.empty());
            case AUTHENTICATION -> new ApiError(502, "upstream_error", "upstream_auth_failed", message,
                                                Optional.empty(), Optional.empty());
            case NOT_FOUND -> new ApiError(502, "upstream_error", "upstream_not_found", message,
                                           Optional.empty(), Optional.empty());
            case RATE_LIMITED -> new ApiError(429, "rate_limit_error", "upstream_rate_limited", message,
                                              Optional.empty(), retryAfter.or(() -> Optional.of(Duration.ofSeconds(10))));
            case OVERLOADED -> new ApiError(503, "server_error", "upstream_overloaded", message,
                                            Optional.empty(), retryAfter.or(() -> Optional.of(Duration.ofSeconds(10))));
            case UNAVAILABLE -> new ApiError(502, "upstream_error", "upstream_unavailable", message,
                                             Optional.empty(), Optional.empty());
            case TIMEOUT -> new ApiError(504, "upstream_error", "upstream_timeout", message,
                                         Optional.empty(), Optional.empty());
            case PROTOCOL -> new ApiError(502, "upstream_error", "upstream_protocol_error", message,
                                          Optional.empty(), Optional.empty());
            case CIRCUIT_OPEN -> new ApiError(503, "server_error", "upstream_circuit_open", message,
                                              Optional.empty(), retryAfter);
            case BUSY -> new ApiError(429, "rate_limit_error", "server_busy", message,
                                      Optional.empty(), retryAfter.or(() -> Optional.of(Duration.ofSeconds(1))));
            case TOO_LARGE -> new ApiError(502, "upstream_error", "upstream_reply_too_large", message,
                                           Optional.empty(), Optional.empty());
            case CANCELLED -> new ApiError(503, "server_error", "shutting_down", message,
                                           Optional.empty(), retryAfter.or(() -> Optional.of(Duration.ofSeconds(5))));
        };
    }
}
