package haia.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A plain JDK HTTP client for tests: nothing of HAIA's own HTTP stack is used to check HAIA's answers. */
public final class Http {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Http() {
    }

    /** A response: status, headers (first value per name, lower-case keys) and body. */
    public record Response(int status, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    public static Response post(URI uri, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::setHeader);
        return send(request.build());
    }

    public static Response post(URI uri, JsonNode body) {
        return post(uri, body.toString(), Map.of());
    }

    public static Response post(URI uri, JsonNode body, Map<String, String> headers) {
        return post(uri, body.toString(), headers);
    }

    public static Response get(URI uri) {
        return get(uri, Map.of());
    }

    public static Response get(URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(request::header);
        return send(request.build());
    }

    public static Response delete(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).DELETE().build());
    }

    public static Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            Map<String, String> headers = new java.util.HashMap<>();
            response.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
            return new Response(response.statusCode(), headers, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Bytes on a socket to {@code 127.0.0.1:port}, for requests no HTTP client would send; the answer as text. */
    public static String raw(int port, String request) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** {@code {"model": model, "messages": [{"role":"user","content": text}]}} */
    public static ObjectNode chat(String model, String... userThenAssistant) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        ArrayNode messages = body.putArray("messages");
        for (int i = 0; i < userThenAssistant.length; i++) {
            messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", userThenAssistant[i]);
        }
        return body;
    }
}
