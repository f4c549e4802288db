package haia.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A provider-neutral model call.
 *
 * <p>The pipeline guarantees the shape every provider needs: {@code messages} is non-empty, starts and ends with a
 * user turn and alternates user/assistant; every tool call is followed by its result; images are inline or URLs
 * (never {@link Part.Image.Stored}); the model can do what is asked of it (its capabilities). Sampling values are
 * already validated against OpenAI's ranges; each provider translates them to its own (e.g. Anthropic's temperature
 * tops out at 1).
 *
 * @param model          the upstream model name (e.g. {@code claude-haiku-4-5-20251001}, {@code llama3.2})
 * @param system         the system prompt's blocks, in order: the persona, then whatever system text the client sent
 *                       (separate, so a mapping can mark the stable persona for prompt caching)
 * @param messages       the conversation window, oldest first
 * @param maxTokens      upper bound on generated tokens
 * @param sampling       how to sample, as far as the client chose
 * @param tools          the client's tools and how they may be called
 * @param responseFormat the shape the reply's text must have
 * @param reasoning      how hard to think, when the client asked
 * @param cachePrefix    mark the stable prefix (tools, system, the window up to the current turn) for the
 *                       provider's prompt cache, where the protocol has explicit breakpoints ({@code HAIA_PROMPT_CACHE})
 * @param background     an OpenWebUI background task's call (a title, tags), not a chat message's: its failure does
 *                       not count against the provider's circuit breaker ({@link ResilientLlmClient}); never sent
 */
public record LlmRequest(String model,
                         List<String> system,
                         List<LlmMessage> messages,
                         int maxTokens,
                         Sampling sampling,
                         ToolUse tools,
                         ResponseFormat responseFormat,
                         Optional<ReasoningEffort> reasoning,
                         boolean cachePrefix,
                         boolean background) {

    public LlmRequest {
        Objects.requireNonNull(model, "model");
        system = system.stream().filter(s -> !s.isBlank()).toList();
        messages = List.copyOf(messages);
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(responseFormat, "responseFormat");
        Objects.requireNonNull(reasoning, "reasoning");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("an LLM request needs at least one message");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive");
        }
    }

    /** A chat message's request. */
    public LlmRequest(String model, List<String> system, List<LlmMessage> messages, int maxTokens, Sampling sampling,
                      ToolUse tools, ResponseFormat responseFormat, Optional<ReasoningEffort> reasoning,
                      boolean cachePrefix) {
        this(model, system, messages, maxTokens, sampling, tools, responseFormat, reasoning, cachePrefix, false);
    }

    /** A request that marks nothing for a prompt cache. */
    public LlmRequest(String model, List<String> system, List<LlmMessage> messages, int maxTokens, Sampling sampling,
                      ToolUse tools, ResponseFormat responseFormat, Optional<ReasoningEffort> reasoning) {
        this(model, system, messages, maxTokens, sampling, tools, responseFormat, reasoning, false);
    }

    /** A plain text request: no tools, free text, no reasoning asked for. */
    public static LlmRequest plain(String model, List<String> system, List<LlmMessage> messages, int maxTokens,
                                   Sampling sampling) {
        return new LlmRequest(model, system, messages, maxTokens, sampling, ToolUse.NONE, ResponseFormat.TEXT,
                              Optional.empty());
    }

    /** The same request with other messages (its pictures resolved, an agent loop's next step). */
    public LlmRequest withMessages(List<LlmMessage> otherMessages) {
        return new LlmRequest(model, system, otherMessages, maxTokens, sampling, tools, responseFormat, reasoning,
                              cachePrefix, background);
    }

    /** The same request, offering the same tools under another choice (an agent loop's later steps). */
    public LlmRequest withToolChoice(ToolChoice choice) {
        return new LlmRequest(model, system, messages, maxTokens, sampling,
                              new ToolUse(tools.tools(), choice, tools.parallel()), responseFormat, reasoning,
                              cachePrefix, background);
    }

    /** The same request with another limit on the reply (one that fits the model's context). */
    public LlmRequest withMaxTokens(int otherMaxTokens) {
        return new LlmRequest(model, system, messages, otherMaxTokens, sampling, tools, responseFormat, reasoning,
                              cachePrefix, background);
    }

    /** The same request addressed to another upstream model (used when a fallback model answers). */
    public LlmRequest withModel(String otherModel) {
        return new LlmRequest(otherModel, system, messages, maxTokens, sampling, tools, responseFormat, reasoning,
                              cachePrefix, background);
    }

    /** The same request as an OpenWebUI background task's call. */
    public LlmRequest asBackground() {
        return new LlmRequest(model, system, messages, maxTokens, sampling, tools, responseFormat, reasoning,
                              cachePrefix, true);
    }

    /** The system blocks as one text, for protocols that take a single system prompt. */
    public String systemText() {
        return String.join("\n\n", system);
    }

    /**
     * Where the current turn starts: the index of the last user message that answers no tool call. Providers that
     * want the model's reasoning back in a tool loop (Ollama, DeepSeek) get it from here on; older reasoning would
     * only cost context.
     */
    public int currentTurnStart() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            LlmMessage message = messages.get(i);
            if (message.role() == LlmMessage.Role.USER && !message.has(Part.ToolResult.class)) {
                return i;
            }
        }
        return 0;
    }

    /** Whether the model is asked to think. */
    public boolean thinks() {
        return reasoning.filter(ReasoningEffort::thinks).isPresent();
    }
}
