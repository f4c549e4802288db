package haia.chat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * Assembles the messages the model sees: the newest messages of the conversation (stored tail, then imported
 * history, then the new user turn), in the shape every provider accepts:
 * <ul>
 *     <li>it starts with something the user said: never with an assistant message, and never with tool results whose
 *         calls were cut off (tool calls and their results stay together, or neither is there);</li>
 *     <li>every tool call is answered in the next message, and every tool result answers a call in the message
 *         before; what cannot be paired (history from a client that dropped half a pair) is kept as text;</li>
 *     <li>consecutive messages of the same role are merged so roles alternate (Anthropic and Gemini reject anything
 *         else), and messages with nothing in them are left out.</li>
 * </ul>
 */
public final class ContextWindow {

    /** The user turn put before a client context that opens with the assistant. */
    static final String OPENING = "(start of the conversation)";

    private ContextWindow() {
    }

    /** The newest {@code size} messages a person sees, in whole exchanges, one exchange further with every turn. */
    public static List<LlmMessage> assemble(List<LlmMessage> storedTail, List<LlmMessage> imports,
                                            List<LlmMessage> userTurn, int size) {
        return assemble(storedTail, 0, imports, userTurn, size, 0);
    }

    /**
     * The window: the newest whole exchanges of the conversation that hold at most {@code size} messages a person
     * sees (what the user said and the final replies, {@link #seen}, the turn being answered included). Tool calls, tool
     * results and reasoning inside an exchange travel with it and are not counted: a thread of tool-heavy exchanges
     * keeps as many exchanges as a thread of plain ones (the token budget and {@link Ageing} bound their size). The
     * window starts where an exchange starts, a user turn; so it moves in whole exchanges.
     *
     * <p>With a {@code step}, the start moves in blocks, so that it, and with it the prompt a provider has cached,
     * stays put for several turns: it sits at the first exchange from the block boundary (a multiple of {@code step}
     * in positions of the live branch) before where the sliding window would start, so it keeps up to about
     * {@code size + step} seen messages and drops whole blocks at once.
     *
     * @param before how many live messages of the conversation come before {@code storedTail} (their positions
     *               decide where the blocks are)
     * @param step   how many positions the block boundary moves at once; 0 slides the window by each exchange
     */
    public static List<LlmMessage> assemble(List<LlmMessage> storedTail, long before, List<LlmMessage> imports,
                                            List<LlmMessage> userTurn, int size, int step) {
        List<LlmMessage> all = new ArrayList<>(storedTail.size() + imports.size() + userTurn.size());
        all.addAll(storedTail);
        all.addAll(imports);
        all.addAll(userTurn);
        return shaped(unfolded(all.subList(start(all, before, size, step), all.size())));
    }

    /**
     * Where the window over {@code all} (stored replies folded: one per exchange) starts: at the first exchange
     * from the {@code size}-th newest seen message on, or, with a step, at the first exchange from the last block
     * boundary before that message. Where no user turn opens an exchange there (the window's whole length is one tool loop),
     * it starts at that message, and what lost its pair becomes text.
     */
    static int start(List<LlmMessage> all, long before, int size, int step) {
        int need = all.size();
        int seen = 0;
        while (need > 0 && seen < Math.max(1, size)) {
            need--;
            if (seen(all, need)) {
                seen++;
            }
        }
        if (seen < size) {
            return 0;   // the whole tail fits
        }
        int opening = need;
        while (opening < all.size() && !opensATurn(all.get(opening))) {
            opening++;
        }
        if (opening == all.size()) {
            return need;
        }
        if (step <= 0) {
            return opening;
        }
        long boundary = (before + need) / step * step;
        int from = (int) Math.max(0, boundary - before);
        while (from < opening && !opensATurn(all.get(from))) {
            from++;
        }
        return from;
    }

    /**
     * Whether a person sees this message of the conversation: something the user said (not a tool result a client
     * sent), or a reply that ends an exchange (an assistant message whose tool calls are not answered next). A
     * stored reply of HAIA's agent loop holds its whole loop and is one.
     */
    static boolean seen(List<LlmMessage> all, int i) {
        LlmMessage message = all.get(i);
        if (message.role() == LlmMessage.Role.USER) {
            return opensATurn(message);
        }
        return i + 1 >= all.size() || !all.get(i + 1).has(Part.ToolResult.class);
    }

    /** How many seen messages {@code messages} holds (a stored tail is full enough when this reaches the size). */
    static int seenCount(List<LlmMessage> messages) {
        int seen = 0;
        for (int i = 0; i < messages.size(); i++) {
            seen += seen(messages, i) ? 1 : 0;
        }
        return seen;
    }

    /**
     * A context the client sent itself (its own history, few-shot examples, a task prompt): all of it, in order,
     * same-role messages merged. Nothing is cut, not even a leading assistant message (a greeting, the first half of
     * an example): it follows a placeholder user turn, {@value #OPENING}, since Anthropic and Gemini want the user
     * first.
     */
    public static List<LlmMessage> clientContext(List<LlmMessage> history, List<LlmMessage> userTurn) {
        List<LlmMessage> all = new ArrayList<>(history.size() + userTurn.size() + 1);
        if (!history.isEmpty() && history.getFirst().role() != LlmMessage.Role.USER) {
            all.add(LlmMessage.user(OPENING));
        }
        all.addAll(unfolded(history));
        all.addAll(userTurn);
        return shaped(all);
    }

