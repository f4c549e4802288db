package haia.testing;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake's prompt cache keeps Anthropic's rules, so a test that passes against it means something. */
class PromptCacheAccountingTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T09:00:00Z"));
    private final PromptCacheAccounting cache = new PromptCacheAccounting(clock);

    /** A request of {@code messages} text messages of 2,000 tokens each; breakpoints on those listed. */
    private static ObjectNode request(String model, int messages, int... breakpoints) {
        ObjectNode body = JSON.objectNode().put("model", model).put("max_tokens", 10);
        ArrayNode list = body.putArray("messages");
        for (int i = 0; i < messages; i++) {
            ObjectNode message = list.addObject().put("role", i % 2 == 0 ? "user" : "assistant");
            ObjectNode block = message.putArray("content").addObject().put("type", "text")
                    .put("text", (i + ": ").repeat(8000).substring(0, 8000));
            for (int b : breakpoints) {
                if (b == i) {
                    block.putObject("cache_control").put("type", "ephemeral");
                }
            }
        }
        return body;
    }

    @Test
    void aPrefixWrittenOnceIsReadBackWithinItsTtlAndNotAfter() {
        PromptCacheAccounting.Billing first = cache.bill(request("claude-sonnet-4-5", 3, 2));
        assertEquals(new PromptCacheAccounting.Billing(0, 0, 6000), first);
        PromptCacheAccounting.Billing second = cache.bill(request("claude-sonnet-4-5", 5, 4));
        assertEquals(new PromptCacheAccounting.Billing(0, 6000, 4000), second, "read through the lookback");
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertEquals(new PromptCacheAccounting.Billing(0, 0, 10000), cache.bill(request("claude-sonnet-4-5", 5, 4)),
                     "expired after 5 minutes unused");
        assertEquals(6000 + 4000 + 10000, cache.totalWritten());
        assertEquals(6000, cache.totalRead());
    }

    @Test
    void withoutBreakpointsOrBelowTheMinimumNothingIsCached() {
        assertEquals(new PromptCacheAccounting.Billing(6000, 0, 0), cache.bill(request("claude-sonnet-4-5", 3)));
        assertEquals(new PromptCacheAccounting.Billing(6000, 0, 0), cache.bill(request("claude-sonnet-4-5", 3)));
        // Haiku 4.5 caches from 4,096 tokens: a 2,000-token prefix is neither written nor read
        assertEquals(new PromptCacheAccounting.Billing(6000, 0, 0),
                     cache.bill(request("claude-haiku-4-5-20251001", 3, 0)));
        assertEquals(new PromptCacheAccounting.Billing(0, 0, 6000),
                     cache.bill(request("claude-haiku-4-5-20251001", 3, 0, 2)), "6,000 tokens are enough");
    }

    @Test
    void aChangedPrefixMissesAndTheLookbackStopsAfter20Blocks() {
        cache.bill(request("claude-sonnet-4-5", 3, 0));
        ObjectNode changed = request("claude-sonnet-4-5", 3, 2);
        ((ObjectNode) changed.path("messages").get(0).path("content").get(0)).put("text", "edited");
        assertEquals(0, cache.bill(changed).cacheRead(), "a different first message is a different prefix");
        cache.bill(request("claude-sonnet-4-5", 1, 0));
        assertEquals(2000, cache.bill(request("claude-sonnet-4-5", 21, 20)).cacheRead(), "20 blocks back: found");
        PromptCacheAccounting fresh = new PromptCacheAccounting(clock);
        fresh.bill(request("claude-sonnet-4-5", 1, 0));
        assertEquals(0, fresh.bill(request("claude-sonnet-4-5", 22, 21)).cacheRead(), "21 blocks back: not found");
    }

    @Test
    void moreThanFourBreakpointsIsTheApisError() {
        JsonNode five = request("claude-sonnet-4-5", 5, 0, 1, 2, 3, 4);
        assertEquals("A maximum of 4 blocks with cache_control may be provided. Found 5.",
                     PromptCacheAccounting.problem(five).orElseThrow());
        assertTrue(PromptCacheAccounting.problem(request("claude-sonnet-4-5", 5, 0, 1, 2, 3)).isEmpty());
    }

    @Test
    void theFakeRejectsFiveBreakpointsLikeTheApi() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            Http.Response response = Http.post(java.net.URI.create(fake.baseUrl() + "/v1/messages"),
                                               request("claude-sonnet-4-5", 5, 0, 1, 2, 3, 4).toString(),
                                               java.util.Map.of("x-api-key", FakeAnthropic.API_KEY,
                                                                "anthropic-version", "2023-06-01"));
            assertEquals(400, response.status());
            assertTrue(response.body().contains("A maximum of 4 blocks with cache_control"), response.body());
        }
    }
}
