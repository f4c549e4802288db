package haia;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

/**
 * Requests that name no conversation (docs/memory.md): curl and OpenWebUI without headers share one
 * remembered thread; a client that sends history of its own (few-shot examples, an SDK app's earlier turns) is
 * answered from exactly that history, with nothing of the thread in front and nothing stored.
 */
class MemoryWithoutHeadersTest {

    @TempDir
    Path dir;
    private FakeAnthropic anthropic;
    private TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_CONTEXT_WINDOW", "6");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations());
        anthropic.close();
    }

    private Http.Response chat(ObjectNode request) {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(200, response.status(), response.body());
        return response;
    }

    private List<String> thread() {
        long id = haia.haia().store().conversations().list(1, 0).getFirst().id();
        return haia.haia().store().conversations().messages(id, 0, 100).stream().map(StoredMessage::content).toList();
    }

    private List<String> sentToTheModel() {
        List<String> texts = new ArrayList<>();
        for (JsonNode message : anthropic.lastRequest().body().path("messages")) {
            texts.add(message.path("role").asText() + ": " + message.path("content").asText());
        }
        return texts;
    }

    @Test
    void fewShotExamplesReachTheModelExactlyAndTheThreadStaysOutOfIt() {
        chat(Http.chat("haia", "pve2 says quorum lost"));                        // curl: the default thread
        List<String> before = thread();

        ObjectNode fewShot = Http.chat("haia", "disk /dev/sdb is full", "storage", "VM 104 will not boot", "compute",
                                       "corosync link down");
        fewShot.withArray("messages").insertObject(0).put("role", "system").put("content", "Answer with one word.");
        chat(fewShot);

        assertEquals(List.of("user: disk /dev/sdb is full", "assistant: storage", "user: VM 104 will not boot",
                             "assistant: compute", "user: corosync link down"), sentToTheModel(),
                     "the client's context, nothing of the thread in front");
        String system = anthropic.lastRequest().systemText();
        assertTrue(system.startsWith("You are HAIA") && system.endsWith("Answer with one word."), system);
        assertEquals(before, thread(), "nothing stored: the client keeps its own context");

        chat(Http.chat("haia", "and what about ceph?"));                        // curl again
        assertEquals(List.of("user: pve2 says quorum lost", "assistant: Echo: pve2 says quorum lost",
                             "user: and what about ceph?"), sentToTheModel(), "no bleed into the thread either");
    }

    @Test
    void openWebUiWithoutHeadersContinuesTheThreadItShows() {
        chat(Http.chat("haia", "ceph is HEALTH_WARN"));
        chat(Http.chat("haia", "ceph is HEALTH_WARN", "Echo: ceph is HEALTH_WARN", "1 osd down"));
        assertEquals(List.of("ceph is HEALTH_WARN", "Echo: ceph is HEALTH_WARN", "1 osd down", "Echo: 1 osd down"),
                     thread(), "the second request continued the remembered thread");
        assertEquals(List.of("user: ceph is HEALTH_WARN", "assistant: Echo: ceph is HEALTH_WARN", "user: 1 osd down"),
                     sentToTheModel());
    }

    @Test
    void aLongOwnContextIsNeverCutToTheWindow() {
        String[] turns = new String[15];
        for (int i = 0; i < turns.length; i++) {
            turns[i] = (i % 2 == 0 ? "question " : "answer ") + i;
        }
        chat(Http.chat("haia", turns));
        List<String> sent = sentToTheModel();
        assertEquals(15, sent.size(), "all of it, though HAIA_CONTEXT_WINDOW is 6: " + sent);
        assertEquals("user: question 0", sent.getFirst());
        assertTrue(haia.haia().store().conversations().list(10, 0).isEmpty(), "nothing stored");
    }

    @Test
    void anOwnContextOpeningWithTheAssistantKeepsThatMessage() {
        ObjectNode request = Http.JSON.createObjectNode().put("model", "haia");
        request.putArray("messages")
                .add(Http.JSON.createObjectNode().put("role", "assistant").put("content", "Hi! Paste a log line."))
                .add(Http.JSON.createObjectNode().put("role", "user").put("content", "kernel: EXT4-fs error"));
        chat(request);
        List<String> sent = sentToTheModel();
        assertEquals(3, sent.size(), sent.toString());
        assertEquals("assistant: Hi! Paste a log line.", sent.get(1));
        assertFalse(sent.getFirst().contains("EXT4"), "a placeholder user turn opens it: " + sent);
    }
}
