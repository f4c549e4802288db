package haia.llm;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP request to an upstream, as a protocol mapping describes it; the shared {@link UpstreamClient} sends it.
 * Headers may hold the provider's key: a request is never logged.
 *
 * @param method  GET or POST
 * @param uri     the whole URL
 * @param headers header names and values, in order
 * @param body    the body ({@code POST}); empty for {@code GET}
 */
public record UpstreamRequest(Method method, URI uri, Map<String, String> headers, byte[] body) {

    public enum Method { GET, POST }

    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        Objects.requireNonNull(body, "body");
    }

    public static UpstreamRequest post(URI uri, Map<String, String> headers, byte[] body) {
        return new UpstreamRequest(Method.POST, uri, headers, body);
    }

    public static UpstreamRequest get(URI uri, Map<String, String> headers) {
        return new UpstreamRequest(Method.GET, uri, headers, new byte[0]);
    }

    /** Headers with {@code Authorization: Bearer <key>} when there is a key (OpenAI-compatible servers, Ollama). */
    public static Map<String, String> bearer(java.util.Optional<haia.config.Secret> key) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        key.ifPresent(k -> headers.put("authorization", "Bearer " + k.reveal()));
        return headers;
    }

    @Override
    public String toString() {
        return method + " " + uri;   // never the headers: they may hold a key
    }
}
