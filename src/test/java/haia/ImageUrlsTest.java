package haia;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import haia.llm.TestRequests;
import haia.testing.FakeAnthropic;
import haia.testing.FakeOllama;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pictures given by URL, through the running server: addresses inside the network are refused unless allowed,
 * every failure to use a picture reads the same (the answers cannot map the network), a slow picture server holds
 * neither its request past the deadline nor its conversation, and what a request may fetch, or pass on to a
 * provider, is bounded before anything is fetched.
 */
class ImageUrlsTest {

    @TempDir
    Path dir;
    private HttpServer pictures;
    private String base;
    private final AtomicInteger pictureRequests = new AtomicInteger();
    private FakeOllama ollama;
    private FakeAnthropic anthropic;
    private TestHaia haia;
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() throws IOException {
        pictures = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        base = "http://127.0.0.1:" + pictures.getAddress().getPort();
        pictures.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        pictures.createContext("/", exchange -> {
            pictureRequests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            try (exchange) {
                switch (path) {
                    case "/ok.png" -> send(exchange, 200, TestRequests.PNG);
                    case "/big.png" -> send(exchange, 200, png(1, 1, 300_000));
                    case "/page.html" -> send(exchange, 200, "<html>not a picture</html>".getBytes());
                    case "/private.png" -> send(exchange, 401, "{\"error\":\"token required\"}".getBytes());
                    case "/broken.png" -> send(exchange, 500, "Internal Server Error".getBytes());
                    case "/to-inside.png" -> {
                        exchange.getResponseHeaders().add("Location", "http://127.0.0.2:"
                                + pictures.getAddress().getPort() + "/ok.png");
                        exchange.sendResponseHeaders(302, -1);
                    }
                    case "/slow.png" -> {   // one byte every half second, for as long as anyone reads
                        exchange.sendResponseHeaders(200, 0);
                        OutputStream out = exchange.getResponseBody();
                        for (int i = 0; i < 120; i++) {
                            out.write(TestRequests.PNG[i % TestRequests.PNG.length]);
                            out.flush();
                            Thread.sleep(500);
                        }
                    }
                    case "/huge.png" -> {   // announces 10 GB and stalls
                        exchange.getResponseHeaders().add("Content-Length", "10000000000");
                        exchange.sendResponseHeaders(200, 0);
                        exchange.getResponseBody().write(TestRequests.PNG, 0, 16);
                        exchange.getResponseBody().flush();
                        Thread.sleep(60_000);
                    }
                    default -> send(exchange, 404, new byte[0]);
                }
            } catch (IOException | InterruptedException gone) {
                // HAIA hung up: what these pictures are for
            }
        });
        pictures.start();
        ollama = FakeOllama.start("qwen2.5vl:latest");
        anthropic = FakeAnthropic.start();
        Logger.getLogger("haia.chat.ImageUrls").addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("haia.chat.ImageUrls").removeHandler(capture);
        if (haia != null) {
            haia.close();
        }
        pictures.stop(0);
        assertEquals(List.of(), ollama.violations());
        assertEquals(List.of(), anthropic.violations());
        ollama.close();
        anthropic.close();
    }

    private static void send(com.sun.net.httpserver.HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    /** A PNG whose header claims {@code width}×{@code height}, {@code size} bytes long. */
    static byte[] png(int width, int height, int size) {
        byte[] png = Arrays.copyOf(TestRequests.PNG, Math.max(size, TestRequests.PNG.length));
        for (int i = 0; i < 4; i++) {
            png[16 + i] = (byte) (width >>> (24 - 8 * i));
            png[20 + i] = (byte) (height >>> (24 - 8 * i));
        }
        return png;
    }

    /** HAIA with a local model that reads pictures (Ollama takes bytes: HAIA fetches), plus {@code extra}. */
    private void startWithOllama(Map<String, String> extra) {
        Map<String, String> env = TestHaia.loopbackEnv(dir);
        env.put("HAIA_PROVIDER", "ollama");
        env.put("OLLAMA_BASE_URL", ollama.baseUrl());
        env.put("HAIA_MODEL", "qwen2.5vl");
        env.put("HAIA_CAPABILITIES", "images");
        env.putAll(extra);
        haia = TestHaia.start(dir, env);
    }

    private static ObjectNode chat(List<String> urls) {
        ObjectNode body = Http.JSON.createObjectNode().put("model", "haia");
        ArrayNode content = body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "text").put("text", "what does this show?");
        urls.forEach(url -> content.addObject().put("type", "image_url").putObject("image_url").put("url", url));
        return body;
    }