    /**
     * Stored replies of HAIA's agent loop unfolded into the messages the model exchanged: an assistant message that
     * holds tool results (the whole loop, stored as one reply) becomes assistant (thinking, text, calls), user
     * (results), ..., assistant (the answer). Everything else stays as it is.
     */
    static List<LlmMessage> unfolded(List<LlmMessage> messages) {
        if (messages.stream().noneMatch(m -> m.role() == LlmMessage.Role.ASSISTANT && m.has(Part.ToolResult.class))) {
            return messages;
        }
        List<LlmMessage> out = new ArrayList<>(messages.size() + 4);
        for (LlmMessage message : messages) {
            if (message.role() != LlmMessage.Role.ASSISTANT || !message.has(Part.ToolResult.class)) {
                out.add(message);
                continue;
            }
            List<Part> said = new ArrayList<>();
            List<Part> results = new ArrayList<>();
            for (Part part : message.parts()) {
                if (part instanceof Part.ToolResult) {
                    if (!said.isEmpty()) {
                        out.add(new LlmMessage(LlmMessage.Role.ASSISTANT, said));
                        said = new ArrayList<>();
                    }
                    results.add(part);
                } else {
                    if (!results.isEmpty()) {
                        out.add(new LlmMessage(LlmMessage.Role.USER, results));
                        results = new ArrayList<>();
                    }
                    said.add(part);
                }
            }
            if (!results.isEmpty()) {
                out.add(new LlmMessage(LlmMessage.Role.USER, results));
            }
            if (!said.isEmpty()) {
                out.add(new LlmMessage(LlmMessage.Role.ASSISTANT, said));
            }
        }
        return out;
    }

    /** Whether a window may start here: a user message that answers no tool call. */
    static boolean opensATurn(LlmMessage message) {
        return message.role() == LlmMessage.Role.USER && !message.has(Part.ToolResult.class);
    }

    private static List<LlmMessage> shaped(List<LlmMessage> messages) {
        List<LlmMessage> merged = merged(messages.stream().filter(ContextWindow::saysSomething).toList());
        while (!merged.isEmpty() && merged.getFirst().role() != LlmMessage.Role.USER) {
            merged.removeFirst();
        }
        return merged(paired(merged));
    }

    private static boolean saysSomething(LlmMessage message) {
        return !message.allParts(part -> part instanceof Part.Text text && text.text().isBlank());
    }

    /**
     * Keeps every tool call with its result: a call not answered in the next message, or a result answering no call
     * in the message before, is turned into text saying what it was.
     */
    static List<LlmMessage> paired(List<LlmMessage> messages) {
        List<LlmMessage> paired = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            LlmMessage message = messages.get(i);
            if (message.role() == LlmMessage.Role.ASSISTANT) {
                Set<String> answered = i + 1 < messages.size() ? resultIds(messages.get(i + 1)) : Set.of();
                paired.add(keepOnly(message, p -> !(p instanceof Part.ToolCall call) || answered.contains(call.id())));
            } else {
                Set<String> called = i > 0 ? callIds(messages.get(i - 1)) : Set.of();
                paired.add(keepOnly(message, p -> !(p instanceof Part.ToolResult r) || called.contains(r.callId())));
            }
        }
        return paired;
    }

    private static LlmMessage keepOnly(LlmMessage message, java.util.function.Predicate<Part> keep) {
        if (message.allParts(keep)) {
            return message;
        }
        List<Part> parts = new ArrayList<>(message.parts().size());
        for (Part part : message.parts()) {
            parts.add(keep.test(part) ? part : new Part.Text(ToolHistory.asText(part)));
        }
        return new LlmMessage(message.role(), parts);
    }

    private static Set<String> resultIds(LlmMessage message) {
        List<Part.ToolResult> results = message.parts(Part.ToolResult.class);
        if (results.isEmpty()) {
            return Set.of();   // most messages: no set built for them, on every request
        }
        Set<String> ids = new HashSet<>();
        results.forEach(r -> ids.add(r.callId()));
        return ids;
    }

    private static Set<String> callIds(LlmMessage message) {
        List<Part.ToolCall> calls = message.parts(Part.ToolCall.class);
        if (calls.isEmpty()) {
            return Set.of();
        }
        Set<String> ids = new HashSet<>();
        calls.forEach(c -> ids.add(c.id()));
        return ids;
    }

    /**
     * Consecutive messages of one role become one. Texts meeting at the seam are joined with a blank line, as two
     * messages read; a user's tool results stay before what the user says next.
     */
    static List<LlmMessage> merged(List<LlmMessage> messages) {
        List<LlmMessage> window = new ArrayList<>(messages.size());
        for (LlmMessage message : messages) {
            if (window.isEmpty() || window.getLast().role() != message.role()) {
                window.add(message);
                continue;
            }
            List<Part> parts = new ArrayList<>(window.removeLast().parts());
            List<Part> next = message.parts();
            int from = 0;
            if (!parts.isEmpty() && parts.getLast() instanceof Part.Text before && !next.isEmpty()
                    && next.getFirst() instanceof Part.Text after) {
                parts.set(parts.size() - 1, new Part.Text(before.text() + "\n\n" + after.text()));
                from = 1;
            }
            parts.addAll(next.subList(from, next.size()));
            if (message.role() == LlmMessage.Role.USER) {
                // results answer the assistant message before: they come first
                List<Part> results = parts.stream().filter(Part.ToolResult.class::isInstance).toList();
                List<Part> rest = parts.stream().filter(p -> !(p instanceof Part.ToolResult)).toList();
                parts = new ArrayList<>(results);
                parts.addAll(rest);
            }
            window.add(new LlmMessage(message.role(), parts));
        }
        return window;
    }
}
