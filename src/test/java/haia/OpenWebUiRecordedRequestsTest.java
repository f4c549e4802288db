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

/**
 * Requests the real OpenWebUI 0.12.4 sent to HAIA, recorded during the e2e run against it (bin/e2e-openwebui) and
 * kept under src/test/resources/openwebui/, replayed byte for byte with their headers: what HAIA must do with the
 * traffic its users' OpenWebUI really sends, beyond the shapes read from OpenWebUI's source.
 */
class OpenWebUiRecordedRequestsTest {

    private static final String KEY = "haia-test-key-7c2e";

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_API_KEY", KEY);
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations());
        anthropic.close();
    }

    /**
     * OpenWebUI's first chat: the title task goes out before the first message (0.12 generates the title as the
     * chat is created), each chat request carries OpenWebUI's 28 built-in tool definitions (passed on to the model,
     * which may call them: OpenWebUI runs them and sends the results back), and the tasks carry the chat id header
     * like the chat requests do.
     */
    @Test
    void theRecordedFirstChatIsStoredAsOpenWebUiShowsIt() {
        List<JsonNode> sequence = new ArrayList<>();
        fixture("first-chat-sequence.json").forEach(sequence::add);
        assertEquals(6, sequence.size());
        for (JsonNode request : sequence) {
            Http.Response response = replay(request);
            assertEquals(200, response.status(), response.body());
        }
        String chatId = sequence.getFirst().path("headers").path("X-OpenWebUI-Chat-Id").asText();
        List<String> expected = branchOf(sequence.get(4).path("body"));
        expected.add("assistant:Echo: corosync link 0 down");
        assertEquals(expected, storedLive(chatId));
        assertEquals(1, haia.haia().store().list(10, 0).size(), "tasks created no conversation");

        List<FakeAnthropic.Received> upstream = anthropic.requests();
        assertEquals(6, upstream.size());
        for (FakeAnthropic.Received r : upstream) {
            boolean task = r.lastUserText().startsWith("### Task:");
            assertEquals(!task, r.body().has("system"), "persona for chats only");
            assertEquals(task ? 0 : 28, r.body().path("tools").size(), "OpenWebUI's built-in tools are passed on");
        }
        assertEquals("search_chats", upstream.get(4).body().path("tools").get(10).path("name").asText());
        assertEquals("auto", upstream.get(4).body().path("tool_choice").path("type").asText());
        assertEquals(List.of("user:pve2 says quorum lost", "assistant:Echo: pve2 says quorum lost",
                             "user:corosync link 0 down"), window(upstream.get(4)));
    }

    /**
     * Regression: OpenWebUI's temporary chats ("temporary:" + the browser's socket.io session id; OpenWebUI saves
     * nothing of them) were stored as a conversation, one per browser session, shared by all its temporary chats.
     */
    @Test
    void aTemporaryChatIsAnsweredWithThePersonaAndStoredNowhere() {
        JsonNode first = fixture("temporary-chat-request.json");
        double tasksBefore = taskRequestsCounted();
        assertTrue(first.path("headers").path("X-OpenWebUI-Chat-Id").asText().startsWith("temporary:"));
        Http.Response response = replay(first);
        assertEquals(200, response.status(), response.body());
        assertTrue(response.body().strip().endsWith("data: [DONE]"), response.body());
        assertEquals(List.of("user:temporary: what is my NAS IP?"), window(anthropic.lastRequest()));
        assertTrue(anthropic.lastRequest().body().has("system"), "a temporary chat is a chat: the persona answers");

        // its next message resends the branch: the window is that branch, and still nothing is stored
        ObjectNode second = first.deepCopy();
        ArrayNode messages = (ArrayNode) second.path("body").path("messages");
        messages.addObject().put("role", "assistant").put("content", "Echo: temporary: what is my NAS IP?");
        messages.addObject().put("role", "user").put("content", "and its gateway?");
        assertEquals(200, replay(second).status());
        assertEquals(List.of("user:temporary: what is my NAS IP?", "assistant:Echo: temporary: what is my NAS IP?",
                             "user:and its gateway?"), window(anthropic.lastRequest()));

        assertEquals(List.of(), haia.haia().store().list(10, 0), "no conversation for a temporary chat");
        assertEquals(tasksBefore, taskRequestsCounted(), "not counted as a background task");
    }

    /**
     * Regression: OpenWebUI's "Continue Response" on a stopped reply sends the branch ending in that reply. HAIA does
     * not continue replies; OpenWebUI shows the error text in the chat, which now says what to do instead of only
     * "The last message must be from the user (it is assistant)".
     */
    @Test
    void continueResponseIsRefusedWithWhatToDoInstead() {
        JsonNode request = fixture("continue-request.json");
        assertEquals("assistant", request.path("body").path("messages").get(
                request.path("body").path("messages").size() - 1).path("role").asText());
        Http.Response response = replay(request);
        assertEquals(400, response.status());
        String message = response.json().path("error").path("message").asText();
        assertTrue(message.contains("does not continue a reply") && message.contains("Regenerate"), message);
        assertEquals("messages", response.json().path("error").path("param").asText());
        assertEquals(0, anthropic.requests().size());
        assertEquals(List.of(), haia.haia().store().list(10, 0));
    }

    // ---- helpers ----

    /** haia_task_requests_total over all labels (the meter registry is shared by the tests in this JVM). */
    private double taskRequestsCounted() {
        return Http.get(haia.uri("/metrics")).body().lines()
                .filter(l -> l.startsWith("haia_task_requests_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static JsonNode fixture(String name) {
        try (InputStream in = OpenWebUiRecordedRequestsTest.class.getResourceAsStream("/openwebui/" + name)) {
            return Http.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a recorded request with its recorded headers (the bearer key is this test's). */
    private Http.Response replay(JsonNode recorded) {
        Map<String, String> headers = new LinkedHashMap<>();
        recorded.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        headers.put("Authorization", "Bearer " + KEY);
        headers.remove("Accept-Encoding");
        return Http.post(haia.uri(recorded.path("path").asText()), recorded.path("body").toString(), headers);
    }

    private static List<String> branchOf(JsonNode body) {
        List<String> branch = new ArrayList<>();
        body.path("messages").forEach(m -> branch.add(m.path("role").asText() + ":" + m.path("content").asText()));
        return branch;
    }

    private static List<String> window(FakeAnthropic.Received request) {
        List<String> window = new ArrayList<>();
        request.body().path("messages").forEach(m -> window.add(m.path("role").asText() + ":"
                + FakeAnthropic.text(m.path("content"))));
        return window;
    }

    private List<String> storedLive(String chatId) {
        long id = haia.haia().store().list(10, 0).stream()
                .filter(c -> c.key().orElse("").equals(chatId)).findFirst().orElseThrow().id();
        return haia.haia().store().messages(id, 0, 100).stream()
                .filter(m -> m.status().live())
                .map(m -> m.role().name().toLowerCase(java.util.Locale.ROOT) + ":" + m.content())
                .toList();
    }
}
