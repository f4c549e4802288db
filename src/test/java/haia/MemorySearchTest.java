package haia;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.StoreBackend;
import haia.testing.MemoryHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recall end to end, on SQLite and PostgreSQL: a fact told in one OpenWebUI chat, 60 exchanges before a question in
 * another, found by {@code GET /v1/memory/search} (with the API key, as the rest of {@code /v1}).
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class MemorySearchTest {

    private static final String KEY = MemoryHaia.KEY;
    private static final Map<String, String> AUTH = MemoryHaia.AUTH;

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    private MemoryHaia haia;
    private FakeAnthropic anthropic;

    @BeforeEach
    void start() {
        haia = MemoryHaia.start(backend, dir, Map.of());
        anthropic = haia.anthropic;
        anthropic.respondWith(FakeAnthropic::echo);
    }

    @AfterEach
    void stop() {
        haia.close();
    }

    private void say(String chatId, String text) {
        haia.say(chatId, text);
    }

    private Http.Response search(String query) {
        return Http.get(haia.uri("/v1/memory/search?" + query), AUTH);
    }

    private static String q(String words) {
        return "q=" + URLEncoder.encode(words, StandardCharsets.UTF_8);
    }

    @Test
    void aFactFromAnotherChatIsFoundBestFirst() {
        say("homelab", "My Ceph node is called pve-kestrel, remember that");
        for (int i = 0; i < 60; i++) {
            say("other", "how is backup job " + i + " doing?");
        }
        Http.Response found = search(q("kestrel"));
        assertEquals(200, found.status(), found.body());
        JsonNode body = found.json();
        assertEquals("list", body.path("object").asText());
        JsonNode data = body.path("data");
        assertEquals(2, data.size(), "the user's message and the echoed reply: " + body);
        for (JsonNode hit : data) {
            assertTrue(hit.path("snippet").asText().contains("**kestrel**"), hit.toString());
            assertTrue(hit.path("conversation_id").asLong() > 0);
            assertTrue(hit.path("message_id").asLong() > 0);
            assertTrue(hit.path("created_at").asText().endsWith("Z"), hit.toString());
            assertTrue(hit.path("score").isNumber());
            assertEquals("My Ceph node is called pve-kestrel, remember that",
                         hit.path("conversation_title").asText());
        }
        assertEquals(java.util.Set.of("user", "assistant"),
                     java.util.Set.of(data.get(0).path("role").asText(), data.get(1).path("role").asText()));
        assertTrue(data.get(0).path("score").asDouble() >= data.get(1).path("score").asDouble(), "best first");

        long other = search(q("backup job 7")).json().path("data").get(0).path("conversation_id").asLong();
        assertEquals(0, search(q("kestrel") + "&conversation=" + other).json().path("data").size());
        assertEquals(3, search(q("backup") + "&limit=3").json().path("data").size());
    }

    @Test
    void queriesAreNeverSyntaxErrorsButParametersAreChecked() {
        say("homelab", "the NAS is nas-heron");
        for (String odd : new String[] {"\"heron", "heron*", "heron AND (", "NEAR(heron", "-heron", "heron'; --"}) {
            Http.Response found = search(q(odd));
            assertEquals(200, found.status(), odd + ": " + found.body());
            assertTrue(found.json().path("data").size() > 0, odd);
        }
        assertEquals(0, search(q("()")).json().path("data").size());
        assertEquals(400, search("").status(), "q is required");
        assertEquals(400, search(q("heron") + "&limit=0").status());
        assertEquals(400, search(q("heron") + "&conversation=abc").status());
        assertEquals(400, search(q("heron") + "&sort=date").status());
        assertEquals(401, Http.get(haia.uri("/v1/memory/search?" + q("heron"))).status(), "the API key, as /v1");
    }

    /**
     * Without any infrastructure tool configured, the model is offered haia_memory_search and told when to use it;
     * its call finds a fact from another chat 60 exchanges back, with the date, how long ago and the chat's title.
     */
    @Test
    void theModelLooksUpAFactFromAnotherChatWithTheSearchTool() {
        say("homelab", "My Ceph node is called pve-kestrel, remember that");
        for (int i = 0; i < 60; i++) {
            say("other", "how is backup job " + i + " doing?");
        }
        FakeAnthropic.Received plain = anthropic.lastRequest();
        assertTrue(plain.body().path("tools").toString().contains("\"haia_memory_search\""), plain.body().toString());
        assertTrue(plain.systemText().contains("haia_memory_search"), "the persona says when to look");

        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call(
                "toolu_1", "haia_memory_search", "{\"query\": \"ceph node kestrel\", \"limit\": 3}")));
        say("other", "what was the ceph node name again?");
        String results = anthropic.lastRequest().lastUserText();
        assertTrue(results.contains("pve-**kestrel**") || results.contains("**kestrel**"), results);
        assertTrue(results.contains("in the conversation \"My Ceph node is called pve-kestrel, remember that\""),
                   results);
        assertTrue(results.contains("just now") || results.contains("minute"), results);
        assertTrue(results.matches("(?s).*\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC.*"), results);
        assertTrue(results.contains("the user said"), results);

        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call(
                "toolu_2", "haia_memory_search", "{\"query\": \"backup\", \"scope\": \"conversation\"}")));
        say("homelab", "did we talk about backups in this chat?");
        assertTrue(anthropic.lastRequest().lastUserText().contains("Nothing stored matches \"backup\""),
                   anthropic.lastRequest().lastUserText());

        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call(
                "toolu_3", "haia_memory_search", "{\"query\": \"kestrel AND (\\\"\", \"after\": \"yesterday\"}")));
        say("other", "and since yesterday?");
        assertTrue(anthropic.lastRequest().lastUserText().contains("'after' must be a date"),
                   anthropic.lastRequest().lastUserText());
    }

    /** HAIA_MEMORY_TOOLS=off: no memory tool, no guidance; the API still searches. */
    @Test
    void theMemoryToolsCanBeTurnedOff() {
        haia.restart(Map.of("HAIA_MEMORY_TOOLS", "off"));
        say("homelab", "the NAS is nas-heron");
        assertTrue(anthropic.lastRequest().body().path("tools").isMissingNode(), anthropic.lastRequest().body().toString());
        assertTrue(!anthropic.lastRequest().systemText().contains("haia_memory_search"));
        assertEquals(2, search(q("heron")).json().path("data").size());
    }
}
