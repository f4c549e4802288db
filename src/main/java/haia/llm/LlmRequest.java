package haia.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A provider-neutral model call.
 *
 * <p>The pipeline guarantees the shape every provider needs: {@code messages} is non-empty, starts and ends with a
 * user turn and alternates user/assistant. Sampling values are already validated against OpenAI's ranges; each
 * provider translates them to its own (e.g. Anthropic's temperature tops out at 1).
 *
 * @param model       the upstream model name (e.g. {@code claude-haiku-4-5-20251001}, {@code llama3.2})
 * @param system      the system prompt: persona plus whatever system text the client sent
 * @param messages    the conversation window, oldest first
 * @param maxTokens   upper bound on generated tokens
 * @param temperature sampling temperature on OpenAI's 0..2 scale, when the client set one
 * @param topP        nucleus sampling, when the client set it
 * @param stop        stop sequences (may be empty)
 * @param user        an opaque end-user id for the provider's abuse tracking, when the client sent one
 */
public record LlmRequest(String model,
                         Optional<String> system,
                         List<LlmMessage> messages,
                         int maxTokens,
                         OptionalDouble temperature,
                         OptionalDouble topP,
                         List<String> stop,
                         Optional<String> user) {

    public LlmRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(system, "system");
        messages = List.copyOf(messages);
        stop = List.copyOf(stop);
        Objects.requireNonNull(temperature, "temperature");
        Objects.requireNonNull(topP, "topP");
        Objects.requireNonNull(user, "user");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("an LLM request needs at least one message");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive");
        }
    }

    /** The same request addressed to another upstream model (used when a fallback model answers). */
    public LlmRequest withModel(String otherModel) {
        return new LlmRequest(otherModel, system, messages, maxTokens, temperature, topP, stop, user);
    }
}
