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
        assertEquals(1, haia.haia().store().conversations().list(10, 0).size(), "tasks created no conversation");

        List<FakeAnthropic.Received> upstream = anthropic.requests();
        assertEquals(6, upstream.size());
        for (FakeAnthropic.Received r : upstream) {
            boolean task = r.lastUserText().startsWith("### Task:");
            assertEquals(!task, r.body().has("system"), "persona for chats only");
            assertEquals(task ? 0 : 28 + 2, r.body().path("tools").size(),
                         "OpenWebUI's built-in tools are passed on, and HAIA's memory tools offered");
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

        assertEquals(List.of(), haia.haia().store().conversations().list(10, 0), "no conversation for a temporary chat");
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
        assertEquals(List.of(), haia.haia().store().conversations().list(10, 0));
    }

    /**
     * Regression (issue 22): a chat with an attached document. OpenWebUI wraps the newest message in its RAG template
     * with the document, every turn, and resends the first message with only a reference to the file: each exchange
     * was stored twice (once with the whole document). Now each is stored once, as the user typed it, and the model
     * gets the document beside the chat, in the same place every turn (a prompt cache reads it back).
     */
    @Test
    void aChatWithADocumentStoresEachExchangeOnceAsTheUserTypedIt() {
        JsonNode first = fixture("document-first-turn.json");
        JsonNode next = fixture("document-next-turn.json");
        assertTrue(lastContent(first).startsWith("### Task:") && lastContent(first).contains("<context>"));
        assertTrue(next.path("body").path("messages").get(0).path("content").asText().startsWith("<attached_files>"));
        assertEquals(200, replay(first).status());
        assertEquals(200, replay(next).status());

        String chatId = first.path("headers").path("X-OpenWebUI-Chat-Id").asText();
        assertEquals(List.of("user:What MTU does ring0 use?", "assistant:Echo: What MTU does ring0 use?",
                             "user:And which subnet is ring0 on?", "assistant:Echo: And which subnet is ring0 on?"),
                     storedLive(chatId));
        long id = haia.haia().store().conversations().list(10, 0).getFirst().id();
        assertEquals(4, haia.haia().store().conversations().messages(id, 0, 100).size(), "nothing superseded, nothing imported");

        List<FakeAnthropic.Received> upstream = anthropic.requests().stream()
                .filter(r -> !r.lastUserText().startsWith("### Task:")).toList();
        assertEquals(2, upstream.size());
        for (FakeAnthropic.Received request : upstream) {
            assertTrue(request.systemText().contains("ring0 10.10.0.7") && request.systemText().contains(
                    "name=\"cluster-notes.txt\""), "the document goes beside the chat");
            assertFalse(request.body().path("messages").toString().contains("ring0 10.10.0.7"), "not in the messages");
        }
        assertEquals(List.of("user:What MTU does ring0 use?", "assistant:Echo: What MTU does ring0 use?",
                             "user:And which subnet is ring0 on?"), window(upstream.get(1)));
        assertEquals(documentBlock(upstream.get(0)), documentBlock(upstream.get(1)), "byte-stable for the prompt cache");
    }

    /**
     * The same chat with the connection's API type set to Responses: OpenWebUI sends the same messages as input items
     * (its document wrapped around the user's words in the same way) to {@code /v1/responses}. Each exchange is stored
     * once as the user typed it, and the document goes to the model beside the chat, as in Chat Completions mode.
     */
    @Test
    void aChatWithADocumentInResponsesModeIsStoredAsTheUserTypedIt() {
        assertEquals(200, replay(asResponses(fixture("document-first-turn.json"))).status());
        Http.Response next = replay(asResponses(fixture("document-next-turn.json")));
        assertEquals(200, next.status(), next.body());
        assertTrue(next.body().contains("response.completed"), next.body());

        String chatId = fixture("document-first-turn.json").path("headers").path("X-OpenWebUI-Chat-Id").asText();
        assertEquals(List.of("user:What MTU does ring0 use?", "assistant:Echo: What MTU does ring0 use?",
                             "user:And which subnet is ring0 on?", "assistant:Echo: And which subnet is ring0 on?"),
                     storedLive(chatId));
        List<FakeAnthropic.Received> upstream = anthropic.requests();
        assertEquals(2, upstream.size());
        for (FakeAnthropic.Received request : upstream) {
            assertTrue(request.systemText().contains("ring0 10.10.0.7") && request.systemText().contains(
                    "name=\"cluster-notes.txt\""), "the document goes beside the chat");
            assertFalse(request.body().path("messages").toString().contains("ring0 10.10.0.7"), "not in the messages");
        }
        assertEquals(documentBlock(upstream.get(0)), documentBlock(upstream.get(1)), "byte-stable for the prompt cache");
    }

    /**
     * Regression (issue 22): a 274,000-character document locked its chat ("messages[0].content is 275892 characters
     * long; the limit is 200000" on every later message, as OpenWebUI resends it). It is context, not a message: it
     * goes to the model cut to its head and tail within the token budget, the reply's metadata says so, and the chat
     * goes on.
     */
    @Test
    void aDocumentLargerThanTheLimitsIsFittedToTheBudgetAndTheChatGoesOn() {
        String journal = largeDocument(274_000);
        Http.Response response = replay(withDocument(fixture("document-first-turn.json"), journal));
        assertEquals(200, response.status(), response.body());
        assertTrue(response.body().contains("\"haia\":{\"notes\":[\"The attached document cluster-notes.txt (274,000"
                                                    + " characters) went to the model as its first and last"),
                   response.body().lines().filter(l -> l.contains("finish_reason\":\"stop")).toList().toString());
        String system = anthropic.lastRequest().systemText();
        assertTrue(system.contains("characters of cluster-notes.txt left out here by HAIA"), system.substring(0, 300));
        assertTrue(system.length() < 210_000, "within the budget: " + system.length());
        assertTrue(system.contains(journal.substring(0, 2_000)) && system.contains(journal.substring(journal.length()
                - 2_000)), "its head and its tail");

        assertEquals(200, replay(withDocument(fixture("document-next-turn.json"), journal)).status());
        String chatId = fixture("document-first-turn.json").path("headers").path("X-OpenWebUI-Chat-Id").asText();
        assertEquals(4, storedLive(chatId).size());
        assertTrue(storedLive(chatId).stream().allMatch(m -> m.length() < 200), "the document is stored nowhere");
    }

    // ---- helpers ----

    private static String lastContent(JsonNode request) {
        JsonNode messages = request.path("body").path("messages");
        return messages.get(messages.size() - 1).path("content").asText();
    }

    /** The system block HAIA gave the attachments (the last one). */
    private static String documentBlock(FakeAnthropic.Received request) {
        JsonNode system = request.body().path("system");
        return system.get(system.size() - 1).path("text").asText();
    }

    /** A recorded request whose document ({@code <source>}'s text, wherever OpenWebUI put it) is {@code text}. */
    private static JsonNode withDocument(JsonNode recorded, String text) {
        ObjectNode copy = recorded.deepCopy();
        for (JsonNode message : copy.path("body").path("messages")) {
            String content = message.path("content").asText();
            if (content.contains("<context>\n<source ")) {
                // the template's own instructions show a <source> tag too: the document's is the one in <context>
                int open = content.indexOf('>', content.indexOf("<source ", content.indexOf("<context>\n"))) + 1;
                int close = content.indexOf("</source>", open);
                ((ObjectNode) message).put("content", content.substring(0, open) + text + content.substring(close));
            }
        }
        return copy;
    }

    /** A journal of a troubled node, {@code chars} long. */
    private static String largeDocument(int chars) {
        StringBuilder text = new StringBuilder(chars + 100);
        for (int i = 0; text.length() < chars; i++) {
            text.append(String.format("%06d Dec 06 10:%02d:%02d pve2 kernel: nvme0n1: I/O %d QID 3 timeout%n", i, i % 60,
                                      i % 60, i));
        }
        return text.substring(0, chars);
    }

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

    /**
     * A recorded chat completion request as OpenWebUI sends it with the connection's API type set to Responses: the
     * messages as input items, the tools flat, to {@code /v1/responses}, as OpenWebUI 0.12.4 converts the payload it
     * built for chat completions (its {@code convert_to_responses_payload}, after its RAG template was applied).
     */
    private static JsonNode asResponses(JsonNode recorded) {
        ObjectNode copy = recorded.deepCopy();
        copy.put("path", "/v1/responses");
        ObjectNode body = (ObjectNode) copy.path("body");
        var input = body.putArray("input");
        for (JsonNode message : recorded.path("body").path("messages")) {
            boolean user = message.path("role").asText().equals("user");
            ObjectNode item = input.addObject().put("type", "message").put("role", message.path("role").asText());
            item.putArray("content").addObject().put("type", user ? "input_text" : "output_text")
                    .put("text", message.path("content").asText());
        }
        body.remove("messages");
        var tools = body.putArray("tools");
        for (JsonNode tool : recorded.path("body").path("tools")) {
            JsonNode function = tool.path("function");
            ObjectNode flat = tools.addObject().put("type", "function").put("name", function.path("name").asText())
                    .put("description", function.path("description").asText());
            flat.set("parameters", function.path("parameters"));
            flat.put("strict", false);
        }
        return copy;
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
        long id = haia.haia().store().conversations().list(10, 0).stream()
                .filter(c -> c.key().orElse("").equals(chatId)).findFirst().orElseThrow().id();
        return haia.haia().store().conversations().messages(id, 0, 100).stream()
                .filter(m -> m.status().live())
                .map(m -> m.role().name().toLowerCase(java.util.Locale.ROOT) + ":" + m.content())
                .toList();
    }
}
