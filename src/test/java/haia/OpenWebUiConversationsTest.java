package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 * Request sequences shaped like OpenWebUI's: the whole branch in every request, chat ids in a header, background
 * task requests, regenerations and edits. Each chat's stored conversation must equal what the user sees.
 */
class OpenWebUiConversationsTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() throws Exception {
        anthropic = FakeAnthropic.start();
        Files.writeString(dir.resolve("haia.yaml"), """
                models:
                  - id: haia
                    provider: anthropic
                    upstream-model: claude-sonnet-4-5
                  - id: haia-cheap
                    provider: anthropic
                    upstream-model: claude-haiku-4-5
                default-model: haia
                """);
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_CONFIG", "haia.yaml");
        env.put("HAIA_TASK_MODEL", "haia-cheap");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations());
        anthropic.close();
    }

    /** An OpenWebUI chat: keeps the branch the user sees and sends all of it with every request. */
    private final class Chat {
        final String id;
        final List<String[]> branch = new ArrayList<>();   // {role, content}

        Chat(String id) {
            this.id = id;
        }

        String send(String userText) {
            branch.add(new String[] {"user", userText});
            String reply = post();
            branch.add(new String[] {"assistant", reply});
            return reply;
        }

        /** Regenerate: drop the last answer and ask again with the same branch. */
        String regenerate() {
            branch.removeLast();
            String reply = post();
            branch.add(new String[] {"assistant", reply});
            return reply;
        }

        /** Edit the user message at {@code index} (counting all messages): the branch is cut there. */
        String edit(int index, String newText) {
            while (branch.size() > index) {
                branch.removeLast();
            }
            return send(newText);
        }

        private String post() {
            ObjectNode body = Http.JSON.createObjectNode().put("model", "haia").put("stream", false);
            ArrayNode messages = body.putArray("messages");
            branch.forEach(m -> messages.addObject().put("role", m[0]).put("content", m[1]));
            Http.Response response = Http.post(haia.uri("/v1/chat/completions"), body, Map.of("X-OpenWebUI-Chat-Id", id));
            assertEquals(200, response.status(), response.body());
            return response.json().path("choices").get(0).path("message").path("content").asText();
        }

        long conversationId() {
            return haia.haia().store().conversations().list(100, 0).stream()
                    .filter(c -> c.key().orElse("").equals(id)).findFirst().orElseThrow().id();
        }

        /** The stored live branch, as role:content lines. */
        List<String> storedLive() {
            return haia.haia().store().conversations().messages(conversationId(), 0, 1000).stream()
                    .filter(m -> m.status().live())
                    .map(m -> (m.role().name().toLowerCase()) + ":" + m.content())
                    .toList();
        }

        List<String> seen() {
            return branch.stream().map(m -> m[0] + ":" + m[1]).toList();
        }
    }

    private List<String> upstreamWindow() {
        List<String> window = new ArrayList<>();
        anthropic.lastRequest().body().path("messages")
                .forEach(m -> window.add(m.path("role").asText() + ":" + m.path("content").asText()));
        return window;
    }

    @Test
    void interleavedChatsStaySeparateAndEachTurnIsStoredOnce() {
        Chat proxmox = new Chat("chat-proxmox");
        Chat ceph = new Chat("chat-ceph");
        proxmox.send("pve2 lost quorum");
        ceph.send("ceph osd.3 is down");
        proxmox.send("corosync says link 0 down");
        ceph.send("it flaps every hour");
        proxmox.send("fixed, MTU mismatch");

        assertEquals(proxmox.seen(), proxmox.storedLive());
        assertEquals(ceph.seen(), ceph.storedLive());
        assertEquals(6, haia.haia().store().conversations().get(proxmox.conversationId()).orElseThrow().messageCount(),
                     "the full branch re-sent each turn is stored once");
        assertEquals(proxmox.seen().subList(0, 5), upstreamWindow().subList(0, 5));
    }

    @Test
    void regenerateSupersedesTheOldAnswerAndTheWindowExcludesIt() {
        Chat chat = new Chat("chat-regen");
        chat.send("why is my LXC not starting?");
        anthropic.enqueue(FakeAnthropic.reply("first answer"));
        chat.send("apparmor denies mount");
        anthropic.enqueue(FakeAnthropic.reply("better answer"));
        assertEquals("better answer", chat.regenerate());

        assertEquals(chat.seen(), chat.storedLive());
        List<StoredMessage> all = haia.haia().store().conversations().messages(chat.conversationId(), 0, 100);
        assertEquals(5, all.size());
        assertTrue(all.stream().anyMatch(m -> m.content().equals("first answer") && m.status() == MessageStatus.SUPERSEDED));

        chat.send("that worked");
        assertFalse(upstreamWindow().contains("assistant:first answer"), upstreamWindow().toString());
        assertTrue(upstreamWindow().contains("assistant:better answer"));
    }

    @Test
    void editSupersedesTheOldPairAndEverythingAfterIt() {
        Chat chat = new Chat("chat-edit");
        chat.send("docker compose up fails");
        chat.send("error: port 80 in use");
        chat.send("it's nginx");
        chat.edit(2, "error: port 443 in use");

        assertEquals(chat.seen(), chat.storedLive());
        List<StoredMessage> all = haia.haia().store().conversations().messages(chat.conversationId(), 0, 100);
        assertEquals(4, all.stream().filter(m -> m.status() == MessageStatus.SUPERSEDED).count());
        chat.send("still failing");
        assertFalse(upstreamWindow().contains("user:error: port 80 in use"));
        assertFalse(upstreamWindow().contains("user:it's nginx"));
    }

    @Test
    void regeneratingTheVeryFirstAnswer() {
        Chat chat = new Chat("chat-first");
        anthropic.enqueue(FakeAnthropic.reply("meh"));
        chat.send("hello");
        anthropic.enqueue(FakeAnthropic.reply("hi there"));
        chat.regenerate();
        assertEquals(List.of("user:hello", "assistant:hi there"), chat.storedLive());
    }

    @Test
    void aChatHaiaHasNeverSeenIsImportedOnce() {
        Chat chat = new Chat("chat-from-before");
        chat.branch.add(new String[] {"user", "my NAS is 192.168.1.20"});
        chat.branch.add(new String[] {"assistant", "noted"});
        chat.branch.add(new String[] {"user", "it runs TrueNAS"});
        chat.branch.add(new String[] {"assistant", "ok"});
        chat.send("what IP did I say?");

        assertEquals(chat.seen(), chat.storedLive());
        assertEquals("user:my NAS is 192.168.1.20", upstreamWindow().getFirst(), "the model sees the imported history");
        List<StoredMessage> all = haia.haia().store().conversations().messages(chat.conversationId(), 0, 100);
        assertEquals(4, all.stream().filter(m -> m.status() == MessageStatus.IMPORTED).count());

        chat.send("and the OS?");
        assertEquals(8, haia.haia().store().conversations().messages(chat.conversationId(), 0, 100).size(), "imported once");
    }

    @Test
    void taskRequestsAreAnsweredAndStoredNowhere() {
        Chat chat = new Chat("chat-tasks");
        chat.send("backup job to PBS times out");
        int stored = haia.haia().store().conversations().messages(chat.conversationId(), 0, 100).size();

        String title = "### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n"
                + "### Chat History:\n<chat_history>\nUSER: backup job to PBS times out\n</chat_history>";
        ObjectNode byShape = Http.chat("haia", title).put("stream", false).put("max_completion_tokens", 50);
        anthropic.enqueue(FakeAnthropic.reply("{\"title\": \"💾 PBS backup timeouts\"}"));
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), byShape,
                                           Map.of("X-OpenWebUI-Chat-Id", chat.id));
        assertEquals(200, response.status());
        assertEquals("{\"title\": \"💾 PBS backup timeouts\"}",
                     response.json().path("choices").get(0).path("message").path("content").asText());
        JsonNode sent = anthropic.lastRequest().body();
        assertEquals(1, sent.path("messages").size(), "no window for tasks");
        assertFalse(sent.has("system"), "no persona for tasks by default");
        assertEquals("claude-haiku-4-5", sent.path("model").asText(), "tasks go to the cheaper model");

        ObjectNode byHeader = Http.chat("haia", "Suggest 3 follow-up questions.").put("stream", false);
        Http.post(haia.uri("/v1/chat/completions"), byHeader,
                  Map.of("X-OpenWebUI-Chat-Id", chat.id, "X-OpenWebUI-Task", "follow_up_generation"));

        assertEquals(stored, haia.haia().store().conversations().messages(chat.conversationId(), 0, 100).size(), "nothing stored");
        assertEquals(1, haia.haia().store().conversations().list(100, 0).size(), "no conversation created");
        assertTrue(Http.get(haia.uri("/metrics")).body().contains("haia_task_requests_total{"));

        chat.send("the datastore is on NFS");
        assertFalse(upstreamWindow().toString().contains("### Task"), "task prompts never reach the chat window");
    }

    @Test
    void curlUsersKeepOneThreadBesideOpenWebUiChats() {
        new Chat("chat-x").send("owui question");
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "curl question one"));
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "curl question two"));
        assertEquals(List.of("user:curl question one", "assistant:Echo: curl question one", "user:curl question two"),
                     upstreamWindow());
    }

    @Test
    void haiasOwnHeaderPicksAConversationForClientsSendingOnlyNewMessages() {
        Map<String, String> header = Map.of("X-Haia-Conversation", "homelab-notes");
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "note: pve1 has 64 GB"), header);
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "something unrelated"));
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "how much RAM has pve1?"), header);
        assertEquals(List.of("user:note: pve1 has 64 GB", "assistant:Echo: note: pve1 has 64 GB",
                             "user:how much RAM has pve1?"), upstreamWindow());
    }

    @Test
    void slashNewStartsAFreshDefaultThread() throws Exception {
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "old topic"));
        int calls = anthropic.requests().size();
        Http.Response reset = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "/new"));
        assertEquals(200, reset.status());
        assertTrue(reset.json().path("choices").get(0).path("message").path("content").asText()
                           .startsWith("Started a new conversation."));
        assertEquals(calls, anthropic.requests().size(), "no model call");

        try (SseClient stream = SseClient.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "/new").put("stream", true))) {
            String body = stream.remainingBody();
            assertTrue(body.contains("Started a new conversation.") && body.strip().endsWith("data: [DONE]"), body);
        }
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "new topic"));
        assertEquals(List.of("user:new topic"), upstreamWindow());
    }

    @Test
    void managementEndpointsShowWhatWasStoredAndDeleteReallyDeletes() throws Exception {
        Chat chat = new Chat("chat-manage");
        chat.send("question one");
        anthropic.enqueue(FakeAnthropic.reply("to be replaced"));
        chat.send("question two");
        chat.regenerate();

        JsonNode list = Http.get(haia.uri("/v1/conversations")).json();
        assertEquals("list", list.path("object").asText());
        JsonNode summary = list.path("data").get(0);
        long id = summary.path("id").asLong();
        assertEquals("openwebui", summary.path("kind").asText());
        assertEquals("chat-manage", summary.path("key").asText());
        assertEquals("question one", summary.path("title").asText());
        assertEquals(5, summary.path("message_count").asInt());
        assertEquals(4, summary.path("live_count").asInt());
        assertTrue(summary.path("created_at").asText().endsWith("Z"));

        JsonNode page = Http.get(haia.uri("/v1/conversations/" + id + "/messages?limit=3")).json();
        assertEquals(3, page.path("data").size());
        assertTrue(page.path("has_more").asBoolean());
        JsonNode rest = Http.get(haia.uri("/v1/conversations/" + id + "/messages?after=" + page.path("last_id").asLong()))
                .json();
        assertEquals(2, rest.path("data").size());
        JsonNode superseded = rest.path("data").get(0);
        assertEquals("superseded", superseded.path("status").asText());
        assertFalse(superseded.path("live").asBoolean());

        Http.Response json = Http.get(haia.uri("/v1/conversations/" + id + "/export?format=json"));
        assertEquals(5, json.json().path("messages").size());
        assertTrue(json.header("content-disposition").contains("haia-conversation-" + id + ".json"));
        Http.Response md = Http.get(haia.uri("/v1/conversations/" + id + "/export?format=md"));
        assertTrue(md.header("content-type").startsWith("text/markdown"));
        assertTrue(md.body().startsWith("# question one\n"), md.body());
        assertTrue(md.body().contains("· *superseded*"));
        assertEquals(400, Http.get(haia.uri("/v1/conversations/" + id + "/export?format=pdf")).status());
        // one rule for query parameters, as on /v1/usage: a second format, an empty one or an unknown parameter is
        // a 400 naming it, never silently the first or ignored
        for (String query : List.of("format=md&format=json", "format=", "fromat=md", "limit=2")) {
            Http.Response refused = Http.get(haia.uri("/v1/conversations/" + id + "/export?" + query));
            assertEquals(400, refused.status(), query + ": " + refused.body());
            String param = query.substring(0, query.indexOf('='));
            assertEquals(param, refused.json().path("error").path("param").asText(), query);
        }
        assertEquals(400, Http.get(haia.uri("/v1/conversations/" + id + "/messages?limit=1&limit=2")).status());
        assertEquals(400, Http.get(haia.uri("/v1/conversations?limit=1&offest=2")).status());

        assertEquals(204, Http.delete(haia.uri("/v1/conversations/" + id)).status());
        assertEquals(404, Http.get(haia.uri("/v1/conversations/" + id)).status());
        assertEquals(404, Http.delete(haia.uri("/v1/conversations/" + id)).status());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/haia.db"))) {
            ResultSet rows = c.createStatement().executeQuery("SELECT count(*) FROM messages WHERE conversation_id = " + id);
            rows.next();
            assertEquals(0, rows.getInt(1), "messages are gone from the database");
        }
    }

    @Test
    void postingToConversationsArchivesTheDefaultThread() {
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "thread one"));
        long old = haia.haia().store().conversations().list(10, 0).getFirst().id();
        Http.Response created = Http.post(haia.uri("/v1/conversations"), "", Map.of());
        assertEquals(201, created.status(), created.body());
        assertEquals("default", created.json().path("kind").asText());
        assertEquals(0, created.json().path("message_count").asInt());
        assertTrue(Http.get(haia.uri("/v1/conversations/" + old)).json().path("archived").asBoolean());

        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "thread two"));
        assertEquals(List.of("user:thread two"), upstreamWindow());
    }

    @Test
    void badManagementRequestsAreOpenAiErrors() {
        Http.Response missing = Http.get(haia.uri("/v1/conversations/999"));
        assertEquals(404, missing.status());
        assertEquals("conversation_not_found", missing.json().path("error").path("code").asText());
        assertEquals(404, Http.get(haia.uri("/v1/conversations/abc")).status());
        Http.Response badLimit = Http.get(haia.uri("/v1/conversations?limit=0"));
        assertEquals(400, badLimit.status());
        assertEquals("limit", badLimit.json().path("error").path("param").asText());
    }
}
