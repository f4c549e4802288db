package haia;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import haia.llm.TestRequests;
import haia.testing.FakeOllama;
import haia.testing.FakeUpstream;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adversarial run that exhausted the heap, against the real jar with its production JVM flags ({@code bin/start},
 * {@code -Xmx368m}): 16 concurrent requests of a few hundred bytes in 16 chats, each naming 4 pictures of 4.5 MB
 * that HAIA must fetch for a local model, which takes its time answering. Before, that was 64 pictures read at once, each copied
 * several times on the way to the provider: {@code OutOfMemoryError}s, failed requests, the provider's circuit
 * breaker opened by them. Now each request reserves what it fetches from HAIA's memory budget: requests that find it
 * spent wait their turn briefly, then get a clear 429, and the rest are answered; the JVM never runs out of memory
 * (with {@code -XX:+ExitOnOutOfMemoryError} it would have exited) and stays healthy.
 */
class ImageFetchMemoryIT {

    private static final int REQUESTS = 16;
    private static final int PICTURES = 4;
    private static final int PICTURE_BYTES = 4_500_000;

    @TempDir
    Path dir;

    /** A real PNG's header and first chunk, then noise: a picture by its bytes, incompressible. */
    private static byte[] picture(int seed) {
        byte[] picture = new byte[PICTURE_BYTES];
        new Random(seed).nextBytes(picture);
        System.arraycopy(TestRequests.PNG, 0, picture, 0, 33);
        return picture;
    }

    @Test
    void concurrentRequestsForLargePicturesNeverExhaustTheHeap() throws Exception {
        byte[][] served = new byte[PICTURES][];
        for (int i = 0; i < PICTURES; i++) {
            served[i] = picture(i);
        }
        AtomicInteger fetched = new AtomicInteger();
        HttpServer pictures = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pictures.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        pictures.createContext("/", exchange -> {
            fetched.incrementAndGet();
            byte[] picture = served[Integer.parseInt(exchange.getRequestURI().getPath().replaceAll("\\D", "")) % PICTURES];
            try (exchange) {
                exchange.sendResponseHeaders(200, picture.length);
                exchange.getResponseBody().write(picture);
            } catch (java.io.IOException gone) {
                // HAIA stopped reading (a refused request)
            }
        });
        pictures.start();
        try (FakeOllama ollama = FakeOllama.start("qwen2.5vl:latest")) {
            for (int i = 0; i < REQUESTS; i++) {   // the model takes two seconds: the pictures stay in memory meanwhile
                ollama.enqueue(new FakeUpstream.Behaviour.Reply(List.of("a Proxmox summary page"),
                                                                FakeUpstream.Finish.STOP, 1000, 10, Duration.ofSeconds(2)));
            }
            Map<String, String> env = TestHaia.loopbackEnv(dir);
            env.put("HAIA_PROVIDER", "ollama");
            env.put("OLLAMA_BASE_URL", ollama.baseUrl());
            env.put("HAIA_MODEL", "qwen2.5vl");
            env.put("HAIA_CAPABILITIES", "images");
            env.put("HAIA_IMAGE_FETCH_ALLOW", "127.0.0.1");   // the picture server is on loopback
            String base = "http://127.0.0.1:" + pictures.getAddress().getPort();
            try (HaiaProcess haia = HaiaProcess.startJarAsInProduction(dir, env);
                 var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                List<CompletableFuture<Integer>> answers = new ArrayList<>();
                for (int r = 0; r < REQUESTS; r++) {
                    ObjectNode body = Http.JSON.createObjectNode().put("model", "haia");
                    ArrayNode content = body.putArray("messages").addObject().put("role", "user").putArray("content");
                    content.addObject().put("type", "text").put("text", "what fails?");
                    for (int p = 0; p < PICTURES; p++) {
                        content.addObject().put("type", "image_url").putObject("image_url")
                                .put("url", base + "/" + (r * PICTURES + p) + ".png");
                    }
                    String json = body.toString();
                    String conversation = "pictures-" + r;   // each its own chat: nothing serializes them
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return http.send(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                                     .timeout(Duration.ofSeconds(90))
                                                     .header("Content-Type", "application/json")
                                                     .header("X-Haia-Conversation", conversation)
                                                     .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                                             HttpResponse.BodyHandlers.ofString()).statusCode();
                        } catch (Exception dropped) {
                            return -1;   // no answer at all
                        }
                    }, clients));
                }
                List<Integer> statuses = new ArrayList<>();
                for (CompletableFuture<Integer> answer : answers) {
                    statuses.add(answer.get(120, TimeUnit.SECONDS));
                }
                String log = haia.log();
                assertFalse(log.contains("OutOfMemoryError"), "the heap ran out:\n" + log);
                assertTrue(haia.process().isAlive(), "HAIA exited:\n" + log);
                assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 429),
                           "each request answered, or told to come back (429): " + statuses);
                assertTrue(statuses.stream().filter(s -> s == 200).count() >= 2, "some get through: " + statuses);
                assertEquals(200, Http.get(haia.uri("/health")).status(), "HAIA is healthy afterwards");
                assertFalse(Http.get(haia.uri("/health")).body().contains("circuit=open"),
                            "no picture trouble counted against the provider");
                assertEquals(List.of(), ollama.violations());
                System.out.println("ImageFetchMemoryIT: statuses " + statuses + ", pictures served " + fetched.get()
                                           + ", peak RSS " + haia.statusKb("VmHWM") + " kB");
            }
        } finally {
            pictures.stop(0);
        }
    }
}
