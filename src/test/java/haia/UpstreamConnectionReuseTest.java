package haia;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import haia.testing.FakeAnthropic;
import haia.testing.FakeOllama;
import haia.testing.Http;
import haia.testing.IdleClosingProxy;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keep-alive connections to an upstream that closes them when they are idle (the race behind an occasional
 * {@code upstream_unavailable} and the first-token-lost {@code Protocol is not HTTP} of Helidon 4.1.7's own cache).
 */
class UpstreamConnectionReuseTest {

    @TempDir
    Path dir;

    /**
     * Every request after the first meets a connection the server closed as it was reused (the start-up model
     * check's connection, then each chat's). With one attempt allowed, HAIA must still answer every request, by
     * sending it again on a new connection; the server sees each request exactly once.
     */
    @Test
    void aConnectionClosedAsItIsReusedIsReplacedNotAFailure() throws Exception {
        try (FakeOllama ollama = FakeOllama.start("llama3.2:latest");
             IdleClosingProxy proxy = IdleClosingProxy.to(URI.create(ollama.baseUrl()).getPort())) {
            Map<String, String> env = TestHaia.loopbackEnv(dir);
            env.put("HAIA_PROVIDER", "ollama");
            env.put("OLLAMA_BASE_URL", "http://127.0.0.1:" + proxy.port());
            env.put("HAIA_MODEL", "llama3.2");
            env.put("HAIA_MAX_ATTEMPTS", "1");
            try (TestHaia haia = TestHaia.start(dir, env)) {
                assertEquals(List.of(), haia.haia().checkProviders(), "the model check went through the proxy");
                for (int i = 0; i < 4; i++) {
                    Http.Response response = Http.post(haia.uri("/v1/chat/completions"),
                                                       Http.chat("haia", "ping " + i));
                    assertEquals(200, response.status(), "request " + i + ": " + response.body());
                }
            }
            assertTrue(proxy.closedOnReuse() >= 4, "the race happened: " + proxy.closedOnReuse());
            assertEquals(4, ollama.requests().size(), "each chat reached Ollama once");
            assertEquals(List.of(), ollama.violations());
        }
    }

    /**
     * Blocking calls one after another share one kept-alive connection. HAIA reads a reply of declared length into
     * an array of that size; without reading the body's end too, Helidon did not hand the connection back to its
     * pool, and every call opened a new one (a quarter more CPU per request in bin/bench overhead).
     */
    @Test
    void blockingCallsOneAfterAnotherReuseOneConnection() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             IdleClosingProxy proxy = IdleClosingProxy.passThrough(URI.create(anthropic.baseUrl()).getPort())) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + proxy.port());
            try (TestHaia haia = TestHaia.start(dir, env)) {
                for (int i = 0; i < 5; i++) {
                    anthropic.enqueue(FakeAnthropic.reply("pong " + i));
                    Http.Response response = Http.post(haia.uri("/v1/chat/completions"),
                                                       Http.chat("haia", "ping " + i));
                    assertEquals(200, response.status(), "request " + i + ": " + response.body());
                }
            }
            // the start-up model check's connection may be its own; the five chats share one
            assertTrue(proxy.connections() <= 2, "connections opened for 5 calls: " + proxy.connections());
        }
    }
}
