package haia.llm;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import haia.config.HaiaConfig;

import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cancelled blocking call (its client left, a deadline, shutdown) over HAIA's keep-alive pool, against a real
 * loopback server: it stops at once and is never sent again, however the cancellation meets the exchange. The calls
 * run on virtual threads, as HAIA's requests do (an interrupt closes a virtual thread's socket under its read).
 */
class UpstreamCancellationTest {

    /** Long, so that a call still waiting for its answer after a cancellation is told from one that stopped. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SLOW = Duration.ofSeconds(2);

    private final AtomicInteger slowCalls = new AtomicInteger();
    private final CountDownLatch slowAnswered = new CountDownLatch(1);
    private WebServer server;
    private URI base;
    private UpstreamHttp http;
    private UpstreamCall call;
    private ExecutorService threads;

    @BeforeEach
    void start() {
        server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).featuresDiscoverServices(false)
                .routing(r -> r.get("/ok", (req, res) -> res.send("ok"))
                        .post("/slow", (req, res) -> {
                            slowCalls.incrementAndGet();
                            try {
                                Thread.sleep(SLOW);
                                res.send("{\"late\":true}");
                            } finally {
                                slowAnswered.countDown();
                            }
                        }))
                .build().start();
        base = URI.create("http://127.0.0.1:" + server.port());
        UpstreamHttp.Settings settings = new UpstreamHttp.Settings(Duration.ofSeconds(5), READ_TIMEOUT, 1 << 20, 100_000);
        http = UpstreamHttp.client(new HaiaConfig.Provider("slow", "openai", base, Optional.empty(), Map.of(),
                                                           "SLOW_BASE_URL", "SLOW_API_KEY"), settings);
        call = new UpstreamCall("slow", "openai", settings);
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        http.close();
        server.stop();
    }

    /**
     * The client leaves while the model is still thinking, on a connection the pool lent again: the interrupt that
     * stops the wait closes the socket, which is no stale keep-alive connection to retry on a fresh one. Sending the
     * call again would pay for a second reply nobody reads, and that reply, arriving with the cancellation already
     * done, was read from a connection the pool had taken back (see the next test): the call hung.
     */
    @Test
    void aCallCancelledWhileWaitingOnAReusedConnectionIsNotSentAgain() throws Exception {
        warmPool();
        Cancellation cancellation = new Cancellation();
        Future<String> result = threads.submit(() -> call.blocking(
                () -> http.post(URI.create(base + "/slow"), r -> { }, "{}".getBytes(StandardCharsets.UTF_8)),
                cancellation, this::unexpected, (headers, body) -> new String(body.readAllBytes(), StandardCharsets.UTF_8)));
        while (slowCalls.get() == 0) {
            Thread.sleep(10);
        }
        Thread.sleep(500);   // past the moment the pool's idle monitor hands the connection over: the call reads it
        cancellation.cancel(Cancellation.Reason.CLIENT_GONE);
        assertCancelled(result);
        assertTrue(slowAnswered.await(30, TimeUnit.SECONDS));
        assertEquals(1, slowCalls.get(), "the cancelled call was sent once");
        assertEquals("ok", get("/ok"), "the pool still serves");
    }

    /**
     * The cancellation comes just as the answer does: the headers are read, the body sits in Helidon's buffer.
     * Closing the response then would hand the connection back to the pool (Helidon skips the buffered body), and
     * the call, reading that body next, would wait on a pooled connection until the read timeout.
     */
    @Test
    void aCancellationArrivingWithTheAnswerEndsTheCallAtOnce() throws Exception {
        warmPool();
        Cancellation cancellation = new Cancellation();
        Future<String> result = threads.submit(() -> call.blocking(() -> {
            UpstreamResponse response = http.get(URI.create(base + "/ok"), r -> { });
            cancellation.cancel(Cancellation.Reason.CLIENT_GONE);
            return response;
        }, cancellation, this::unexpected, (headers, body) -> new String(body.readAllBytes(), StandardCharsets.UTF_8)));
        try {
            result.get(20, TimeUnit.SECONDS);   // the body may have been read before the abort: then it is the answer
        } catch (ExecutionException e) {
            LlmException stopped = assertInstanceOf(LlmException.class, e.getCause());
            assertEquals(ErrorCategory.CANCELLED, stopped.category(), stopped.getMessage());
        }
        assertEquals("ok", get("/ok"), "the pool still serves, with a connection nobody else reads");
    }

    /**
     * One answered call, so that the next one gets a pooled connection, and a moment for the pool's idle monitor
     * (which reads the connection while it waits in the pool) to be under way, as between two chats.
     */
    private void warmPool() throws Exception {
        assertEquals("ok", get("/ok"));
        Thread.sleep(300);
    }

    private String get(String path) throws Exception {
        return threads.submit(() -> call.blocking(() -> http.get(URI.create(base + path), r -> { }), new Cancellation(),
                                                  this::unexpected,
                                                  (headers, body) -> new String(body.readAllBytes(), StandardCharsets.UTF_8)))
                .get(20, TimeUnit.SECONDS);
    }

    private LlmException unexpected(io.helidon.webclient.api.HttpClientResponse response) {
        return UpstreamErrors.protocolFailure("slow", "unexpected status " + response.status().code(), null);
    }

    /** Ends as a cancellation, well before the read timeout: get() would throw a TimeoutException otherwise. */
    private static void assertCancelled(Future<String> result) throws InterruptedException {
        try {
            String answer = result.get(20, TimeUnit.SECONDS);
            throw new AssertionError("the cancelled call was answered: " + answer);
        } catch (ExecutionException e) {
            LlmException stopped = assertInstanceOf(LlmException.class, e.getCause());
            assertEquals(ErrorCategory.CANCELLED, stopped.category(), stopped.getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the cancelled call was still waiting after 20 s", e);
        }
    }
}
