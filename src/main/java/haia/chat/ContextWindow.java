package haia.chat;

import java.util.ArrayList;
import java.util.List;

import haia.llm.LlmMessage;

/**
 * Assembles the messages the model sees: the newest {@code size} messages of the conversation (stored tail, then
 * imported history, then the new user turn), trimmed so the first is a user turn, with consecutive messages of the
 * same role merged so roles alternate (Anthropic and Gemini reject anything else; the rest do not mind).
 */
public final class ContextWindow {

    private ContextWindow() {
    }

    public static List<LlmMessage> assemble(List<LlmMessage> storedTail, List<LlmMessage> imports,
                                            List<String> userTurn, int size) {
        List<LlmMessage> all = new ArrayList<>(storedTail.size() + imports.size() + userTurn.size());
        all.addAll(storedTail);
        all.addAll(imports);
        userTurn.forEach(text -> all.add(LlmMessage.user(text)));

        int start = Math.max(0, all.size() - size);
        while (start < all.size() && all.get(start).role() != LlmMessage.Role.USER) {
            start++;
        }
        return merged(all.subList(start, all.size()));
    }

    /**
     * A context the client sent itself (its own history, few-shot examples, a task prompt): all of it, in order,
     * same-role messages merged. Nothing is cut, not even a leading assistant message (a greeting, the first half of
     * an example): it follows a placeholder user turn, {@value #OPENING}, since Anthropic and Gemini want the user
     * first.
     */
    public static List<LlmMessage> clientContext(List<LlmMessage> history, List<String> userTurn) {
        List<LlmMessage> all = new ArrayList<>(history.size() + userTurn.size() + 1);
        if (!history.isEmpty() && history.getFirst().role() != LlmMessage.Role.USER) {
            all.add(LlmMessage.user(OPENING));
        }
        all.addAll(history);
        userTurn.forEach(text -> all.add(LlmMessage.user(text)));
        return merged(all);
    }

    /** The user turn put before a client context that opens with the assistant. */
    static final String OPENING = "(start of the conversation)";

    private static List<LlmMessage> merged(List<LlmMessage> messages) {
        List<LlmMessage> window = new ArrayList<>();
        for (LlmMessage message : messages) {
            if (!window.isEmpty() && window.getLast().role() == message.role()) {
                LlmMessage previous = window.removeLast();
                window.add(new LlmMessage(message.role(), previous.text() + "\n\n" + message.text()));
            } else {
                window.add(message);
            }
        }
        return window;
    }
}
