package haia.llm;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import haia.config.HaiaConfig;

import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HAIA's upstream HTTP client over its own keep-alive pool, against a real loopback server. */
class UpstreamHttpTest {

    /**
     * Many requests at once over a handful of keep-alive connections, each returned to the pool and taken again at
     * once by another thread: the moment Helidon 4.1.7's own cache loses the first byte of an answer
     * (helidon-io/helidon#10861, {@code Protocol is not HTTP}) a few times in a few thousand requests. Bounded: 8
     * threads of 250 requests each.
     */
    @Test
    void connectionsHandedFromThreadToThreadNeverLoseAByte() throws Exception {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(r -> r.post("/echo", (req, res) -> res.send(req.content().as(byte[].class))))
                .build().start();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        URI base = URI.create("http://127.0.0.1:" + server.port());
        try (UpstreamHttp http = UpstreamHttp.client(provider(base), new UpstreamHttp.Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 1 << 20, 100_000));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                int thread = t;
                threads.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        String body = "{\"thread\":" + thread + ",\"request\":" + i + "}";
                        try (HttpClientResponse response = http.post(URI.create(base + "/echo"), r -> { },
                                                                     body.getBytes(StandardCharsets.UTF_8))) {
                            String echoed = new String(response.inputStream().readAllBytes(), StandardCharsets.UTF_8);
                            if (response.status().code() != 200 || !echoed.equals(body)) {
                                failures.add(response.status() + " " + echoed);
                            } else {
                                answered.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                });
            }
        } finally {
            server.stop();
        }
        assertEquals(List.of(), failures.stream().limit(5).toList(), failures.size() + " failures");
        assertEquals(8 * 250, answered.get());
    }

    private static HaiaConfig.Provider provider(URI base) {
        return new HaiaConfig.Provider("echo", "openai", base, Optional.empty(), Map.of(), "ECHO_BASE_URL",
                                       "ECHO_API_KEY");
    }

    /** Closing the client closes the connections it pooled; nothing is reused after, or built. */
    @Test
    void aClosedClientRefusesNewConnections() throws Exception {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(r -> r.get("/ok", (req, res) -> res.send("ok")))
                .build().start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.port());
            UpstreamHttp http = UpstreamHttp.client(provider(base), new UpstreamHttp.Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 1 << 20, 100_000));
            try (HttpClientResponse response = http.get(URI.create(base + "/ok"), r -> { })) {
                assertEquals("ok", response.as(String.class));
            }
            http.close();
            LlmException closed = org.junit.jupiter.api.Assertions.assertThrows(
                    LlmException.class, () -> http.get(URI.create(base + "/ok"), r -> { }));
            assertTrue(closed.getMessage().contains("pool is closed"), closed.getMessage());

            // a client closed before its first request (built lazily) refuses the same way
            UpstreamHttp unused = UpstreamHttp.client(provider(base), new UpstreamHttp.Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 1 << 20, 100_000));
            unused.close();
            LlmException never = org.junit.jupiter.api.Assertions.assertThrows(
                    LlmException.class, () -> unused.get(URI.create(base + "/ok"), r -> { }));
            assertTrue(never.getMessage().contains("pool is closed"), never.getMessage());
        } finally {
            server.stop();
        }
    }
}
