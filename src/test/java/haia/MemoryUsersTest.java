package haia;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.Jwts;
import haia.testing.MemoryHaia;
import haia.testing.StoreBackend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory per OpenWebUI user, on SQLite and PostgreSQL: with HAIA_OPENWEBUI_JWT_SECRET set, two users (each request
 * with OpenWebUI's API key and its signed user header) never see each other's conversations, search results, notes
 * or usage, even in chats with the same id; the API key alone is the admin, who sees everything; a forged plain
 * header, an expired token and one signed with another secret change nothing; without the secret HAIA is one user.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class MemoryUsersTest {

    private static final String SECRET = "the-household-openwebui-secret";
    private static final Map<String, String> ALICE = user("alice-0001");
    private static final Map<String, String> BOB = user("bob-0002");
    private static final Map<String, String> ADMIN = Map.of();

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    private MemoryHaia haia;

    private static Map<String, String> user(String id) {
        return Map.of("X-OpenWebUI-User-Jwt", Jwts.user(SECRET, id));
    }

    @BeforeEach
    void start() {
        haia = MemoryHaia.start(backend, dir, Map.of("HAIA_OPENWEBUI_JWT_SECRET", SECRET));
    }

    @AfterEach
    void stop() {
        haia.close();
    }

    private List<String> snippets(String query, Map<String, String> who) {
        Http.Response found = haia.get("/v1/memory/search?q=" + query.replace(" ", "+"), who);
        assertEquals(200, found.status(), found.body());
        List<String> snippets = new ArrayList<>();
        found.json().path("data").forEach(hit -> snippets.add(hit.path("snippet").asText()));
        return snippets;
    }

    private List<Long> conversations(Map<String, String> who) {
        List<Long> ids = new ArrayList<>();
        haia.get("/v1/conversations", who).json().path("data").forEach(c -> ids.add(c.path("id").asLong()));
        return ids;
    }

    @Test
    void twoUsersNeverSeeEachOthersConversationsOrSearchResults() {
        haia.say("chat-a", "my NAS is nas-heron", ALICE);
        haia.say("chat-b", "my NAS is nas-kestrel", BOB);
        haia.say("same-id", "alice's proxmox node is pve-alpha", ALICE);
        haia.say("same-id", "bob's proxmox node is pve-bravo", BOB);   // the same chat id: another conversation

        List<String> alicesNas = snippets("NAS", ALICE);
        assertTrue(alicesNas.stream().anyMatch(s -> s.contains("heron")), alicesNas.toString());
        assertTrue(alicesNas.stream().noneMatch(s -> s.contains("kestrel")), alicesNas.toString());
        assertTrue(snippets("kestrel", ALICE).isEmpty(), "bob's words are not found for alice");
        assertTrue(snippets("pve bravo", ALICE).stream().noneMatch(s -> s.contains("bravo")));
        assertTrue(snippets("pve bravo", BOB).stream().anyMatch(s -> s.contains("bravo")));
        assertTrue(snippets("nas kestrel", ADMIN).size() >= 1 && snippets("nas heron", ADMIN).size() >= 1,
                   "the API key's holder searches everyone's");

        List<Long> alices = conversations(ALICE);
        List<Long> bobs = conversations(BOB);
        assertEquals(2, alices.size());
        assertEquals(2, bobs.size());
        assertTrue(alices.stream().noneMatch(bobs::contains), alices + " / " + bobs);
        assertEquals(4, conversations(ADMIN).size());
        JsonNode listed = haia.get("/v1/conversations", ADMIN).json().path("data");
        listed.forEach(c -> assertTrue(List.of("alice-0001", "bob-0002").contains(c.path("owner").asText()), c.toString()));

        // the same chat id kept each user's own history: the model saw only the user's own turn
        haia.say("same-id", "which node?", BOB);
        String sent = haia.anthropic.lastRequest().body().path("messages").toString();
        assertFalse(sent.contains("pve-alpha"), sent);

        long bobsChat = bobs.getFirst();
        assertEquals(404, haia.get("/v1/conversations/" + bobsChat, ALICE).status());
        assertEquals(404, haia.get("/v1/conversations/" + bobsChat + "/messages", ALICE).status());
        assertEquals(404, haia.get("/v1/conversations/" + bobsChat + "/export", ALICE).status());
        assertTrue(haia.get("/v1/memory/search?q=nas&conversation=" + bobsChat, ALICE).json().path("data").isEmpty());
        assertEquals(404, haia.delete("/v1/conversations/" + bobsChat, ALICE).status());
        assertEquals(200, haia.get("/v1/conversations/" + bobsChat, BOB).status());
        assertEquals(200, haia.get("/v1/conversations/" + bobsChat, ADMIN).status());
    }

    /** A Responses API chain belongs to its user, as a chat does: another user cannot read or continue it. */
    @Test
    void aUsersResponsesAreTheirsAlone() {
        Http.Response created = responses("{\"model\":\"haia\",\"input\":\"my UPS is ups-finch\"}", ALICE);
        assertEquals(200, created.status(), created.body());
        String id = created.json().path("id").asText();

        assertEquals(404, haia.get("/v1/responses/" + id, BOB).status(), "bob does not find alice's response");
        assertEquals(404, haia.get("/v1/responses/" + id + "/input_items", BOB).status());
        assertEquals(404, haia.delete("/v1/responses/" + id, BOB).status());
        Http.Response continued = responses("{\"model\":\"haia\",\"input\":\"which UPS?\","
                + "\"previous_response_id\":\"" + id + "\"}", BOB);
        assertEquals(400, continued.status(), continued.body());
        assertEquals("previous_response_not_found", continued.json().path("error").path("code").asText());

        assertEquals(200, haia.get("/v1/responses/" + id, ALICE).status());
        assertEquals(200, haia.get("/v1/responses/" + id, ADMIN).status(), "the admin reads everyone's");
        assertEquals(200, responses("{\"model\":\"haia\",\"input\":\"which UPS?\","
                + "\"previous_response_id\":\"" + id + "\"}", ALICE).status());
        assertEquals(1, conversations(ALICE).size(), "the chain is alice's conversation");
        assertEquals(0, conversations(BOB).size());
        assertTrue(snippets("finch", BOB).isEmpty(), "nor does bob's search find it");
        assertFalse(snippets("finch", ALICE).isEmpty());
    }

    private Http.Response responses(String body, Map<String, String> who) {
        Map<String, String> all = new java.util.HashMap<>(who);
        all.putAll(MemoryHaia.AUTH);
        all.put("Content-Type", "application/json");
        return Http.post(haia.uri("/v1/responses"), body, all);
    }

    @Test
    void theModelsSearchFindsOnlyItsUsersMemory() {
        haia.say("chat-a", "the backup target is nas-heron", ALICE);
        haia.anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call(
                "toolu_1", "haia_memory_search", "{\"query\": \"backup target\"}")));
        haia.say("chat-b", "where do my backups go?", BOB);
        String result = haia.anthropic.lastRequest().lastUserText();
        assertFalse(result.contains("nas-heron"), result);
        haia.anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call(
                "toolu_2", "haia_memory_search", "{\"query\": \"backup target\"}")));
        haia.say("chat-a2", "where do my backups go?", ALICE);
        result = haia.anthropic.lastRequest().lastUserText();
        assertTrue(result.contains("nas-heron"), result);
    }

    @Test
    void notesAndUsageAreEachUsersOwn() {
        assertTrue(haia.say("chat-a", "/remember my UPS is on 192.168.1.9", ALICE).startsWith("Noted"));
        Http.Response saved = Http.post(haia.uri("/v1/memory/notes"), "{\"text\": \"bob runs k3s on vm-105\"}",
                                        with(BOB, "Content-Type", "application/json"));
        assertEquals(201, saved.status(), saved.body());

        haia.say("chat-b", "hello", BOB);
        assertTrue(haia.system().contains("vm-105") && !haia.system().contains("192.168.1.9"), haia.system());
        haia.say("chat-a", "hello", ALICE);
        assertTrue(haia.system().contains("192.168.1.9") && !haia.system().contains("vm-105"), haia.system());
        haia.say("admin-chat", "hello", ADMIN);
        assertFalse(haia.system().contains("192.168.1.9") || haia.system().contains("vm-105"), haia.system());

        JsonNode alices = haia.get("/v1/memory/notes", ALICE).json().path("data");
        assertEquals(1, alices.size());
        assertEquals("alice-0001", alices.get(0).path("owner").asText());
        assertEquals(2, haia.get("/v1/memory/notes", ADMIN).json().path("data").size(), "the admin sees all");
        long bobsNote = saved.json().path("id").asLong();
        assertEquals(404, haia.delete("/v1/memory/notes/" + bobsNote, ALICE).status());
        assertEquals(204, haia.delete("/v1/memory/notes/" + bobsNote, BOB).status());

        // usage: one model call each (the /remember needed none); the admin sees all three
        assertEquals(1, requests(ALICE));
        assertEquals(1, requests(BOB));
        assertEquals(3, requests(ADMIN));
    }

    private long requests(Map<String, String> who) {
        JsonNode usage = haia.get("/v1/usage?group_by=model", who).json().path("data");
        long total = 0;
        for (JsonNode line : usage) {
            total += line.path("requests").asLong();
        }
        return total;
    }

    private static Map<String, String> with(Map<String, String> who, String name, String value) {
        Map<String, String> headers = new java.util.HashMap<>(who);
        headers.putAll(MemoryHaia.AUTH);
        headers.put(name, value);
        return headers;
    }

    @Test
    void anUnverifiableUserIsRefusedAndChangesNothing() {
        haia.say("chat-a", "alice's secret is in vault-7", ALICE);
        long now = System.currentTimeMillis() / 1000;
        Map<String, Map<String, String>> bad = Map.of(
                "another secret", Map.of("X-OpenWebUI-User-Jwt", Jwts.user("not-the-secret", "alice-0001")),
                "expired", Map.of("X-OpenWebUI-User-Jwt", Jwts.sign(SECRET, Jwts.claims("alice-0001", now - 7200))),
                "garbage", Map.of("X-OpenWebUI-User-Jwt", "not.a.token"));
        bad.forEach((why, headers) -> {
            Http.Response refused = haia.chat("chat-a", "tell me alice's secret", headers);
            assertEquals(401, refused.status(), why + ": " + refused.body());
            assertEquals("invalid_user_token", refused.json().path("error").path("code").asText(), why);
            assertEquals(401, haia.get("/v1/memory/search?q=vault", headers).status(), why);
        });
        assertEquals(2, haia.get("/v1/conversations/" + conversations(ALICE).getFirst() + "/messages", ALICE).json()
                .path("data").size(), "nothing stored: alice's exchange and nothing else");

        // a valid user header without OpenWebUI's API key is no way in
        Http.Response keyless = Http.get(haia.uri("/v1/memory/search?q=vault"), ALICE);
        assertEquals(401, keyless.status());

        // the plain headers anyone can send are not trusted: this is the admin's own chat, not alice's
        haia.say("chat-a", "I am alice, what is my secret?", Map.of("X-OpenWebUI-User-Id", "alice-0001"));
        assertFalse(haia.anthropic.lastRequest().body().path("messages").toString().contains("vault-7"));
        assertEquals(1, conversations(ALICE).size());
    }

    @Test
    void withoutTheSecretHaiaIsOneUserAsBefore() {
        haia.restart(Map.of("HAIA_OPENWEBUI_JWT_SECRET", ""));
        haia.say("chat-a", "the router is opnsense-1", ALICE);
        haia.say("chat-b", "and the switch?", BOB);
        assertEquals(2, conversations(ADMIN).size());
        assertEquals(2, conversations(ALICE).size(), "no user is told apart: everyone is the one user");
        assertFalse(snippets("opnsense", BOB).isEmpty());
    }
}
