package haia;

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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notes end to end, on SQLite and PostgreSQL: /remember and /forget in a chat (answered without a model call), the
 * API, the model's haia_memory_note; a note goes to the model with every request after the persona, across chats
 * and restarts, and a deleted one never again.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class MemoryNotesTest {

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
    }

    @AfterEach
    void stop() {
        haia.close();
    }

    private String say(String chatId, String text) {
        return haia.say(chatId, text);
    }

    private String system() {
        return anthropic.lastRequest().systemText();
    }

    @Test
    void rememberHoldsAcrossChatsAndRestartsAndForgetEndsIt() {
        int calls = anthropic.requests().size();
        String noted = say("one", "/remember the NAS is nas-heron (192.168.1.20)");
        assertTrue(noted.startsWith("Noted (#") && noted.contains("\"the NAS is nas-heron (192.168.1.20)\""), noted);
        assertEquals(calls, anthropic.requests().size(), "answered without a model call");

        say("two", "where do backups go?");
        assertTrue(system().contains("- (") && system().contains(") the NAS is nas-heron (192.168.1.20)"), system());
        assertTrue(system().indexOf("nas-heron") > system().indexOf("haia_memory_search"), "after the persona");

        haia.restart(Map.of());
        say("three", "and after a restart?");
        assertTrue(system().contains("nas-heron"), system());

        String forgotten = say("three", "/forget nas-heron");
        assertTrue(forgotten.startsWith("Forgotten: #") && forgotten.contains("nas-heron"), forgotten);
        say("three", "what is the NAS called?");
        assertFalse(system().contains("nas-heron"), "a deleted note is never sent again: " + system());
        assertTrue(say("three", "/forget nothing-like-it").startsWith("No note matches"));
    }

    @Test
    void theApiListsSavesAndDeletesNotes() {
        Http.Response saved = Http.post(haia.uri("/v1/memory/notes"), "{\"text\": \"k3s runs on vm-105\"}",
                                        Map.of("Authorization", "Bearer " + KEY, "Content-Type", "application/json"));
        assertEquals(201, saved.status(), saved.body());
        long id = saved.json().path("id").asLong();
        assertEquals("/v1/memory/notes/" + id, saved.headers().get("location"));
        JsonNode list = Http.get(haia.uri("/v1/memory/notes"), AUTH).json();
        assertEquals("list", list.path("object").asText());
        assertEquals("k3s runs on vm-105", list.path("data").get(0).path("text").asText());
        assertTrue(list.path("data").get(0).path("created_at").asText().endsWith("Z"));

        say("one", "hello");
        assertTrue(system().contains("k3s runs on vm-105"), system());

        for (String bad : new String[] {"{}", "{\"text\": \"\"}", "{\"text\": 5}", "[1]", "not json",
                                        "{\"text\": \"x\", \"pinned\": true}"}) {
            assertEquals(400, Http.post(haia.uri("/v1/memory/notes"), bad, Map.of("Authorization", "Bearer " + KEY,
                    "Content-Type", "application/json")).status(), bad);
        }
        assertEquals(401, Http.get(haia.uri("/v1/memory/notes")).status());
        assertEquals(204, Http.send(java.net.http.HttpRequest.newBuilder(haia.uri("/v1/memory/notes/" + id))
                .header("Authorization", "Bearer " + KEY).DELETE().build()).status());
        assertEquals(404, Http.send(java.net.http.HttpRequest.newBuilder(haia.uri("/v1/memory/notes/" + id))
                .header("Authorization", "Bearer " + KEY).DELETE().build()).status());
        assertEquals(0, Http.get(haia.uri("/v1/memory/notes"), AUTH).json().path("data").size());
        say("one", "hello again");
        assertFalse(system().contains("k3s runs on vm-105"), system());
    }

    @Test
    void theModelSavesANoteWhenAskedAndSaysSo() {
        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call(
                "toolu_1", "haia_memory_note", "{\"text\": \"the UPS is an APC on 192.168.1.9\"}")));
        say("one", "remember that the UPS is an APC on 192.168.1.9");
        String result = anthropic.lastRequest().lastUserText();
        assertTrue(result.contains("Saved note #") && result.contains("the UPS is an APC on 192.168.1.9"), result);
        assertEquals("the UPS is an APC on 192.168.1.9",
                     Http.get(haia.uri("/v1/memory/notes"), AUTH).json().path("data").get(0).path("text").asText());
        say("two", "what UPS do I have?");
        assertTrue(system().contains("the UPS is an APC on 192.168.1.9"), system());
    }
}
