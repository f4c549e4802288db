package haia.llm;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import io.helidon.common.buffers.DataReader;

/**
 * The classification every provider shares: HTTP status to {@link ErrorCategory}, retry hints, and what a failed
 * connection means. Providers add their own error-body parsing on top.
 */
public final class UpstreamErrors {

    private static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private UpstreamErrors() {
    }

    public static ErrorCategory categoryOf(int status) {
        return switch (status) {
            case 401, 403 -> ErrorCategory.AUTHENTICATION;
            case 404 -> ErrorCategory.NOT_FOUND;
            case 408, 504 -> ErrorCategory.TIMEOUT;
            case 429 -> ErrorCategory.RATE_LIMITED;
            case 503, 529 -> ErrorCategory.OVERLOADED;
            default -> status >= 500 ? ErrorCategory.UNAVAILABLE : ErrorCategory.INVALID_REQUEST;
        };
    }

    /**
     * The HTTP status an error {@code type} stands for, where a provider names the kind of error in its body rather
     * than in the status (an error event in a stream that began with 200): Anthropic's types and OpenAI's, in one
     * table.
     */
    public static int statusOfErrorType(String type) {
        return switch (type == null ? "" : type.toLowerCase(java.util.Locale.ROOT)) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error", "rate_limit_exceeded" -> 429;
            case "unavailable_error" -> 503;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    /**
     * A failure for an HTTP error answer: its status classified, the retry-after it asked for.
     *
     * @param detail what the provider's error body said (never contains credentials)
     */
    public static LlmException httpFailure(String provider, UpstreamHead head, String detail,
                                           Optional<String> requestId) {
        int status = head.status();
        ErrorCategory category = categoryOf(status);
        String message = switch (category) {
            case AUTHENTICATION -> "The " + provider + " upstream rejected HAIA's API key (HTTP " + status + "): " + detail;
            case NOT_FOUND -> "The " + provider + " upstream does not know the requested model or endpoint (HTTP 404): "
                    + detail;
            case RATE_LIMITED -> "The " + provider + " upstream is rate limiting requests (HTTP 429): " + detail;
            case OVERLOADED -> "The " + provider + " upstream is overloaded (HTTP " + status + "): " + detail;
            case TIMEOUT -> "The " + provider + " upstream timed out (HTTP " + status + "): " + detail;
            case UNAVAILABLE -> "The " + provider + " upstream failed (HTTP " + status + "): " + detail;
            default -> "The " + provider + " upstream rejected the request (HTTP " + status + "): " + detail;
        };
        // a prompt longer than the model's context is told in words (each provider's own): recognised here, once
        return ContextTooLongException.of(new LlmException(category, provider, status, message, retryAfter(head),
                                                           requestId, null), false);
    }

    /** A failure for a connection that broke or never formed. */
    public static LlmException connectionFailure(String provider, Throwable e) {
        return connectionFailure(provider, "", e);
    }

    /**
     * A failure for a connection that broke or never formed, naming where HAIA tried to go.
     *
     * @param where the upstream's URL and the setting that changes it, e.g.
     *              {@code http://gpu-box:11434 (OLLAMA_BASE_URL)}; empty when already said
     */
    public static LlmException connectionFailure(String provider, String where, Throwable e) {
        String upstream = "the " + provider + " upstream" + (where.isEmpty() ? "" : " at " + where);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return LlmException.of(ErrorCategory.TIMEOUT, provider, capitalized(upstream) + " did not answer in time",
                                       e);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return LlmException.of(ErrorCategory.UNAVAILABLE, provider,
                                       "Cannot connect to " + upstream + ": " + t.getMessage(), e);
            }
            if (t instanceof UnknownHostException || t.getClass().getSimpleName().contains("UnknownHost")) {
                return LlmException.of(ErrorCategory.UNAVAILABLE, provider,
                                       "Cannot resolve the host name of " + upstream + ": " + t.getMessage(), e);
            }
        }
        return LlmException.of(ErrorCategory.UNAVAILABLE, provider,
                               "The connection to " + upstream + " failed: " + describe(e), e);
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /**
     * What happened, in words: a connection the upstream closed (Helidon reports the end of the stream as an
     * exception without a message, whose class name told users nothing), else the first message in the cause chain.
     */
    static String describe(Throwable e) {
        if (closedByUpstream(e)) {
            return "the upstream closed the connection before its answer was complete";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return "the connection ended unexpectedly";
    }

    /** The connection reached its end of stream: the upstream (or something between) closed it. */
    static boolean closedByUpstream(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataReader.InsufficientDataAvailableException || t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    /** A failure for an answer HAIA cannot make sense of. */
    public static LlmException protocolFailure(String provider, String what, Throwable cause) {
        return LlmException.of(ErrorCategory.PROTOCOL, provider,
                               "The " + provider + " upstream sent an unexpected answer: " + what, cause);
    }

    /** {@code retry-after-ms}, else {@code retry-after} (seconds or an HTTP date). */
    public static Optional<Duration> retryAfter(UpstreamHead head) {
        Optional<Duration> ms = head.header("retry-after-ms").flatMap(v -> {
            try {
                return Optional.of(Duration.ofMillis((long) Double.parseDouble(v)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
        if (ms.isPresent()) {
            return ms.filter(UpstreamErrors::sane);
        }
        return head.header("retry-after").flatMap(v -> {
            try {
                return Optional.of(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return Optional.of(Duration.between(ZonedDateTime.now(at.getZone()), at));
                } catch (DateTimeParseException notDate) {
                    return Optional.empty();
                }
            }
        }).filter(UpstreamErrors::sane);
    }

    private static boolean sane(Duration d) {
        return !d.isNegative() && d.compareTo(MAX_RETRY_AFTER) <= 0;
    }
}
