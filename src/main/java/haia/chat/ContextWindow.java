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
        List<LlmMessage> window = new ArrayList<>();
        for (LlmMessage message : all.subList(start, all.size())) {
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
