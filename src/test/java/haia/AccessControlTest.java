package haia;

import java.net.URI;
import java.net.http.HttpRequest;
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

    @Test
    void corsAnswersConfiguredOriginsOnly() {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = start(anthropic, Map.of("HAIA_CORS_ORIGINS", "http://ui.lan:3000"))) {
            Http.Response preflight = options(haia.uri("/v1/chat/completions"), "http://ui.lan:3000");
            assertEquals(200, preflight.status(), preflight.body());
            assertEquals("http://ui.lan:3000", preflight.header("access-control-allow-origin"));

            Http.Response other = options(haia.uri("/v1/chat/completions"), "http://evil.example");
            assertNull(other.header("access-control-allow-origin"));

            Http.Response actual = Http.get(haia.uri("/v1/models"),
                                            Map.of("Origin", "http://ui.lan:3000", "Authorization", "Bearer " + KEY));
            assertEquals(200, actual.status());
            assertEquals("http://ui.lan:3000", actual.header("access-control-allow-origin"));
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

    private static Http.Response options(URI uri, String origin) {
        return Http.send(HttpRequest.newBuilder(uri)
                                 .timeout(Duration.ofSeconds(10))
                                 .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                                 .header("Origin", origin)
                                 .header("Access-Control-Request-Method", "POST")
                                 .header("Access-Control-Request-Headers", "authorization, content-type")
                                 .build());
    }
}
