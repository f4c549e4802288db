package haia;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.StoreBackend;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many streams at once on virtual threads, none holding a database connection while it waits for the model: with
 * 200 streams waiting on a slow upstream (and a pool of 8 connections), the database still answers at once. On
 * PostgreSQL each stream also holds its conversation's lease meanwhile, which takes no connection either.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class ConcurrentStreamsTest {

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;

    @Test
    void manyWaitingStreamsHoldNoDatabaseConnections() throws Exception {
        int streams = 200;
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            for (int i = 0; i < streams; i++) {
                anthropic.enqueue(FakeAnthropic.streamed(List.of("slow ", "reply ", "#" + i), Duration.ofSeconds(2)));
            }
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.putAll(backend.env(dir));
            try (TestHaia haia = TestHaia.start(dir, env)) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
                for (int i = 0; i < streams; i++) {
                    String body = Http.chat("haia", "question " + i).put("stream", true).toString();
                    responses.add(client.sendAsync(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                                           .timeout(Duration.ofSeconds(60))
                                                           .header("Content-Type", "application/json")
                                                           .header("X-Haia-Conversation", "c" + i)
                                                           .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                                   HttpResponse.BodyHandlers.ofString()));
                }
                // every stream has loaded its window (and on PostgreSQL taken its lease) and now waits for the model:
                // its first piece comes 2 s after its request, its commit 6 s after, so none is finishing yet either
                for (int i = 0; i < 600 && anthropic.requests().size() < streams; i++) {
                    Thread.sleep(50);
                }
                assertEquals(streams, anthropic.requests().size(), "every stream reached the model");
                long start = System.nanoTime();
                Http.Response health = Http.get(haia.uri("/health"));
                long healthMillis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(200, health.status(), health.body());
                assertTrue(healthMillis < 2000, "the database answered while streams wait: " + healthMillis + " ms");
                assertEquals(0, haia.haia().store().poolStats().orElseThrow().active(),
                             "no connection lent out while 200 streams wait for the model");

                CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                for (CompletableFuture<HttpResponse<String>> response : responses) {
                    assertEquals(200, response.get().statusCode());
                    assertTrue(response.get().body().endsWith("data: [DONE]\n\n"), response.get().body());
                }
                assertEquals(streams, haia.haia().store().conversations().list(streams + 10, 0).size(), "every exchange stored");
            }
            assertEquals(List.of(), anthropic.violations());
        }
    }
}
