package haia.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import haia.openai.OpenAiWriter;

import io.helidon.http.DateTime;
import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Answers requests that fail before routing (malformed HTTP, oversized headers, broken chunking) in OpenAI's error
 * shape too, so clients see one error format. Oversized headers get a code of their own; internal failures are
 * logged under the reference the client gets.
 */
public final class TransportErrors implements DirectHandler {

    private static final System.Logger LOG = System.getLogger(TransportErrors.class.getName());
    /** What Helidon's HTTP/1 parser says of headers over its limit (which HAIA sets). */
    private static final String HEADERS_TOO_LARGE = "Header size exceeded";
    /** What Helidon passes instead of a message it deems unsafe to reflect to the client. */
    private static final String UNSAFE_MESSAGE = "Bad request, see server log";

    private final int maxHeaderBytes;
    private final long maxBodyBytes;

    private TransportErrors(int maxHeaderBytes, long maxBodyBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Handlers for every transport event type. */
    public static DirectHandlers handlers(int maxHeaderBytes, long maxBodyBytes) {
        TransportErrors handler = new TransportErrors(maxHeaderBytes, maxBodyBytes);
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    /** Failures found while routing: Helidon hands over the exception. */
    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, Throwable thrown, System.Logger logger) {
        String reason = thrown instanceof RequestException && thrown.getMessage() != null ? thrown.getMessage() : null;
        return respond(request, eventType, defaultStatus, reason, thrown);
    }

    /**
     * Failures of the connection itself (a malformed request line or headers, too many requests): since Helidon 4.5
     * only the parser's message comes, and only because {@code Haia} turns on its error handling's
     * {@code includeEntity}; a message Helidon deems unsafe to reflect arrives as its generic "see server log".
     */
    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        String reason = message == null || message.startsWith(UNSAFE_MESSAGE) ? null : message;
        return respond(request, eventType, defaultStatus, reason, null);
    }

    private TransportResponse respond(TransportRequest request, EventType eventType, Status defaultStatus,
                                      String reason, Throwable thrown) {
        // the request may never have reached the routing (and its log filter): take the client's id or make one
        String id = RequestLog.idFrom(request == null ? Optional.empty()
                                              : request.headers().first(RequestLogFilter.REQUEST_ID));
        if (mentions(reason, thrown, HEADERS_TOO_LARGE)) {
            return response(id, 400, "The request headers are larger than " + maxHeaderBytes + " bytes",
                            "headers_too_large");
        }
        int status = defaultStatus != null ? defaultStatus.code() : eventType.defaultStatus().code();
        if (eventType == EventType.PAYLOAD_TOO_LARGE || status == 413) {
            // Helidon's maxPayloadSize: a fallback, as ClientConnections refuses a declared length first; the
            // connection closes
            return tooLarge(id, maxBodyBytes);
        }
        if (status < 500) {
            return response(id, status, "Malformed HTTP request" + summary(reason), "bad_request");
        }
        LOG.log(System.Logger.Level.WARNING, "Request failed before routing [" + id + "]"
                + (reason == null ? "" : ": " + reason), thrown);
        return response(id, 500, "HAIA failed to process the request; the server log has details under reference "
                + id, "internal_error");
    }

    /** The parser's reason, without the hex dump of the request older Helidon versions appended. */
    private static String summary(String reason) {
        if (reason == null) {
            return "";
        }
        String message = reason.split("[\\n:]|\\s\\+-", 2)[0].strip();
        message = message.replaceAll("\\s+[0-9a-f]{2}( [0-9a-f]{2})+.*$", "");
        return message.isEmpty() ? "" : ": " + (message.length() <= 100 ? message : message.substring(0, 100));
    }

    private static boolean mentions(String reason, Throwable thrown, String text) {
        if (reason != null && reason.contains(text)) {
            return true;
        }
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The 413 for a body declared larger than {@code maxBodyBytes}, as HTTP/1.1 bytes ready for the socket, with
     * {@code Connection: close}: {@link ClientConnections} sends it itself, before Helidon routes the request.
     */
    static byte[] bodyTooLarge(Optional<String> clientRequestId, long declared, long maxBodyBytes) {
        TransportResponse response = response(RequestLog.idFrom(clientRequestId), 413,
                                              tooLargeMessage(declared, maxBodyBytes), "request_too_large");
        byte[] body = response.entity().orElseThrow();
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(response.status().code()).append(' ')
                .append(response.status().reasonPhrase()).append("\r\n");
        for (Header header : response.headers()) {
            head.append(header.name()).append(": ").append(header.get()).append("\r\n");
        }
        head.append("Date: ").append(DateTime.rfc1123String()).append("\r\n")
                .append("Connection: close\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n\r\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(head.length() + body.length);
        bytes.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes(body);
        return bytes.toByteArray();
    }

    private static TransportResponse tooLarge(String id, long maxBodyBytes) {
        return response(id, 413, tooLargeMessage(-1, maxBodyBytes), "request_too_large");
    }

    /**
     * The 413's text, which says what to do: bodies grow with pictures, and OpenWebUI sends every picture of a chat
     * again with each message, so a chat with many screenshots outgrows any limit.
     *
     * @param declared the body's announced length, or -1 when it did not announce one (chunked)
     */
    static String tooLargeMessage(long declared, long maxBodyBytes) {
        return "The request body is " + (declared >= 0 ? declared + " bytes, " : "") + "over HAIA's limit: HAIA takes"
                + " at most " + maxBodyBytes + " bytes (HAIA_MAX_BODY_BYTES). Pictures make a request"
                + " large, and OpenWebUI sends every picture of a chat again with each message: start a new chat"
                + " for new pictures, send fewer or smaller ones (a cropped screenshot), or raise HAIA_MAX_BODY_BYTES";
    }

    /** A retry cannot help any of these: the same bytes get the same answer. */
    private static TransportResponse response(String id, int status, String message, String code) {
        return TransportResponse.builder()
                .status(Status.create(status))
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(RequestLogFilter.REQUEST_ID, id)
                .header(ApiError.SHOULD_RETRY, "false")
                .entity(OpenAiWriter.error(message, status >= 500 ? "server_error" : "invalid_request_error",
                                           Optional.empty(), Optional.of(code)))
                .keepAlive(false)
                .build();
    }
}
