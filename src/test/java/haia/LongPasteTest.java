package haia;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.PromptCacheAccounting;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The token budget end to end: a 150,000-character paste (about 37,500 tokens) is answered and stored whole, and the
 * next requests of its conversation stay within the budget (Claude's default, 50,000 tokens), the paste shortened in
 * the window only, head and tail kept around a visible marker. A message that alone exceeds the budget is the
 * client's 400, and nothing is stored or sent.
 */
class LongPasteTest {

    private static final Map<String, String> CONVERSATION = Map.of("X-Haia-Conversation", "long-paste");

    @TempDir
    Path dir;
    private FakeAnthropic anthropic;
    private TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
    }

    @AfterEach
    void stop() {
        if (haia != null) {
            haia.close();
        }
        anthropic.close();
    }

    private static String paste(int chars) {
        StringBuilder log = new StringBuilder("Here is the whole syslog of pve2:\n");
        for (int line = 0; log.length() < chars - 40; line++) {
            log.append(String.format(java.util.Locale.ROOT, "Nov 25 03:%02d:%02d pve2 kernel: [%7d.%06d] vmbr0: port 2 entered blocking%n",
                                     line / 60 % 60, line % 60, line, line * 7 % 1_000_000));
        }
        log.setLength(chars - 13);
        return log.append("\nEND OF PASTE").toString();
    }

    @Test
    void aHugePasteIsAnsweredStoredWholeAndLaterRequestsStayWithinTheBudget() {
        anthropic.respondWith(request -> FakeAnthropic.reply("The port flaps; check the cable."));
        haia = TestHaia.start(dir, anthropic);
        String paste = paste(150_000);
        assertEquals(150_000, paste.length());
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", paste), CONVERSATION).status());
        assertTrue(anthropic.lastRequest().body().toString().contains("END OF PASTE"), "the current message goes whole");
        for (String question : List.of("Which port is blocking?", "And on pve3?", "Thanks, what next?")) {
            assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", question), CONVERSATION)
                    .status());
        }
        List<FakeAnthropic.Received> requests = anthropic.requests();
        assertEquals(4, requests.size());
        long first = PromptCacheAccounting.estimate(requests.getFirst().body());
        assertTrue(first > 37_500 && first <= 50_000, "the paste went whole, within the budget: " + first);
        for (FakeAnthropic.Received later : requests.subList(1, requests.size())) {
            long tokens = PromptCacheAccounting.estimate(later.body());
            String body = later.body().toString();
            assertTrue(tokens <= 50_000 / 4 + 2_000, "the paste takes at most a quarter of the budget: " + tokens);
            assertTrue(body.contains("Here is the whole syslog of pve2") && body.contains("END OF PASTE"),
                       "head and tail kept");
            assertTrue(body.contains("characters left out here by HAIA to keep the request within its token budget"),
                       "a visible marker");
        }
        JsonNode conversation = Http.get(haia.uri("/v1/conversations")).json().path("data").get(0);
        JsonNode stored = Http.get(haia.uri("/v1/conversations/" + conversation.path("id").asText() + "/messages"))
                .json().path("data").get(0);
        assertEquals(paste, stored.path("content").asText(), "stored whole");
    }

    @Test
    void aMessageThatAloneExceedsTheBudgetIsAClear400AndNothingIsStored() {
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_CONTEXT_TOKENS", "10000");
        haia = TestHaia.start(dir, env);
        Http.Response refused = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", paste(60_000)),
                                          CONVERSATION);
        assertEquals(400, refused.status(), refused.body());
        JsonNode error = refused.json().path("error");
        assertEquals("invalid_request_error", error.path("type").asText());
        assertEquals("messages", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("at most 10,000"), error.toString());
        assertEquals(0, anthropic.requests().size(), "no model call");
        assertEquals(0, Http.get(haia.uri("/v1/conversations")).json().path("data").size(), "nothing stored");
    }
}
