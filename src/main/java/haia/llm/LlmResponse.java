package haia.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A finished model reply.
 *
 * @param parts             what the model said, in order: thinking, text, tool calls
 * @param finishReason      why generation ended
 * @param usage             tokens billed
 * @param upstreamModel     the model that answered, as the provider named it
 * @param upstreamRequestId the provider's request id, for support tickets and log correlation
 */
public record LlmResponse(List<Part> parts,
                          FinishReason finishReason,
                          Usage usage,
                          String upstreamModel,
                          Optional<String> upstreamRequestId) {

    public LlmResponse {
        parts = List.copyOf(parts);
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        Objects.requireNonNull(upstreamRequestId, "upstreamRequestId");
    }

    /** A reply that is text only. */
    public static LlmResponse text(String text, FinishReason finishReason, Usage usage, String upstreamModel,
                                   Optional<String> upstreamRequestId) {
        return new LlmResponse(text.isEmpty() ? List.of() : List.of(new Part.Text(text)), finishReason, usage,
                               upstreamModel, upstreamRequestId);
    }

    /** Its text parts, joined without a separator (what a client reads as the reply's content). */
    public String text() {
        return Part.text(parts);
    }

    public List<Part.ToolCall> toolCalls() {
        return parts.stream().filter(Part.ToolCall.class::isInstance).map(Part.ToolCall.class::cast).toList();
    }

    /** The reply as an assistant message for the conversation. */
    public LlmMessage message() {
        return new LlmMessage(LlmMessage.Role.ASSISTANT, parts);
    }

    /** The same reply with other token counts (HAIA's estimate of what the provider did not report). */
    public LlmResponse withUsage(Usage otherUsage) {
        return new LlmResponse(parts, finishReason, otherUsage, upstreamModel, upstreamRequestId);
    }

    public LlmResponse withParts(List<Part> otherParts) {
        return new LlmResponse(otherParts, finishReason, usage, upstreamModel, upstreamRequestId);
    }
}
