package haia.store;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What one group of ledger rows adds up to; token counts as OpenAI counts them (cache reads and writes are parts of
 * the input, reasoning is a part of the output).
 *
 * @param group            the model, day or conversation
 * @param requests         billed model calls
 * @param inputTokens      every prompt token
 * @param outputTokens     generated tokens
 * @param cacheReadTokens  prompt tokens read from the provider's cache
 * @param cacheWriteTokens prompt tokens written to the provider's cache
 * @param reasoningTokens  generated tokens the model spent reasoning, where its provider counts them apart
 * @param costUsd          the exact sum of the calls' costs at the prices in force when they were answered
 * @param unpricedRequests calls whose model had no known price (their cost is not in {@code costUsd})
 * @param estimatedRequests calls whose provider reported no token counts: HAIA's estimates are in the sums
 */
public record UsageTotals(UsageGroup group, long requests, long inputTokens, long outputTokens, long cacheReadTokens,
                          long cacheWriteTokens, long reasoningTokens, BigDecimal costUsd, long unpricedRequests,
                          long estimatedRequests) {

    public UsageTotals {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(costUsd, "costUsd");
    }
}