    private Http.Response post(List<String> urls, Map<String, String> headers) {
        return Http.post(haia.uri("/v1/chat/completions"), chat(urls), headers);
    }

    private Http.Response post(String url) {
        return post(List.of(url), Map.of());
    }

    /** The 400's message with the URL taken out: the same for every reason a picture cannot be used. */
    private static String refusal(Http.Response response, String url) {
        assertEquals(400, response.status(), url + ": " + response.body());
        String message = response.json().path("error").path("message").asText();
        String shown = url.replaceAll("\\?.*", "");
        assertTrue(message.startsWith("HAIA cannot use the picture at " + shown + ". "), message);
        return message.replace(shown, "<url>");
    }

    @Test
    void picturesInsideTheNetworkAreRefusedByDefaultBeforeAnyConnection() {
        startWithOllama(Map.of());
        int port = pictures.getAddress().getPort();
        List<String> inside = List.of(base + "/ok.png", "http://localhost:" + port + "/ok.png",
                                      "http://2130706433:" + port + "/ok.png", "http://[::1]:" + port + "/ok.png",
                                      "http://10.0.0.1/ok.png", "http://169.254.169.254/latest/meta-data/",
                                      "http://0.0.0.0:" + port + "/ok.png");
        List<String> texts = new ArrayList<>();
        for (String url : inside) {
            long start = System.nanoTime();
            texts.add(refusal(post(url), url));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000, url + ": refused at once");
        }
        assertEquals(1, texts.stream().distinct().count(), "one text for every refusal: " + texts);
        assertTrue(texts.getFirst().contains("HAIA_IMAGE_FETCH_ALLOW"), "says how to allow: " + texts.getFirst());
        assertEquals(0, pictureRequests.get(), "no connection was made to an address inside the network");
        assertEquals(0, ollama.requests().size(), "nothing reached the model");
        assertTrue(logged.stream().anyMatch(l -> l.contains("127.0.0.1 (localhost) is a loopback address")), logged.toString());
        assertTrue(logged.stream().anyMatch(l -> l.contains("169.254.169.254 is a link-local address")), logged.toString());
    }

    @Test
    void allowedPicturesAreFetchedAndEveryFailureReadsAlike() throws Exception {
        startWithOllama(Map.of("HAIA_IMAGE_FETCH_ALLOW", "127.0.0.1", "HAIA_IMAGE_FETCH_TIMEOUT", "2s"));
        assertEquals(200, post(base + "/ok.png").status());
        String sent = ollama.lastRequest().body().path("messages").get(1).path("images").get(0).asText();
        assertEquals(java.util.Base64.getEncoder().encodeToString(TestRequests.PNG), sent);

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // a closed port, a 401, a 500, a trickle, 10 GB announced, no picture, a redirect inside: to the client, alike
        List<String> failing = List.of("http://127.0.0.1:" + closedPort + "/ok.png", base + "/private.png",
                                       base + "/broken.png", base + "/slow.png", base + "/huge.png",
                                       base + "/page.html", base + "/to-inside.png");
        List<String> texts = new ArrayList<>();
        for (String url : failing) {
            long start = System.nanoTime();
            texts.add(refusal(post(url), url));
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(ms < 4000, url + ": the fetch deadline covers the body too, took " + ms + " ms");
        }
        assertEquals(1, texts.stream().distinct().count(), "one text for every failure: " + texts);
        // the reasons are in HAIA's log, each its own
        for (String reason : List.of("Connection refused", "answered HTTP 401", "answered HTTP 500",
                                     "did not arrive within 2 s", "announces 10000000000 bytes",
                                     "not a JPEG, PNG, GIF or WebP", "127.0.0.2 is a loopback address")) {
            assertTrue(logged.stream().anyMatch(l -> l.contains(reason)), reason + " in " + logged);
        }
        assertEquals(1, ollama.requests().size(), "failed pictures never reach the model");
    }

    /** The old HAIA fetched inside the conversation's lock: a slow picture server held every message of the chat. */
    @Test
    void aSlowPictureNeverHoldsItsConversation() throws Exception {
        startWithOllama(Map.of("HAIA_IMAGE_FETCH_ALLOW", "127.0.0.1", "HAIA_IMAGE_FETCH_TIMEOUT", "4s"));
        Map<String, String> chat = Map.of("X-Haia-Conversation", "pictures");
        CompletableFuture<Http.Response> slow = CompletableFuture.supplyAsync(
                () -> post(List.of(base + "/slow.png"), chat));
        Thread.sleep(500);   // the slow request is fetching
        long start = System.nanoTime();
        Http.Response next = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "meanwhile: pve2 is down"),
                                       chat);
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals(200, next.status(), next.body());
        assertTrue(ms < 2500, "the conversation's next message waited " + ms + " ms for a picture download");
        assertTrue(!slow.isDone(), "the slow picture is still being fetched");
        refusal(slow.get(10, TimeUnit.SECONDS), base + "/slow.png");
    }

    @Test
    void tooManyOrTooLargePicturesAreRefusedAsSuch() {
        startWithOllama(Map.of("HAIA_IMAGE_FETCH_ALLOW", "127.0.0.1", "HAIA_IMAGE_FETCH_MAX_BYTES", "500KB"));
        List<String> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            eleven.add(base + "/ok.png?" + i);
        }
        Http.Response many = post(eleven, Map.of());
        assertEquals(400, many.status(), many.body());
        assertTrue(many.json().path("error").path("message").asText().contains("at most 10 per request"
                + " (HAIA_IMAGE_FETCH_MAX_URLS)"), many.body());
        assertEquals(0, pictureRequests.get(), "refused before anything was fetched");

        Http.Response large = post(List.of(base + "/big.png?1", base + "/big.png?2"), Map.of());
        assertEquals(400, large.status(), large.body());
        assertTrue(large.json().path("error").path("message").asText().contains("add up to more than 512000 bytes"),
                   large.body());
        assertEquals(0, ollama.requests().size());
    }

    /** Anthropic fetches URLs itself: HAIA passes on only what it would fetch itself. */
    @Test
    void providersThatFetchPicturesGetOnlyUrlsOutsideTheNetwork() {
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        haia = TestHaia.start(dir, env);
        String url = base + "/ok.png";
        refusal(post(url), url);
        assertEquals(0, anthropic.requests().size(), "not passed on");
        haia.close();
        env.put("HAIA_IMAGE_FETCH_ALLOW", "127.0.0.1");
        haia = TestHaia.start(dir, env);
        assertEquals(200, post(url).status());
        assertEquals(url, anthropic.lastRequest().body().path("messages").get(0).path("content").get(1)
                .path("source").path("url").asText());
        assertEquals(0, pictureRequests.get(), "HAIA did not fetch it: the provider does");
    }

    /** Claude takes 8000 px a side, 2000 px with more than 20 pictures: a 400 saying so, not Anthropic's error. */
    @Test
    void picturesLargerThanClaudeTakesAreRefusedBeforeTheCall() {
        haia = TestHaia.start(dir, TestHaia.baseEnv(dir, anthropic));
        String wide = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png(9000, 300, 100));
        Http.Response one = post(wide);
        assertEquals(400, one.status(), one.body());
        assertTrue(one.json().path("error").path("message").asText().contains("a picture of 9000×300 px is larger"
                + " than Claude takes: at most 8000 px a side"), one.body());
        String large = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png(2100, 1000, 100));
        assertEquals(200, post(large).status(), "one 2100 px picture is fine");
        Http.Response many = post(java.util.Collections.nCopies(21, large), Map.of());
        assertEquals(400, many.status(), many.body());
        assertTrue(many.json().path("error").path("message").asText().contains("at most 2000 px a side when a"
                + " request shows more than 20 pictures"), many.body());
        assertEquals(1, anthropic.requests().size(), "only the acceptable request reached Anthropic");
    }
}
