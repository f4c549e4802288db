package haia;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HAIA_API_KEY guards /v1 (and optionally /metrics); /health stays open; CORS only for configured origins. */
class AccessControlTest {

    private static final String KEY = "haia-key-7b1e2f9c4d";

    @TempDir
    Path dir;

    private TestHaia start(FakeAnthropic anthropic, Map<String, String> extra) {
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_API_KEY", KEY);
        env.putAll(extra);
        return TestHaia.start(dir, env);
    }

    @Test
    void everyV1EndpointNeedsTheKey() {
        try (FakeAnthropic anthropic = FakeAnthropic.start(); TestHaia haia = start(anthropic, Map.of())) {
            for (Http.Response response : List.of(
                    Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi")),
                    Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"), Map.of("Authorization", "Bearer wrong")),
                    Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"), Map.of("Authorization", KEY)),
                    Http.get(haia.uri("/v1/models")),
                    Http.get(haia.uri("/v1/conversations")),
                    Http.delete(haia.uri("/v1/conversations/1")))) {
                assertEquals(401, response.status(), response.body());
                assertEquals("invalid_api_key", response.json().path("error").path("code").asText());
                assertEquals("Bearer", response.header("www-authenticate"));
                assertTrue(!response.body().contains(KEY));
            }
            assertEquals(0, anthropic.requests().size(), "nothing reached the model");

            Map<String, String> auth = Map.of("Authorization", "Bearer " + KEY);
            assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"), auth).status());
            assertEquals(200, Http.get(haia.uri("/v1/models"), auth).status());
            assertEquals(200, Http.get(haia.uri("/v1/models"), Map.of("Authorization", "bearer " + KEY)).status(),
                         "the scheme is case-insensitive");
            assertEquals(200, Http.get(haia.uri("/health")).status(), "health stays open");
            assertEquals(200, Http.get(haia.uri("/metrics")).status(), "metrics open by default");
        }
    }

    @Test
    void metricsCanRequireTheKey() {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = start(anthropic, Map.of("HAIA_METRICS_REQUIRE_KEY", "true"))) {
            assertEquals(401, Http.get(haia.uri("/metrics")).status());
            assertEquals(200, Http.get(haia.uri("/metrics"), Map.of("Authorization", "Bearer " + KEY)).status());
            assertEquals(200, Http.get(haia.uri("/health")).status());
        }
    }

    /**
     * CORS for the configured origins on {@code /v1} only, after the access filter: a preflight (which never carries
     * credentials) is answered without the key; a request with a wrong key is refused by the access filter before
     * CORS sees it; an origin that is not configured is refused; {@code /health} is left alone.
     */
    @Test
    void corsAnswersConfiguredOriginsOnly() {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = start(anthropic, Map.of("HAIA_CORS_ORIGINS", "http://ui.lan:3000, http://other.lan"))) {
            Http.Response preflight = options(haia.uri("/v1/chat/completions"), "http://ui.lan:3000");
            assertEquals(200, preflight.status(), preflight.body());
            assertEquals("http://ui.lan:3000", preflight.header("access-control-allow-origin"));
            assertTrue(preflight.header("access-control-allow-methods").contains("POST"),
                       preflight.header("access-control-allow-methods"));
            assertEquals(java.util.Set.of("authorization", "content-type"),
                         names(preflight.header("access-control-allow-headers")));
            assertEquals("http://other.lan",
                         options(haia.uri("/v1/models"), "http://other.lan").header("access-control-allow-origin"));

            Http.Response other = options(haia.uri("/v1/chat/completions"), "http://evil.example");
            assertEquals(403, other.status());
            assertNull(other.header("access-control-allow-origin"));

            Http.Response actual = combined(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                                    .timeout(Duration.ofSeconds(10))
                                                    .POST(HttpRequest.BodyPublishers.ofString(
                                                            Http.chat("haia", "hi").toString()))
                                                    .header("Content-Type", "application/json")
                                                    .header("Origin", "http://ui.lan:3000")
                                                    .header("Authorization", "Bearer " + KEY)
                                                    .build());
            assertEquals(200, actual.status(), actual.body());
            assertEquals("http://ui.lan:3000", actual.header("access-control-allow-origin"));
            assertEquals(java.util.Set.of("x-request-id", "x-haia-model"), names(actual.header("access-control-expose-headers")));
            assertEquals(1, anthropic.requests().size());

            // the access filter runs first: a wrong key is refused whatever the origin, before CORS adds anything
            Http.Response wrongKey = Http.get(haia.uri("/v1/models"), Map.of("Origin", "http://ui.lan:3000",
                                                                              "Authorization", "Bearer wrong"));
            assertEquals(401, wrongKey.status());
            assertNull(wrongKey.header("access-control-allow-origin"));

            Http.Response evil = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"),
                                           Map.of("Origin", "http://evil.example", "Authorization", "Bearer " + KEY));
            assertEquals(403, evil.status(), evil.body());
            assertNull(evil.header("access-control-allow-origin"));
            assertEquals(1, anthropic.requests().size(), "a refused origin's request never reaches the model");

            Http.Response health = Http.get(haia.uri("/health"), Map.of("Origin", "http://ui.lan:3000"));
            assertEquals(200, health.status());
            assertNull(health.header("access-control-allow-origin"), "CORS is for /v1 only");
        }
    }

    @Test
    void withoutConfiguredOriginsThereIsNoCors() {
        try (FakeAnthropic anthropic = FakeAnthropic.start(); TestHaia haia = start(anthropic, Map.of())) {
            Http.Response actual = Http.get(haia.uri("/v1/models"),
                                            Map.of("Origin", "http://ui.lan:3000", "Authorization", "Bearer " + KEY));
            assertNull(actual.header("access-control-allow-origin"));
        }
    }

    /** A header's comma-separated names, in any order and case. */
    private static java.util.Set<String> names(String header) {
        return java.util.Arrays.stream(header.split(",")).map(s -> s.strip().toLowerCase(java.util.Locale.ROOT))
                .collect(java.util.stream.Collectors.toSet());
    }

    private static Http.Response options(URI uri, String origin) {
        return combined(HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                                .header("Origin", origin)
                                .header("Access-Control-Request-Method", "POST")
                                .header("Access-Control-Request-Headers", "authorization, content-type")
                                .build());
    }

    /**
     * The answer with its repeated header lines combined, as a browser combines them (Helidon sends each allowed or
     * exposed header name on a line of its own).
     */
    private static Http.Response combined(HttpRequest request) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            Map<String, String> headers = new java.util.HashMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT),
                                                                           String.join(", ", values)));
            return new Http.Response(response.statusCode(), headers, response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
