package haia;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import haia.api.ClientConnections;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that misbehave or give up, over raw sockets: a slow client is cut off, an unauthenticated upload is
 * refused before it is read, a refused upload's answer reaches its client while it is still sending (but only so
 * much of it is drained), a client that leaves while its request waits costs no model call, and a waiting stream is
 * kept alive.
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
        // the upload tests below size their bodies against this limit, not against the default
        env.put("HAIA_MAX_BODY_BYTES", Integer.toString(1 << 20));
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
            // readAllBytes returns only at the end of the stream: HAIA answered and ended it without the body
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    // ---- refused uploads: the answer reaches a client that is still sending its body ----

    @Test
    void anUploadOverTheLimitGetsItsWhole413WhileStillSendingIt() throws Exception {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nX-Request-Id: big-paste\r\nContent-Type: application/json\r\nContent-Length: " + (2 << 20)
                + "\r\n\r\n";
        RawResponse response = sendWholeBodyThenRead(head, 2 << 20, false);
        response.assertComplete(413, "big-paste", "request_too_large");
    }

    @Test
    void aChunkedUploadOverTheLimitGetsItsWhole413WhileStillSendingIt() throws Exception {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nX-Request-Id: big-stream\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                + "\r\n\r\n";
        RawResponse response = sendWholeBodyThenRead(head, 2 << 20, true);
        response.assertComplete(413, "big-stream", "request_too_large");
    }

    @Test
    void anUnauthenticatedUploadGetsItsWhole401WhileStillSendingIt() throws Exception {
        // just under the limit, so the key is what is missing
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: no-key\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + (1 << 20) + "\r\n\r\n";
        RawResponse response = sendWholeBodyThenRead(head, 1 << 20, false);
        response.assertComplete(401, "no-key", "invalid_api_key");
    }

    /**
     * Sends {@code head}, then the whole body ({@code bodyBytes}, in 64 KiB writes, as chunks if {@code chunked}),
     * then reads HAIA's answer to the end of the stream. The socket's send buffer is small and the body larger
     * than what the kernel buffers on both ends hold, so HAIA answers while most of the body is still to be sent:
     * a server that then simply closes its socket resets the connection, and a write or the read fails.
     */
    private RawResponse sendWholeBodyThenRead(String head, int bodyBytes, boolean chunked) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSendBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", haia.port()));
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] piece = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
            for (int sent = 0; sent < bodyBytes; sent += piece.length) {
                if (chunked) {
                    out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(piece);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            return RawResponse.parse(socket.getInputStream().readAllBytes());
        }
    }

    /** An HTTP/1.1 response read off a socket up to the end of the stream. */
    private record RawResponse(String head, byte[] body) {
        static RawResponse parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertTrue(end > 0, "a whole response head: " + text);
            return new RawResponse(text.substring(0, end + 2),
                                   java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length));
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                    return line.substring(name.length() + 1).strip();
                }
            }
            return null;
        }

        /** Status, the request's id, {@code Connection: close}, and the whole OpenAI error body its length announced. */
        void assertComplete(int status, String requestId, String code) throws IOException {
            assertTrue(head.startsWith("HTTP/1.1 " + status + " "), head);
            assertEquals(requestId, header("X-Request-Id"), head);
            assertEquals("close", header("Connection"), head);
            assertEquals(String.valueOf(body.length), header("Content-Length"), "the whole body, then the end: " + head);
            JsonNode error = Http.JSON.readTree(body).path("error");
            assertEquals(code, error.path("code").asText(), error.toString());
            assertEquals("invalid_request_error", error.path("type").asText(), error.toString());
        }
    }

    /** HAIA still discards what follows a refused body, but only so much: a client that keeps sending is cut off. */
    @Test
    void anEndlessUploadIsCutOffAfterABoundedDrain() throws Exception {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = capture(logged);
        Logger.getLogger("").addHandler(capture);
        try {
            assertEndlessUploadCutOff(logged);
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
        assertEquals(200, Http.get(haia.uri("/health")).status(), "HAIA itself is fine");
    }

    private void assertEndlessUploadCutOff(List<LogRecord> logged) throws Exception {
        try (Socket socket = new Socket()) {
            socket.setSendBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", haia.port()));
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 500000000\r\n\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
            // a guard against a server that stops reading without closing (the write would block for ever)
            AtomicBoolean gaveUp = new AtomicBoolean();
            ScheduledExecutorService guard = Executors.newSingleThreadScheduledExecutor();
            guard.schedule(() -> {
                gaveUp.set(true);
                socket.close();
                return null;
            }, 60, TimeUnit.SECONDS);
            byte[] piece = new byte[64 * 1024];
            long written = 0;
            boolean cutOff = false;
            try {
                while (written < 500_000_000L) {
                    out.write(piece);
                    written += piece.length;
                }
            } catch (IOException reset) {
                cutOff = true;
            } finally {
                guard.shutdownNow();
            }
            assertFalse(gaveUp.get(), "HAIA neither read nor closed the connection");
            assertTrue(cutOff, "HAIA read all of the 500 MB");
            // what the client wrote: what HAIA read (at most its drain's bytes, or what its time allowed) plus what
            // the kernel buffers held on the way
            assertTrue(written < ClientConnections.LINGER_BYTES + (64L << 20), written + " bytes written before the reset");
        }
        long discarded = awaitCutOffRecord(logged);
        assertTrue(discarded <= ClientConnections.LINGER_BYTES, "HAIA discarded " + discarded + " bytes");
    }

    /** The same for a client that keeps sending a byte at a time: cut off after the drain's time, not its bytes. */
    @Test
    void aTrickledUploadIsCutOffAfterABoundedDrain() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", haia.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 500000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            int trickled = 0;
            boolean cutOff = false;
            // 100 ms a byte: 600 bytes would take a minute
            for (; trickled < 600 && !cutOff; trickled++) {
                try {
                    out.write('x');
                    out.flush();
                    Thread.sleep(100);
                } catch (IOException reset) {
                    cutOff = true;
                }
            }
            assertTrue(cutOff, "HAIA kept the connection open for the whole trickle");
            // the drain lasts HAIA_CLIENT_READ_TIMEOUT, 2 s here
            assertTrue(trickled < 300, "cut off after the drain's couple of seconds, not after " + trickled + " bytes");
        }
    }

    private static long awaitCutOffRecord(List<LogRecord> logged) throws InterruptedException {
        Pattern discarded = Pattern.compile("after discarding (\\d+) bytes");
        for (int i = 0; i < 100; i++) {
            for (LogRecord record : logged) {
                Matcher matcher = discarded.matcher(String.valueOf(record.getMessage()));
                if (record.getLoggerName().equals("haia.api.ClientConnections") && matcher.find()) {
                    return Long.parseLong(matcher.group(1));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no cut-off logged: " + logged.stream().map(LogRecord::getMessage).toList());
    }

    private static Handler capture(List<LogRecord> into) {
        return new Handler() {
            @Override
            public void publish(LogRecord record) {
                into.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
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
        // the call was stopped, not sent again (on a connection the start-up model check had pooled, it once was)
        assertEquals(1, anthropic.requests().size(), "the model was called once");
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
            stored = haia.haia().store().conversations().list(100, 0).stream()
                    .filter(c -> c.key().orElse("").equals(conversation))
                    .findFirst()
                    .map(c -> haia.haia().store().conversations().messages(c.id(), 0, 100))
                    .orElse(List.of());
        }
        assertEquals(count, stored.size(), stored.toString());
        return stored;
    }
}
