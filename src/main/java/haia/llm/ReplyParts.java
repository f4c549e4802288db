package haia.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds a reply's parts from the pieces a provider sends, in the order they start: text pieces join into one text
 * part until something else comes between, thinking pieces into one thinking part until its signature ends it, tool
 * calls collect their argument pieces. Blocking mappings add whole blocks, stream decoders (through
 * {@link StreamedReply}) add pieces as they arrive; both end with {@link #response}.
 */
public final class ReplyParts implements ReplyPieces {

    private sealed interface Slot {
    }

    private static final class TextSlot implements Slot {
        final StringBuilder text = new StringBuilder();
    }

    private static final class ThinkingSlot implements Slot {
        final StringBuilder text = new StringBuilder();
        String signature;
        String redacted;
    }

    private static final class ToolSlot implements Slot {
        final String id;
        final String name;
        final StringBuilder arguments = new StringBuilder();

        ToolSlot(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private final String provider;
    private final List<Slot> slots = new ArrayList<>(2);
    private final List<ToolSlot> tools = new ArrayList<>(0);

    /** @param provider the provider type, recorded on thinking parts (which only it may get back) */
    public ReplyParts(String provider) {
        this.provider = provider;
    }

    @Override
    public void text(String piece) {
        if (piece.isEmpty()) {
            return;
        }
        if (!(last() instanceof TextSlot)) {
            slots.add(new TextSlot());
        }
        ((TextSlot) last()).text.append(piece);
    }

    @Override
    public void thinking(String piece) {
        if (piece.isEmpty()) {
            return;
        }
        openThinking().text.append(piece);
    }

    /** The signature of the thinking so far; it closes that thinking part (or stands alone, Gemini's way). */
    @Override
    public void signature(String signature) {
        if (signature.isEmpty()) {
            return;
        }
        openThinking().signature = signature;
    }

    /** Reasoning the provider sent encrypted (Anthropic's {@code redacted_thinking}): a part of its own. */
    @Override
    public void redactedThinking(String data) {
        ThinkingSlot slot = new ThinkingSlot();
        slot.redacted = data;
        slots.add(slot);
    }

    /**
     * A tool call starts.
     *
     * @return its index among this reply's tool calls, for {@link #toolArguments}
     */
    @Override
    public int toolCall(String id, String name) {
        ToolSlot slot = new ToolSlot(id, name);
        slots.add(slot);
        tools.add(slot);
        return tools.size() - 1;
    }

    @Override
    public void toolArguments(int index, String piece) {
        tools.get(index).arguments.append(piece);
    }

    public int toolCalls() {
        return tools.size();
    }

    /** The parts so far: a tool call's arguments that never came are {@code {}} (Anthropic streams none for none). */
    public List<Part> parts() {
        List<Part> parts = new ArrayList<>(slots.size());
        for (Slot slot : slots) {
            parts.add(switch (slot) {
                case TextSlot t -> new Part.Text(t.text.toString());
                case ThinkingSlot t -> new Part.Thinking(t.text.toString(), Optional.ofNullable(t.signature),
                                                         Optional.ofNullable(t.redacted), provider);
                case ToolSlot t -> new Part.ToolCall(t.id, t.name, t.arguments.isEmpty() ? "{}"
                        : t.arguments.toString());
            });
        }
        return parts;
    }

    /**
     * The finished reply. A reply that calls tools finishes with {@link FinishReason#TOOL_CALLS} whatever the
     * provider said (Ollama and Gemini end such turns with a plain stop).
     */
    public LlmResponse response(FinishReason finish, Usage usage, String model, Optional<String> requestId) {
        FinishReason reason = !tools.isEmpty() && finish == FinishReason.STOP ? FinishReason.TOOL_CALLS : finish;
        return new LlmResponse(parts(), reason, usage, model, requestId);
    }

    private ThinkingSlot openThinking() {
        if (!(last() instanceof ThinkingSlot open) || open.signature != null || open.redacted != null) {
            ThinkingSlot slot = new ThinkingSlot();
            slots.add(slot);
            return slot;
        }
        return open;
    }

    private Slot last() {
        return slots.isEmpty() ? null : slots.getLast();
    }
}
