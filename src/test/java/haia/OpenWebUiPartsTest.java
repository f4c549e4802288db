package haia;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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

/**
 * OpenWebUI chats beyond text, in the shapes OpenWebUI 0.12 sends: the recorded chat request (its headers, its 28
 * built-in tools) with a pasted screenshot in it, with native tool calls and their results in the history, and with
 * earlier replies resent without the reasoning they had. Each turn must be recognised as the next turn of the stored
 * branch (never an import), and every request to the fake Anthropic must be valid.
 */
class OpenWebUiPartsTest {

    private static final String PNG = "data:image/png;base64,"
            + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;
    JsonNode recorded;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        haia = TestHaia.start(dir, anthropic);
        recorded = fixture().get(4);   // the second chat message of the recorded first chat
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations());
        anthropic.close();
    }

    private static JsonNode fixture() {
        try (InputStream in = OpenWebUiPartsTest.class.getResourceAsStream("/openwebui/first-chat-sequence.json")) {
            return Http.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The recorded request with these messages (its headers, stream, and its 28 tools). */
    private Http.Response send(ArrayNode messages) {
        return send(messages, Map.of());
    }

    private Http.Response send(ArrayNode messages, Map<String, String> fields) {
        ObjectNode body = recorded.path("body").deepCopy();
        body.set("messages", messages);
        fields.forEach(body::put);
        Map<String, String> headers = new LinkedHashMap<>();
        recorded.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        headers.remove("Authorization");
        headers.remove("Accept-Encoding");
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), body.toString(), headers);
        assertEquals(200, response.status(), response.body());
        return response;
    }

    private static ObjectNode user(ArrayNode messages, String text, boolean image) {
        ObjectNode message = messages.addObject().put("role", "user");
        if (image) {
            ArrayNode content = message.putArray("content");
            content.addObject().put("type", "text").put("text", text);
            content.addObject().put("type", "image_url").putObject("image_url").put("url", PNG);
        } else {
            message.put("content", text);
        }
        return message;
    }

    private List<StoredMessage> stored() {
        String chatId = recorded.path("headers").path("X-OpenWebUI-Chat-Id").asText();
        long id = haia.haia().store().conversations().list(10, 0).stream().filter(c -> c.key().orElse("").equals(chatId))
                .findFirst().orElseThrow().id();
        return haia.haia().store().conversations().messages(id, 0, 1000);
    }

    /** The text a streamed answer carried. */
    private static String content(Http.Response response) {
        return delta(response, "content");
    }

    /** One delta field of a streamed answer, its pieces joined. */
    private static String delta(Http.Response response, String field) {
        StringBuilder text = new StringBuilder();
        response.body().lines().filter(l -> l.startsWith("data: {")).forEach(l -> {
            try {
                text.append(Http.JSON.readTree(l.substring(6)).path("choices").path(0).path("delta").path(field)
                                    .asText(""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return text.toString();
    }

    /**
     * A pasted screenshot: OpenWebUI resends it with every later message. Each turn is the next turn (the picture
     * recognised by its bytes), it is stored once, and it goes to the model while among the newest three user
     * turns, then as a note.
     */
    @Test
    void aChatWithAPastedScreenshotKeepsWorkingOnTheFollowingTurns() {
        ArrayNode messages = Http.JSON.createArrayNode();
        user(messages, "proxmox shows this error", true);
        for (int turn = 1; turn <= 5; turn++) {
            Http.Response response = send(messages.deepCopy());
            messages.addObject().put("role", "assistant").put("content", content(response));
            user(messages, "what next? (" + turn + ")", false);
        }
        List<StoredMessage> stored = stored();
        assertEquals(10, stored.size(), "five turns, nothing imported twice");
        assertTrue(stored.stream().allMatch(m -> m.status() == MessageStatus.OK), stored.toString());
        List<JsonNode> requests = anthropic.requests().stream().map(FakeAnthropic.Received::body).toList();
        assertEquals("image", requests.get(2).path("messages").get(0).path("content").get(1).path("type").asText(),
                     "the third turn still shows the picture");
        assertTrue(requests.get(4).path("messages").get(0).path("content").toString().contains("image/png, 1 KB, shown earlier"),
                   "the fifth turn shows a note of it: " + requests.get(4).path("messages").get(0));

        // the conversation API and the export show the picture as what it is, never its bytes
        long id = haia.haia().store().conversations().list(10, 0).getFirst().id();
        JsonNode first = Http.get(haia.uri("/v1/conversations/" + id + "/messages")).json().path("data").get(0);
        assertEquals("proxmox shows this error", first.path("content").asText());
        assertEquals("image", first.path("parts").get(1).path("type").asText());
        assertEquals("image/png", first.path("parts").get(1).path("media_type").asText());
        assertEquals(69, first.path("parts").get(1).path("bytes").asInt());
        String markdown = Http.get(haia.uri("/v1/conversations/" + id + "/export?format=md")).body();
        assertTrue(markdown.contains("proxmox shows this error\n\n*[image: image/png, 1 KB]*"), markdown);
        assertTrue(!markdown.contains("iVBOR") && !first.toString().contains("iVBOR"), "no image bytes");
    }

    /**
     * OpenWebUI's native function calling: it runs the call the stream carried and sends the result back; later
     * messages carry the call (content "", tool_calls) and the result as tool messages. Both are recognised.
     */
    @Test
    void nativeToolCallsAndTheirResultsAlignOnLaterTurns() throws Exception {
        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_notes1", "search_notes",
                                                                       "{\"query\":\"corosync\"}")));
        ArrayNode messages = Http.JSON.createArrayNode();
        user(messages, "what did I note about corosync?", false);
        Http.Response call = send(messages.deepCopy());
        List<JsonNode> toolDeltas = new ArrayList<>();
        for (String line : call.body().lines().filter(l -> l.startsWith("data: {")).toList()) {
            JsonNode calls = Http.JSON.readTree(line.substring(6)).path("choices").path(0).path("delta").path("tool_calls");
            calls.forEach(toolDeltas::add);
        }
        assertEquals("toolu_notes1", toolDeltas.getFirst().path("id").asText());
        assertEquals("search_notes", toolDeltas.getFirst().path("function").path("name").asText());

        ObjectNode assistant = messages.addObject().put("role", "assistant").put("content", "");
        assistant.putArray("tool_calls").addObject().put("id", "toolu_notes1").put("type", "function")
                .putObject("function").put("name", "search_notes").put("arguments", "{\"query\": \"corosync\"}");
        messages.addObject().put("role", "tool").put("tool_call_id", "toolu_notes1")
                .put("content", "corosync: link 0 on vmbr1");
        Http.Response answer = send(messages.deepCopy());
        messages.addObject().put("role", "assistant").put("content", content(answer));
        user(messages, "and link 1?", false);
        send(messages.deepCopy());

        List<StoredMessage> stored = stored();
        assertEquals(List.of("user", "assistant", "user", "assistant", "user", "assistant"),
                     stored.stream().map(m -> m.role().name().toLowerCase(java.util.Locale.ROOT)).toList());
        assertTrue(stored.stream().allMatch(m -> m.status() == MessageStatus.OK), "no import, nothing superseded: "
                + stored.stream().map(StoredMessage::status).toList());
        JsonNode last = anthropic.lastRequest().body().path("messages");
        assertEquals("tool_use", last.get(1).path("content").get(0).path("type").asText());
        assertEquals("tool_result", last.get(2).path("content").get(0).path("type").asText());
    }

    /** Earlier replies come back without their reasoning, or with it as think tags: still the same replies. */
    @Test
    void repliesResentWithoutTheirReasoningStillAlign() {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Thought("Quorum is 2 of 3.", List.of("Check ", "pve3.")));
        ArrayNode messages = Http.JSON.createArrayNode();
        user(messages, "quorum lost", false);
        Http.Response thought = send(messages.deepCopy(), Map.of("reasoning_effort", "low"));
        assertEquals("Quorum is 2 of 3.", delta(thought, "reasoning_content"), "the reasoning streamed apart");
        assertEquals("Check pve3.", content(thought));

        messages.addObject().put("role", "assistant").put("content", "Check pve3.");
        user(messages, "pve3 is fine", false);
        send(messages.deepCopy());
        ((ObjectNode) messages.get(1)).put("content", "<think>Quorum is 2 of 3.</think>Check pve3.");
        messages.addObject().put("role", "assistant").put("content", "Echo: pve3 is fine");
        user(messages, "ok", false);
        send(messages.deepCopy());
        assertEquals(6, stored().size(), stored().stream().map(m -> m.status() + ":" + m.content()).toList().toString());
        assertTrue(stored().stream().allMatch(m -> m.status() == MessageStatus.OK));
        assertEquals("thinking", stored().get(1).parts().getFirst().getClass().getSimpleName().toLowerCase(),
                     "HAIA kept the reasoning OpenWebUI does not send back");
    }
}
