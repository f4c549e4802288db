package haia;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.Scrape;
import haia.testing.TroubleshootingReplay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17's measure of prompt caching: the 30-turn troubleshooting replay ({@link TroubleshootingReplay}) against a
 * fake that bills like Anthropic's prompt cache must read at least 60 % of all input tokens from the cache; with
 * {@code HAIA_PROMPT_CACHE=off} it reads about none. With caching on, {@code /v1/usage} and {@code /metrics} say
 * exactly what the fake billed, to the token.
 */
class PromptCacheReplayTest {

    @TempDir
    Path dir;

    @Test
    void theReplayReadsAtLeast60PercentOfItsInputFromTheCacheAndTheLedgerMatchesTheBill() throws Exception {
        try (TroubleshootingReplay replay = TroubleshootingReplay.start(dir.resolve("on"), true, Map.of())) {
            Scrape before = Scrape.parse(Http.get(replay.haia().uri("/metrics")).body());
            TroubleshootingReplay.Figures on = replay.play();
            System.out.println("prompt cache on: " + on);
            assertTrue(on.readShare() >= 0.60, "at least 60 % read from the cache: " + on);

            JsonNode usage = Http.get(replay.haia().uri("/v1/usage")).json().path("data").get(0);
            assertEquals(on.turns(), usage.path("requests").asLong());
            assertEquals(on.inputTokens(), usage.path("input_tokens").asLong(), "every input token, cached ones too");
            assertEquals(on.cacheReadTokens(), usage.path("cache_read_tokens").asLong());
            assertEquals(on.cacheWriteTokens(), usage.path("cache_write_tokens").asLong());
            assertEquals(replay.outputTokens(), usage.path("output_tokens").asLong());
            // at Claude Haiku 4.5's built-in prices: $1 input, $0.10 cache read, $1.25 cache write, $5 output
            long uncached = on.inputTokens() - on.cacheReadTokens() - on.cacheWriteTokens();
            double expected = (uncached * 1.0 + on.cacheReadTokens() * 0.1 + on.cacheWriteTokens() * 1.25
                    + replay.outputTokens() * 5.0) / 1_000_000;
            assertEquals(expected, usage.path("cost_usd").asDouble(), 1e-9, "the cache's prices applied");

            Scrape after = Scrape.parse(Http.get(replay.haia().uri("/metrics")).body());
            Map<String, Long> directions = Map.of("in", on.inputTokens(), "cache_read", on.cacheReadTokens(),
                                                  "cache_write", on.cacheWriteTokens(), "out", replay.outputTokens());
            directions.forEach((direction, billed) -> assertEquals(
                    (double) billed,
                    after.value("haia_tokens_total", "direction", direction, "model", "haia", "provider", "anthropic")
                            - before.value("haia_tokens_total", "direction", direction, "model", "haia",
                                           "provider", "anthropic"),
                    "haia_tokens_total " + direction));
        }
    }

    /**
     * The same session through the Responses API, each turn sending only its new input with
     * {@code previous_response_id}: the model gets exactly what the chat thread gave it (the window and the
     * cache-aware prefix from HAIA's memory, byte for byte), so the cache reads just as much.
     */
    @Test
    void aResponsesChainGetsTheChatThreadsWindowAndCacheByteForByte() {
        List<JsonNode> chat;
        try (TroubleshootingReplay replay = TroubleshootingReplay.start(dir.resolve("chat"), true, Map.of())) {
            replay.play();
            chat = replay.anthropic().requests().stream().map(FakeAnthropic.Received::body).toList();
        }
        try (TroubleshootingReplay replay = TroubleshootingReplay.start(dir.resolve("responses"), true, Map.of())) {
            TroubleshootingReplay.Figures responses = replay.playResponses();
            System.out.println("prompt cache on, Responses API chain: " + responses);
            assertTrue(responses.readShare() >= 0.60, "at least 60 % read from the cache: " + responses);
            List<JsonNode> chained = replay.anthropic().requests().stream().map(FakeAnthropic.Received::body).toList();
            assertEquals(chat.size(), chained.size());
            for (int turn = 0; turn < chat.size(); turn++) {
                assertEquals(chat.get(turn), chained.get(turn), "turn " + (turn + 1) + ": the chat thread's request");
            }
        }
    }

    @Test
    void withThePromptCacheOffAboutNothingIsReadFromTheCache() {
        try (TroubleshootingReplay replay = TroubleshootingReplay.start(dir.resolve("off"), false, Map.of())) {
            TroubleshootingReplay.Figures off = replay.play();
            System.out.println("prompt cache off: " + off);
            assertTrue(off.readShare() < 0.01, "no breakpoints, nothing cached: " + off);
            replay.anthropic().requests().forEach(request -> assertTrue(
                    !request.body().toString().contains("cache_control"), "HAIA_PROMPT_CACHE=off sends no breakpoint"));
        }
    }
}
