package haia.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What real clients meet at the edges of the API, over real HTTP: URLs and methods HAIA does not serve get 404/405
 * in OpenAI's shape (never a 500, never a stack trace), and every response, errors and transport-level rejections
 * included, carries an {@code X-Request-Id}.
 */
class RoutingTest {

    @TempDir
    Path dir;
    private FakeAnthropic anthropic;
    private TestHaia haia;
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        haia = TestHaia.start(dir, anthropic);
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("").removeHandler(capture);
        haia.close();
        anthropic.close();
    }

    @Test
    void anUnknownUrlIsA404SayingWhatHaiaServes() {
        for (String[] request : List.of(new String[] {"GET", "/"}, new String[] {"GET", "/favicon.ico"},
                                        new String[] {"GET", "/v1"}, new String[] {"POST", "/v1/realtime/sessions"},
                                        new String[] {"POST", "/v1/embeddings"}, new String[] {"POST", "/v1/completions"},
                                        new String[] {"GET", "/v1/models/haia/extra"})) {
            logged.clear();
            Http.Response response = send(request[0], request[1]);
            String what = request[0] + " " + request[1];
            assertEquals(404, response.status(), what + ": " + response.body());
            JsonNode error = response.json().path("error");
            assertEquals("unknown_url", error.path("code").asText(), what);
            assertEquals("invalid_request_error", error.path("type").asText(), what);
            assertTrue(error.has("param"), "OpenAI's error shape has param (null)");
            assertTrue(error.path("message").asText().startsWith("Invalid URL (" + what + ")"), error.toString());
            assertTrue(error.path("message").asText().contains("POST /v1/chat/completions"), error.toString());
            assertEquals("false", response.header("x-should-retry"), "an SDK must not retry a wrong URL");
            assertNotNull(response.header("x-request-id"), what);
            assertOneInfoLine(response.header("x-request-id"), 404);
        }
        assertEquals(0, anthropic.requests().size());
    }

    @Test
    void aKnownUrlWithTheWrongMethodIsA405WithAllow() {
        Map<String, String> cases = Map.of(
                "PUT /v1/chat/completions", "POST",
                "GET /v1/chat/completions", "POST",
                "DELETE /v1/models/haia", "GET",
                "POST /v1/models", "GET",
                "PUT /v1/conversations/7", "GET, DELETE",
                "POST /health", "GET");
        cases.forEach((request, allow) -> {
            logged.clear();
            String[] parts = request.split(" ");
            Http.Response response = send(parts[0], parts[1]);
            assertEquals(405, response.status(), request + ": " + response.body());
            assertEquals(allow, response.header("allow"), request);
            JsonNode error = response.json().path("error");
            assertEquals("method_not_allowed", error.path("code").asText(), request);
            assertTrue(error.path("message").asText().contains("(" + request + ")"), error.toString());
            assertTrue(error.path("message").asText().endsWith("it answers " + allow), error.toString());
            assertNotNull(response.header("x-request-id"), request);
            assertOneInfoLine(response.header("x-request-id"), 405);
        });
    }

    /** Every route the 404/405 answers list is really served: its method never gets 404 or 405. */
    @Test
    void everyListedEndpointIsAnswered() {
        for (Endpoints.Endpoint endpoint : Endpoints.ALL) {
            String path = endpoint.path().replace("models/{id}", "models/haia").replace("{id}", "1");
            Http.Response response = send(endpoint.method().text(), path);
            // conversation 1, response 1, finding 1 and note 1 do not exist: that is a 404 of the route itself, naming it
            boolean routeMissing = response.status() == 405
                    || response.status() == 404 && !response.body().contains("conversation_not_found")
                    && !response.body().contains("response_not_found")
                    && !response.body().contains("finding_not_found")
                    && !response.body().contains("note_not_found");
            assertFalse(routeMissing, endpoint + " answered " + response.status() + ": " + response.body());
        }
    }

    @Test
    void everyErrorCarriesTheRequestIdItsBodyAndLogLineQuote() {
        Http.Response badJson = Http.post(haia.uri("/v1/chat/completions"), "{\"model\":", Map.of());
        assertEquals(400, badJson.status());
        assertNotNull(badJson.header("x-request-id"), "400");

        Http.Response notJson = Http.post(haia.uri("/v1/chat/completions"), "hi",
                                          Map.of("Content-Type", "text/plain"));
        assertEquals(415, notJson.status());
        assertNotNull(notJson.header("x-request-id"), "415");


        Http.Response notFound = Http.get(haia.uri("/v1/conversations/999"));
        assertEquals(404, notFound.status());
        assertNotNull(notFound.header("x-request-id"), "404 of a route");

        Http.Response tooLarge = Http.post(haia.uri("/v1/chat/completions"),
                                           "{\"pad\":\"" + "x".repeat(34_000_000) + "\"}", Map.of());   // > 32 MiB
        assertEquals(413, tooLarge.status());
        assertNotNull(tooLarge.header("x-request-id"), "413");

        // the client's own id comes back, on an error as on a success
        Http.Response mine = Http.post(haia.uri("/v1/chat/completions"), "[]", Map.of("X-Request-Id", "trace-42"));
        assertEquals(400, mine.status());
        assertEquals("trace-42", mine.header("x-request-id"));
        assertEquals("false", mine.header("x-should-retry"));
        assertEquals("trace-43", Http.get(haia.uri("/v1/models"), Map.of("X-Request-Id", "trace-43"))
                .header("x-request-id"));
    }

    @Test
    void aRequestRejectedBeforeRoutingCarriesARequestIdToo() throws Exception {
        String malformed = Http.raw(haia.port(), "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n");
        assertTrue(malformed.startsWith("HTTP/1.1 400"), malformed);
        assertTrue(malformed.toLowerCase().contains("x-request-id: "), malformed);
        assertTrue(malformed.toLowerCase().contains("x-should-retry: false"), malformed);
        assertTrue(malformed.contains("\"code\":\"bad_request\""), malformed);

        String huge = Http.raw(haia.port(), "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + "p".repeat(20_000) + "\r\n\r\n");
        assertTrue(huge.startsWith("HTTP/1.1 400"), huge);
        assertTrue(huge.toLowerCase().contains("x-request-id: "), "a generated id: " + huge);
        assertTrue(huge.contains("headers_too_large"), huge);
    }

    @Test
    void anInternalFailureIsA500WithTheReferenceInHeaderAndBody() {
        haia.haia().store().close();   // HAIA broken underneath: the only way to get a 500
        Http.Response response = Http.get(haia.uri("/v1/conversations"), Map.of("X-Request-Id", "broken-1"));
        assertTrue(response.status() >= 500, response.status() + ": " + response.body());
        assertEquals("broken-1", response.header("x-request-id"));
        assertTrue(response.body().contains("broken-1"), response.body());
    }

    /** The request's log line is written once the response is out: waits for it (at most 10 s). */
    /**
     * HTTP/1.1 {@code Connection: close}: the answer says so and the connection ends right after it, so a client
     * reading to the end of the stream (curl, shell scripts, bin/healthcheck) is done at once. Helidon 4.1.7 alone kept
     * the socket open until its idle timeout, 30 s. Also for an answer HAIA closes on its own (a 413), and for a
     * request whose body nobody read (a 404 to a POST).
     */
    @Test
    void aConnectionCloseRequestEndsItsConnectionRightAfterTheAnswer() throws Exception {
        String chat = Http.chat("haia", "hello").toString();
        for (String request : List.of(
                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + chat.length() + "\r\n\r\n" + chat,
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{]",
                "POST /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello")) {
            try (Socket socket = new Socket("127.0.0.1", haia.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.UTF_8));
                out.flush();
                long start = System.nanoTime();
                InputStream in = socket.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);   // to the end of the stream
                long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
                String first = request.substring(0, request.indexOf('\r'));
                assertTrue(answer.startsWith("HTTP/1.1 "), first + ": " + answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), first + ": " + answer);
                assertTrue(ms < 3000, first + ": the connection ended " + ms + " ms after the request, not at once");
            }
        }
    }

    private void assertOneInfoLine(String requestId, int status) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<LogRecord> lines = requestLines(requestId);
        while (lines.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            lines = requestLines(requestId);
        }
        assertEquals(1, lines.size(), "one request line: " + lines.stream().map(LogRecord::getMessage).toList());
        assertEquals(Level.INFO, lines.getFirst().getLevel());
        assertTrue(lines.getFirst().getMessage().contains("status=" + status), lines.getFirst().getMessage());
        List<LogRecord> loud = logged.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()
                || r.getThrown() != null).toList();
        assertEquals(List.of(), loud.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList(),
                     "nothing louder than INFO, no stack trace");
    }

    private List<LogRecord> requestLines(String requestId) {
        return logged.stream().filter(r -> r.getMessage() != null && r.getMessage().contains("req=" + requestId))
                .toList();
    }

    private Http.Response send(String method, String path) {
        return Http.send(HttpRequest.newBuilder(haia.uri(path))
                                 .timeout(Duration.ofSeconds(30))
                                 .header("Content-Type", "application/json")
                                 .method(method, method.equals("GET") || method.equals("DELETE")
                                         ? HttpRequest.BodyPublishers.noBody()
                                         : HttpRequest.BodyPublishers.ofString("{}"))
                                 .build());
    }

}
