package haia;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.api.ApiError;
import haia.api.ErrorMapper;
import haia.observe.Redactor;
import haia.store.MessageStatus;
import haia.store.StoredMessage;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each upstream failure reaches the client with the status and OpenAI error shape the core issue defines. */
class UpstreamErrorMappingTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_MAX_ATTEMPTS", "1");       // retries have their own tests; here each failure maps once
        env.put("HAIA_REQUEST_TIMEOUT", "1s");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        anthropic.close();
    }

    private Http.Response chat(String text) {
        return Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", text));
    }

    private static void assertOpenAiError(Http.Response response, int status, String code) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"));
        JsonNode error = response.json().path("error");
        assertTrue(error.path("message").isTextual() && error.path("type").isTextual(), response.body());
        assertTrue(error.has("param"), "param is always present (null when no field is at fault)");
        assertEquals(code, error.path("code").asText(), response.body());
    }

    @Test
    void rejectedKeyIsA502SayingSo() {
        anthropic.enqueue(FakeAnthropic.error(401, "authentication_error", "invalid x-api-key"));
        Http.Response response = chat("hi");
        assertOpenAiError(response, 502, "upstream_auth_failed");
        assertTrue(response.json().path("error").path("message").asText().contains("rejected HAIA's API key"));
        assertFalse(response.body().contains(FakeAnthropic.API_KEY));
    }

    @Test
    void forbiddenIsTreatedLikeARejectedKey() {
        anthropic.enqueue(FakeAnthropic.error(403, "permission_error", "no access to this model"));
        assertOpenAiError(chat("hi"), 502, "upstream_auth_failed");
    }

    @Test
    void rateLimitIsA429WithTheUpstreamRetryAfter() {
        anthropic.enqueue(FakeAnthropic.error(429, "rate_limit_error", "slow down", Map.of("retry-after", "7")));
        Http.Response response = chat("hi");
        assertOpenAiError(response, 429, "upstream_rate_limited");
        assertEquals("rate_limit_error", response.json().path("error").path("type").asText());
        assertEquals("7", response.header("retry-after"));
    }

    @Test
    void overloadedIsA503() {
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        Http.Response response = chat("hi");
        assertOpenAiError(response, 503, "upstream_overloaded");
        assertTrue(response.header("retry-after") != null);
    }

    @Test
    void upstreamServerErrorIsA502() {
        anthropic.enqueue(FakeAnthropic.error(500, "api_error", "Internal server error"));
        assertOpenAiError(chat("hi"), 502, "upstream_unavailable");
    }

    @Test
    void upstreamRejectingTheRequestIsA400WithItsReason() {
        anthropic.enqueue(FakeAnthropic.error(400, "invalid_request_error", "max_tokens: 64000 > 32000, which is the"
                + " maximum allowed number of output tokens"));
        Http.Response response = chat("hi");
        assertOpenAiError(response, 400, "upstream_invalid_request");
        assertTrue(response.json().path("error").path("message").asText().contains("maximum allowed number"));
    }

    /**
     * A prompt the provider calls too long for the model's context, when HAIA has nothing older to leave out (a
     * single message): OpenAI's code for it, the provider's words in the message. (With older turns HAIA shrinks the
     * window and asks once more: ContextOverflowTest.)
     */
    @Test
    void aPromptTooLongThatCannotShrinkIsA400ContextLengthExceeded() {
        anthropic.enqueue(FakeAnthropic.error(400, "invalid_request_error", "prompt is too long: 205351 tokens > 200000"));
        anthropic.enqueue(FakeAnthropic.error(400, "invalid_request_error", "prompt is too long: 205351 tokens > 200000"));
        Http.Response response = chat("hi");
        assertOpenAiError(response, 400, "context_length_exceeded");
        assertTrue(response.json().path("error").path("message").asText().contains("prompt is too long"));
        assertEquals("messages", response.json().path("error").path("param").asText());
    }

    @Test
    void slowUpstreamIsA504() {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Stall(Duration.ofSeconds(3)));
        long start = System.nanoTime();
        assertOpenAiError(chat("hi"), 504, "upstream_timeout");
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2900, "the 1 s timeout applies");
    }

    @Test
    void unreachableUpstreamIsA502(@TempDir Path other) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> env = TestHaia.baseEnv(other, anthropic);
        env.put("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + closedPort);
        env.put("HAIA_MAX_ATTEMPTS", "1");
        try (TestHaia isolated = TestHaia.start(other, env)) {
            Http.Response response = Http.post(isolated.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
            assertOpenAiError(response, 502, "upstream_unavailable");
            assertTrue(response.json().path("error").path("message").asText().contains("Cannot connect"));
        }
    }

    /**
     * An upstream that closes the connection, before its answer or in the middle of its body, blocking and
     * streamed: the error says so in words, not with the name of the exception class that reported it
     * ({@code ... closed (InsufficientDataAvailableException)}).
     */
    @Test
    void anUpstreamThatClosesTheConnectionIsA502SayingSoInWords(@TempDir Path other) throws Exception {
        for (String answer : List.of("", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n"
                + "\r\n{\"id\":\"msg_1\",\"type\":\"mess",
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: message_start\r\n")) {
            try (ServerSocket upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                Thread closer = Thread.ofVirtual().start(() -> {
                    while (!upstream.isClosed()) {
                        try (Socket socket = upstream.accept()) {
                            InputStream in = socket.getInputStream();
                            byte[] buffer = new byte[65536];
                            socket.setSoTimeout(500);   // the whole request, then quiet
                            try {
                                while (in.read(buffer) >= 0) {
                                    // read and dropped
                                }
                            } catch (java.net.SocketTimeoutException requestIsIn) {
                                // answer now
                            }
                            socket.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
                            socket.getOutputStream().flush();
                        } catch (java.io.IOException closed) {
                            return;
                        }
                    }
                });
                Map<String, String> env = TestHaia.baseEnv(other, anthropic);
                env.put("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + upstream.getLocalPort());
                env.put("HAIA_MAX_ATTEMPTS", "1");
                try (TestHaia isolated = TestHaia.start(other, env)) {
                    boolean stream = answer.contains("event-stream");
                    Http.Response response = Http.post(isolated.uri("/v1/chat/completions"),
                                                       Http.chat("haia", "hi").put("stream", stream));
                    String text = stream ? response.body() : response.json().path("error").path("message").asText();
                    if (!stream) {
                        assertEquals(502, response.status(), response.body());
                    }
                    assertTrue(text.contains("closed the connection before its answer was complete"),
                               answer.length() + ": " + text);
                    assertFalse(text.matches("(?s).*[A-Za-z]+(Exception|Error)\\b.*"), "a class name: " + text);
                }
                upstream.close();
                closer.join(5000);
            }
        }
    }

    @Test
    void aFailedCallKeepsTheUserMessageOutsideTheWindowAndARetryDoesNotDuplicateIt() {
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        assertEquals(503, chat("the ZFS pool is degraded").status());
        assertEquals(200, chat("the ZFS pool is degraded").status());

        JsonNode sent = anthropic.lastRequest().body().path("messages");
        assertEquals(1, sent.size(), "the failed attempt is not in the window: " + sent);
        long conversation = haia.haia().store().conversations().list(1, 0).getFirst().id();
        List<StoredMessage> stored = haia.haia().store().conversations().messages(conversation, 0, 100);
        assertEquals(List.of(MessageStatus.FAILED, MessageStatus.OK, MessageStatus.OK),
                     stored.stream().map(StoredMessage::status).toList());
        assertEquals("the ZFS pool is degraded", stored.getFirst().content());
        assertTrue(stored.getFirst().error().orElseThrow().contains("overloaded"));
    }

    @Test
    void anythingUnexpectedIsA500WithTheCorrelationIdAndNoDetails() {
        ApiError error = new ErrorMapper(new Redactor(List.of()), 3)
                .map(new IllegalStateException("secret internals at Foo.java:42"), "abc123");
        assertEquals(500, error.status());
        assertTrue(error.message().contains("abc123"));
        assertFalse(error.message().contains("internals"));
        assertFalse(new String(error.body()).contains("Foo.java"));
    }
}
