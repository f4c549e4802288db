package haia.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import haia.config.Secret;
import haia.openai.OpenAiWriter;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * With {@code HAIA_API_KEY} set, every {@code /v1} call (and {@code /metrics} when so configured) needs
 * {@code Authorization: Bearer <key>}, which is what OpenWebUI's connection "API Key" field sends. Keys are
 * compared in constant time (as SHA-256 digests, so length does not leak either) and never logged.
 */
public final class AccessFilter implements Filter {

    private final Optional<byte[]> keyDigest;
    private final boolean protectMetrics;
    private final ClientConnections connections;

    public AccessFilter(Optional<Secret> apiKey, boolean protectMetrics, ClientConnections connections) {
        this.keyDigest = apiKey.map(key -> sha256(key.reveal()));
        this.protectMetrics = protectMetrics;
        this.connections = connections;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (keyDigest.isEmpty() || !protects(req) || authorized(req)) {
            chain.proceed();
            return;
        }
        res.status(Status.UNAUTHORIZED_401);
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.header(HeaderValues.CONNECTION_CLOSE);
        res.send(OpenAiWriter.error("Missing or wrong API key: send 'Authorization: Bearer <HAIA_API_KEY>'",
                                    "invalid_request_error", Optional.empty(), Optional.of("invalid_api_key")));
        if (hasBody(req)) {
            // refused before a byte of the body is read: the connection ends instead of reading it, but lingering,
            // so that a client still sending the body gets this answer rather than a reset
            connections.current().ifPresent(ClientConnections.Connection::closeLingering);
        }
    }

    private static boolean hasBody(RoutingRequest req) {
        return req.headers().contains(HeaderValues.TRANSFER_ENCODING_CHUNKED)
                || req.headers().contentLength().orElse(0) > 0;
    }

    private boolean protects(RoutingRequest req) {
        if (req.prologue().method() == Method.OPTIONS) {
            return false;   // CORS preflights never carry credentials
        }
        String path = req.path().path();
        return path.equals("/v1") || path.startsWith("/v1/") || (protectMetrics && path.startsWith("/metrics"));
    }

    private boolean authorized(RoutingRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = sha256(header.get().substring(7).strip());
        return MessageDigest.isEqual(presented, keyDigest.get());
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
