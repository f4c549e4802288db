package haia.llm.openai;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.Usage;

/**
 * OpenAI's {@code CompletionUsage} as HAIA's {@link Usage}: the protocol mapping of token counts, and nothing else
 * (../shared/notes/wire-formats.md §2.2-2.3), for a blocking completion and for the {@code include_usage} chunk that
 * ends a stream. {@code prompt_tokens} already counts every prompt token, cached ones included;
 * {@code prompt_tokens_details.cached_tokens} says how many of them came from the prompt cache, and
 * {@code cache_write_tokens} (newer spec versions, and proxies in front of Anthropic) how many were written to it.
 * Likewise {@code completion_tokens} counts every generated token, and
 * {@code completion_tokens_details.reasoning_tokens} (OpenAI's reasoning models, DeepSeek, proxies) how many of them
 * were thinking. Local servers send no details (or
 * {@code null}): no caching, no reasoning figure (0, though the thinking is in {@code completion_tokens}).
 */
final class OpenAiUsage {

    private OpenAiUsage() {
    }

    static Usage of(JsonNode usage) {
        JsonNode prompt = usage.path("prompt_tokens_details");
        return Usage.of(count(usage, "prompt_tokens"), count(usage, "completion_tokens"),
                        count(prompt, "cached_tokens"), count(prompt, "cache_write_tokens"),
                        count(usage.path("completion_tokens_details"), "reasoning_tokens"));
    }

    private static long count(JsonNode parent, String field) {
        JsonNode value = parent.path(field);
        return value.isIntegralNumber() ? value.asLong() : 0;
    }
}
