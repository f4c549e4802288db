package haia.llm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.helidon.webclient.api.HttpClientResponse;

/**
 * The shape every provider's HTTP call has, written once: send, turn a non-200 answer into a classified
 * {@link LlmException}, read the body, and for streams, honour cancellation and guarantee the one terminal event.
 * Providers supply only what differs: the request, how to read their reply or stream, and their error body.
 */
public final class UpstreamCall {

    /** Largest error body read for its message. */
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private UpstreamCall() {
    }

    /** Reads a 200 answer into the whole reply (or whatever the call wants of it). */
    @FunctionalInterface
    public interface ReplyReader<T> {
        T read(HttpClientResponse response) throws IOException;
    }

    /**
     * Reads a 200 streaming answer into {@code reply}: its text pieces, then at most one terminal event.
     *
     * @return whether a terminal event ({@link StreamedReply#complete} or {@link StreamedReply#fail}) was delivered
     */
    @FunctionalInterface
    public interface StreamReader {
        boolean read(HttpClientResponse response, StreamedReply reply) throws IOException;
    }

    /** Turns a non-200 answer into a failure (see {@link #httpFailure}). */
    @FunctionalInterface
    public interface FailureReader {
        LlmException read(HttpClientResponse response);
    }

    /** A blocking call: the reply, or a classified {@link LlmException}. */
    public static <T> T blocking(String provider, Supplier<HttpClientResponse> send, FailureReader failure,
                                 ReplyReader<T> reader) {
        try (HttpClientResponse response = send.get()) {
            if (response.status().code() != 200) {
                throw failure.read(response);
            }
            return reader.read(response);
        } catch (LlmException e) {
            throw e;
        } catch (IOException e) {
            throw UpstreamErrors.protocolFailure(provider, "the reply could not be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw UpstreamErrors.connectionFailure(provider, e);
        }
    }

    /**
     * A start-up model lookup ({@code GET .../models/{model}}): empty when the server knows the model, the given
     * problem when it answers 404; any other failure (unreachable, key rejected) is thrown.
     */
    public static Optional<String> modelLookup(String provider, Supplier<HttpClientResponse> send,
                                               FailureReader failure, String unknownModel) {
        try {
            blocking(provider, send, failure, response -> response.inputStream().readAllBytes());
            return Optional.empty();
        } catch (LlmException e) {
            if (e.category() == ErrorCategory.NOT_FOUND) {
                return Optional.of(unknownModel);
            }
            throw e;
        }
    }

    /**
     * A streaming call, following {@link LlmClient#stream}'s contract: cancellation closes the connection (so a
     * thread blocked on the next token wakes at once), every failure is a {@code Failed} event, and a stream that
     * ends without its final event is a protocol failure, never a silent success.
     */
    public static void streaming(String provider, Supplier<HttpClientResponse> send, Cancellation cancellation,
                                 Consumer<LlmEvent> events, FailureReader failure, StreamReader reader) {
        HttpClientResponse response;
        try {
            response = send.get();
        } catch (RuntimeException e) {
            if (!cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(e instanceof LlmException llm ? llm
                                                          : UpstreamErrors.connectionFailure(provider, e)));
            }
            return;
        }
        Runnable unregister = cancellation.onCancel(response::close);
        try (response) {
            if (response.status().code() != 200) {
                events.accept(new LlmEvent.Failed(failure.read(response)));
                return;
            }
            boolean ended = reader.read(response, new StreamedReply(events));
            if (!ended && !cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(UpstreamErrors.protocolFailure(
                        provider, "the stream ended before its final event", null)));
            }
        } catch (IOException | RuntimeException e) {
            if (!cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(e instanceof LlmException llm ? llm
                        : e instanceof com.fasterxml.jackson.core.JacksonException json
                                ? UpstreamErrors.protocolFailure(provider, "a stream event is not JSON", json)
                                : UpstreamErrors.connectionFailure(provider, e)));
            }
        } finally {
            unregister.run();
        }
    }

    /**
     * A non-200 answer's body: parsed when it is JSON, and as text (one abbreviated line, "no details" when empty).
     */
    public record ErrorBody(Optional<JsonNode> json, String text) {
    }

    /** Reads a non-200 answer's body (at most 64 KB); never throws. */
    public static ErrorBody readError(HttpClientResponse response, ObjectMapper json) {
        byte[] body;
        try {
            body = response.inputStream().readNBytes(MAX_ERROR_BODY);
        } catch (IOException | RuntimeException unreadable) {
            return new ErrorBody(Optional.empty(), "no details");
        }
        Optional<JsonNode> parsed = Optional.empty();
        try {
            parsed = Optional.ofNullable(json.readTree(body)).filter(JsonNode::isContainerNode);
        } catch (IOException notJson) {
            // HTML from a proxy, plain text from a misconfigured server: its text is all there is
        }
        String text = body.length == 0 ? "no details" : abbreviate(new String(body, StandardCharsets.UTF_8));
        return new ErrorBody(parsed, text);
    }

    /**
     * A failure for a non-200 answer: its status classified by {@link UpstreamErrors}, its message taken from the
     * error body by {@code detail} (which sees the parsed JSON), else the body's text.
     */
    public static LlmException httpFailure(String provider, HttpClientResponse response, ObjectMapper json,
                                           Function<JsonNode, Optional<String>> detail, Optional<String> requestId) {
        ErrorBody body = readError(response, json);
        String message = body.json().flatMap(detail).filter(s -> !s.isBlank()).orElse(body.text());
        return UpstreamErrors.httpFailure(provider, response.status().code(), message, response.headers(), requestId);
    }

    /** One line of at most 300 characters, for error messages quoting what an upstream sent. */
    public static String abbreviate(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
    }

    /** A text field of an error body, when it is a non-empty string. */
    public static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText())
                : Optional.empty();
    }
}
