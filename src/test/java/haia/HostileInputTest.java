package haia;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets a clear 4xx naming the problem, never a 5xx or a hang, and changes nothing stored. */
class HostileInputTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_MAX_BODY_BYTES", "65536");
        env.put("HAIA_MAX_MESSAGE_CHARS", "1000");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        anthropic.close();
    }

    private Http.Response post(String body) {
        return Http.post(haia.uri("/v1/chat/completions"), body, Map.of());
    }

    /** A 4xx OpenAI error whose message mentions {@code expected}; and nothing reached the model or the database. */
    private void assertRejected(Http.Response response, int status, String expected) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"), response.body());
        JsonNode error = response.json().path("error");
        assertTrue(error.path("message").asText().contains(expected), error.toString());
        assertTrue(error.has("type") && error.has("param") && error.has("code"), error.toString());
        assertEquals(0, anthropic.requests().size(), "nothing reached the model");
        assertEquals(List.of(), haia.haia().store().conversations().list(10, 0), "nothing was stored");
    }

    @Test
    void oversizedBodiesAre413() {
        String big = "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";
        assertRejected(post(big), 413, "The request body is " + big.length() + " bytes, over HAIA's limit: HAIA takes at"
                + " most 65536 bytes (HAIA_MAX_BODY_BYTES)");
        // the same without Content-Length (chunked): the cap applies while reading
        Http.Response chunked = Http.send(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .build());
        assertRejected(chunked, 413, "The request body is over HAIA's limit: HAIA takes at most 65536 bytes");
    }

    @Test
    void wrongContentTypeIs415() {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi").toString(),
                                           Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertRejected(response, 415, "Content-Type must be application/json");
    }

    @Test
    void malformedAndWrongBodiesAre400NamingTheProblem() {
        assertRejected(post(""), 400, "empty");
        assertRejected(post("{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"con"), 400, "not valid JSON");
        assertRejected(post("[1,2,3]"), 400, "must be a JSON object");
        assertRejected(post("{\"messages\": \"hi\"}"), 400, "messages must be an array");
        assertRejected(post("{\"messages\": []}"), 400, "at least one message");
        assertRejected(post("{\"model\":\"haia\"}"), 400, "messages is required");
        assertRejected(post("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"), 400,
                       "a tool message must answer a tool call");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}"),
                       400, "last message must be from the user");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"   \"}]}"), 400, "content is empty");
        assertRejected(post("{\"messages\":[{\"role\":\"assistant\",\"content\":null}]}"), 400, "a user message");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}"),
                       400, "must be a data: URL or an http(s) URL");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":42}]}"), 400, "string or an array");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":NaN}"), 400, "not valid JSON");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":2.5}"), 400,
                       "temperature must be between 0 and 2");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":1e999}"), 400,
                       "temperature must be between 0 and 2");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":99999999999999999999}"),
                       400, "max_tokens must be between 1 and");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}"), 400, "max_tokens");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1.5}"), 400,
                       "max_tokens must be an integer");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}"), 400,
                       "stream must be true or false");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":3}"), 400, "n must be 1");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"),
                       400, "at most 4");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                                    + "\"stream_options\":{\"include_usage\":true}}"), 400,
                       "stream_options is only allowed when stream is true");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true}"), 400,
                       "logprobs is not supported");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_logprobs\":3}"), 400,
                       "top_logprobs is not supported");
        assertRejected(post("[".repeat(5000) + "]".repeat(5000)), 400, "nested");
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing"), 400, "not valid JSON");
    }

    @Test
    void aMessageOverTheCapIsRejectedNotTruncated() {
        assertRejected(Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "y".repeat(1001))), 400,
                       "1001 characters long; the limit is 1000");
    }

    @Test
    void invalidUtf8IsA400() throws IOException {
        byte[] prefix = "{\"messages\":[{\"role\":\"user\",\"content\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[prefix.length + 3 + suffix.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        body[prefix.length] = (byte) 0xC3;       // a lead byte ...
        body[prefix.length + 1] = (byte) 0x28;   // ... without its continuation
        body[prefix.length + 2] = (byte) 0xFF;   // never valid in UTF-8
        System.arraycopy(suffix, 0, body, prefix.length + 3, suffix.length);
        Http.Response response = Http.send(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                                   .header("Content-Type", "application/json")
                                                   .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertRejected(response, 400, "UTF-8");
    }

    @Test
    void overlongAndOtherIllFormedUtf8IsA400() throws IOException {
        byte[][] illFormed = {
                {(byte) 0xC0, (byte) 0xAF},                           // "/" in two bytes
                {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},              // "/" in three bytes
                {(byte) 0xC0, (byte) 0x80},                           // NUL in two bytes (modified UTF-8)
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80},              // a surrogate encoded as if a character
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // past U+10FFFF
        };
        for (byte[] bad : illFormed) {
            assertRejected(postWithin(bad), 400, "not valid UTF-8");
        }
    }

    /** A chat request whose message text holds {@code raw} bytes, sent as they are. */
    private Http.Response postWithin(byte[] raw) {
        byte[] prefix = "{\"messages\":[{\"role\":\"user\",\"content\":\"a".getBytes(StandardCharsets.UTF_8);
        byte[] suffix = "b\"}]}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[prefix.length + raw.length + suffix.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        System.arraycopy(raw, 0, body, prefix.length, raw.length);
        System.arraycopy(suffix, 0, body, prefix.length + raw.length, suffix.length);
        return Http.send(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                 .header("Content-Type", "application/json")
                                 .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    @Test
    void anUnpairedSurrogateIsA400() {
        assertRejected(post("{\"messages\":[{\"role\":\"user\",\"content\":\"broken \\ud800 pair\"}]}"), 400,
                       "unpaired surrogate");
    }

    @Test
    void controlCharactersAndExoticTextAreStoredByteExactly() {
        String text = "tab\there, nul \u0000, bell \u0007, esc \u001b[31m, RTL \u202e, emoji 🐧🔥, CRLF\r\nend";
        ObjectNode request = Http.chat("haia", text);
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), request).status());
        long id = haia.haia().store().conversations().list(1, 0).getFirst().id();
        List<StoredMessage> stored = haia.haia().store().conversations().messages(id, 0, 10);
        assertEquals(text, stored.getFirst().content());
        assertTrue(java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8),
                                           stored.getFirst().content().getBytes(StandardCharsets.UTF_8)));
        assertEquals(MessageStatus.OK, stored.getFirst().status());
        assertEquals(text, anthropic.lastRequest().lastUserText(), "and sent to the model unchanged");
    }

    @Test
    void absurdHeadersAreA400() throws IOException {
        String response = rawRequest("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000)
                                             + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("\"code\":\"headers_too_large\""), response);
        assertEquals(200, Http.get(haia.uri("/health")).status(), "the server is fine afterwards");
    }

    @Test
    void tooLongHeaderValuesForConversationsAreA400() {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"),
                                           Map.of("X-Haia-Conversation", "k".repeat(300)));
        assertRejected(response, 400, "X-Haia-Conversation");
    }

    @Test
    void nonAsciiConversationKeysAreRefusedNotMerged() throws IOException {
        // Helidon reads header bytes as ASCII: without the check, 日本 and 中国 both arrive as U+FFFD U+FFFD
        for (String header : List.of("X-Haia-Conversation", "X-OpenWebUI-Chat-Id")) {
            for (String key : List.of("日本", "中国", "ü", "ö")) {
                String response = rawChat(header, key.getBytes(StandardCharsets.UTF_8));
                assertTrue(response.startsWith("HTTP/1.1 400"), response);
                assertTrue(response.contains("\"code\":\"invalid_header\"") && response.contains(header), response);
            }
            // a raw Latin-1 byte is refused the same way
            assertTrue(rawChat(header, new byte[] {(byte) 0xFC}).startsWith("HTTP/1.1 400"));
        }
        assertEquals(0, anthropic.requests().size());
        assertEquals(List.of(), haia.haia().store().conversations().list(10, 0), "nothing was stored, nothing merged");
        // ASCII keys, percent-encoded ones included, are distinct conversations as before
        assertTrue(rawChat("X-Haia-Conversation", "%E6%97%A5%E6%9C%AC".getBytes(StandardCharsets.US_ASCII))
                           .startsWith("HTTP/1.1 200"));
        assertTrue(rawChat("X-Haia-Conversation", "%E4%B8%AD%E5%9B%BD".getBytes(StandardCharsets.US_ASCII))
                           .startsWith("HTTP/1.1 200"));
        assertEquals(2, haia.haia().store().conversations().list(10, 0).size());
    }

    private String rawChat(String header, byte[] value) throws IOException {
        byte[] body = Http.chat("haia", "hello").toString().getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", haia.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n" + header + ": ")
                              .getBytes(StandardCharsets.US_ASCII));
            out.write(value);
            out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return response(socket.getInputStream());
        }
    }

    /** One HTTP response with a Content-Length body (Helidon keeps the connection open even after a close). */
    private static String response(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(headers);
        byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return headers + new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void aClientControlledPathCannotForgeALogLine() throws IOException {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("haia.request");
        log.addHandler(capture);
        try {
            String response;
            try (Socket socket = new Socket("127.0.0.1", haia.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /v1/x%0a2026-01-01T00:00:00.000%20SEVERE%20haia.Forged:%20injected"
                        + "%0d%1b%07 HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                response = response(socket.getInputStream());
            }
            assertTrue(response.startsWith("HTTP/1.1 "), response);   // 404 once unknown paths are routed so
            for (int i = 0; i < 100 && lines.stream().noneMatch(l -> l.contains("Forged")); i++) {
                Thread.sleep(50);   // the line is written once the response is out
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        } finally {
            log.removeHandler(capture);
        }
        String line = lines.stream().filter(l -> l.contains("Forged")).findFirst().orElseThrow(() ->
                new AssertionError("the request was logged: " + lines));
        assertTrue(line.chars().noneMatch(c -> c < 0x20), "one line, no control characters: " + line);
        assertTrue(line.contains("path=\"/v1/x\\n2026-01-01T00:00:00.000 SEVERE haia.Forged: injected\\r\\u001b\\u0007\""),
                   "escaped, still readable: " + line);
    }

    @Test
    void garbageHttpIsA400() throws IOException {
        String response = rawRequest("BLAH\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("\"error\""), response);
    }

    private String rawRequest(String request) throws IOException {
        return Http.raw(haia.port(), request);
    }
}
