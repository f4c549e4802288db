package haia;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import haia.store.MessageStatus;
import haia.store.StoredMessage;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that misbehave or give up, over raw sockets: a slow client is cut off, an unauthenticated upload is
 * refused before it is read, a client that leaves while its request waits costs no model call, and a waiting
 * stream is kept alive.
 */
class HostileClientTest {

    private static final String KEY = "haia-test-access-key";

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_CLIENT_READ_TIMEOUT", "2s");
        env.put("HAIA_KEEP_ALIVE", "200ms");
        env.put("HAIA_API_KEY", KEY);
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        anthropic.close();
    }

    // ---- item 7: slow clients ----

    @Test
    void aClientTricklingItsHeadersIsCutOff() throws Exception {
        // the request line arrives whole, then its headers one byte every 300 ms (they would take a minute)
        String headers = "Host: x\r\nContent-Type: application/json\r\n" + "X-Filler: " + "f".repeat(200) + "\r\n\r\n";
        assertCutOff("POST /v1/chat/completions HTTP/1.1\r\n", headers);
    }

    @Test
    void aClientTricklingItsRequestLineIsCutOff() throws Exception {
        assertCutOff("", "GET /v1/models" + "?x=".repeat(60) + " HTTP/1.1\r\n\r\n");
    }

    @Test
    void aClientTricklingAChunkedBodyIsCutOff() throws Exception {
        String start = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        StringBuilder chunks = new StringBuilder();
        for (char c : Http.chat("haia", "slowly").toString().toCharArray()) {
            chunks.append("1\r\n").append(c).append("\r\n");
        }
        assertCutOff(start, chunks.toString());
        assertEquals(0, anthropic.requests().size());
    }

    /** Sends {@code whole} at once, then {@code trickled} a byte at a time; HAIA must hang up long before the end. */
    private void assertCutOff(String whole, String trickled) throws Exception {
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", haia.port())) {
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(whole.getBytes(StandardCharsets.US_ASCII));
            boolean closed = false;
            for (int i = 0; i < trickled.length() && !closed; i++) {
                try {
                    out.write(trickled.charAt(i));
                    out.flush();
                } catch (SocketException reset) {
                    closed = true;
                    break;
                }
                closed = closedWithin(in, Duration.ofMillis(300));
            }
            assertTrue(closed, "HAIA hung up before the client finished trickling");
        }
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertTrue(seconds < 20, "cut off at the 2 s read timeout, not after the whole trickle: " + seconds + " s");
        assertEquals(200, Http.get(haia.uri("/health")).status(), "HAIA itself is fine");
    }

    /** Whether the server closed the connection (EOF or reset) within {@code wait}; discards what it sent. */
    private static boolean closedWithin(InputStream in, Duration wait) throws IOException {
        long end = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (in.read() < 0) {
                    return true;
                }
            } catch (SocketTimeoutException quiet) {
                // nothing yet
            } catch (SocketException reset) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anUnauthenticatedUploadIsRefusedBeforeItsBodyIsRead() throws Exception {
        // over the body limit: refused from the declared length alone
        String huge = rawUnauthenticatedPost(500_000_000L);
        assertTrue(huge.startsWith("HTTP/1.1 413"), huge);
        // under it, but unauthenticated: 401, and the connection closes instead of reading the body
        String small = rawUnauthenticatedPost(500_000L);
        assertTrue(small.startsWith("HTTP/1.1 401"), small);
        assertTrue(small.toLowerCase().contains("connection: close"), small);
    }

    /** Sends only the headers of a big upload and returns what HAIA answers before it closes the connection. */
    private String rawUnauthenticatedPost(long declaredLength) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", haia.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + declaredLength + "\r\n\r\n{\"mess")
                                                   .getBytes(StandardCharsets.US_ASCII));
            // readAllBytes returns only at the end of the stream: HAIA answered and closed without the body
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    // ---- items 9 and 10: clients that leave while they wait, and streams that wait ----

    @Test
    void blockingRequestsWhoseClientsLeftWhileQueuedNeverCallTheModel() throws Exception {
        CompletableFuture<Http.Response> slow = slowRequest("queue");
        List<Socket> leaving = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leaving.add(rawChat("queue", "queued " + i, false));
        }
        Thread.sleep(1500);
        for (Socket socket : leaving) {
            socket.close();                    // the clients give up while the slow request still runs
        }
        assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
        List<StoredMessage> stored = awaitStored("queue", 6);
        assertEquals(1, anthropic.requests().size(), "nobody was left to answer: the model was called once");
        assertLeftWhileQueued(stored, 4);
        assertEquals(200, chat("queue", "still there?").status());
        assertEquals(3, anthropic.lastRequest().body().path("messages").size(), "only the answered exchange is in the window");
    }

    @Test
    void aBlockingClientThatLeavesStopsItsModelCallAndItsReplyStaysOutOfTheWindow() throws Exception {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("nobody reads this"), "end_turn", 1, 1,
                                                            Duration.ofSeconds(6)));
        Socket client = rawChat("gone", "a long one", false);
        awaitUpstreamCalls(1);
        Thread.sleep(1500);
        client.close();
        // stopped and stored as failed, where the finished reply would have been stored as answered
        List<StoredMessage> stored = awaitStored("gone", 1);
        assertEquals(MessageStatus.FAILED, stored.getFirst().status(), stored.toString());
        assertEquals(200, chat("gone", "next").status());
        assertEquals(1, anthropic.lastRequest().body().path("messages").size(), "nothing unread in the window");
    }

    @Test
    void streamsWaitingForTheirConversationGetKeepAlivesAndStopWhenTheirClientsLeave() throws Exception {
        CompletableFuture<Http.Response> slow = slowRequest("streams");
        List<SseClient> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                              Http.chat("haia", "queued " + i).put("stream", true).toString(),
                                              Map.of("X-Haia-Conversation", "streams", "Authorization", "Bearer " + KEY));
            waiting.add(client);
            // item 10: the stream is open and kept alive while it waits behind the slow request
            assertEquals(200, client.status());
            assertEquals(": keep-alive", client.nextLine());
        }
        assertEquals(1, anthropic.requests().size(), "all of that while the first request still ran");
        for (SseClient client : waiting) {
            client.close();
        }
        assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
        List<StoredMessage> stored = awaitStored("streams", 5);
        assertEquals(1, anthropic.requests().size(), "the streams whose clients left never called the model");
        assertLeftWhileQueued(stored, 3);
    }

    /** A request that keeps its conversation busy for a few seconds, once its model call has started. */
    private CompletableFuture<Http.Response> slowRequest(String conversation) throws InterruptedException {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("slow answer"), "end_turn", 1, 1, Duration.ofSeconds(4)));
        CompletableFuture<Http.Response> slow = CompletableFuture.supplyAsync(() -> chat(conversation, "slow question"));
        awaitUpstreamCalls(1);
        return slow;
    }

    /** The slow exchange answered; each queued question kept as failed (outside the window), none answered. */
    private static void assertLeftWhileQueued(List<StoredMessage> stored, int queued) {
        for (StoredMessage message : stored) {
            if (message.content().startsWith("slow")) {
                assertEquals(MessageStatus.OK, message.status(), message.toString());
            } else {
                assertTrue(message.content().startsWith("queued "), message.toString());
                assertEquals(MessageStatus.FAILED, message.status(), "kept, outside the window: " + message);
                assertTrue(message.error().orElseThrow().contains("disconnected"), message.toString());
            }
        }
        assertEquals(queued, stored.stream().filter(m -> m.content().startsWith("queued ")).count());
    }

    private Http.Response chat(String conversation, String text) {
        return Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", text),
                         Map.of("X-Haia-Conversation", conversation, "Authorization", "Bearer " + KEY));
    }

    /** Sends a whole chat request and leaves the socket open without reading the answer. */
    private Socket rawChat(String conversation, String text, boolean stream) throws IOException {
        byte[] body = Http.chat("haia", text).put("stream", stream).toString().getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket("127.0.0.1", haia.port());
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nX-Haia-Conversation: " + conversation + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        return socket;
    }

    private void awaitUpstreamCalls(int calls) throws InterruptedException {
        for (int i = 0; i < 200 && anthropic.requests().size() < calls; i++) {
            Thread.sleep(50);
        }
        assertEquals(calls, anthropic.requests().size());
    }

    private List<StoredMessage> awaitStored(String conversation, int count) throws InterruptedException {
        List<StoredMessage> stored = List.of();
        for (int i = 0; i < 300 && stored.size() < count; i++) {
            Thread.sleep(50);
            stored = haia.haia().store().list(100, 0).stream()
                    .filter(c -> c.key().orElse("").equals(conversation))
                    .findFirst()
                    .map(c -> haia.haia().store().messages(c.id(), 0, 100))
                    .orElse(List.of());
        }
        assertEquals(count, stored.size(), stored.toString());
        return stored;
    }
}
