package haia.chat;

import java.util.List;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.store.ContentHash;
import haia.store.MessageKey;

/**
 * Decides what is new in a request by comparing the history the client sent with the conversation's live branch.
 *
 * <p>Three ways of talking are supported:
 * <ul>
 *     <li>{@link Mode#THREAD}: the client sends only what is new (curl, scripts), or repeats the end of the thread
 *     before it (OpenWebUI without headers, in the chat that spoke last). The trailing user messages are the new
 *     turn.</li>
 *     <li>{@link Mode#CLIENT}: a request without a conversation header carries history the default thread does not
 *     end with (few-shot examples, an SDK app's own earlier turns, another OpenWebUI chat). The client manages that
 *     context itself: the model gets exactly what it sent, nothing of the thread, and nothing is stored
 *     ({@link #withoutConversationHeader}).</li>
 *     <li>{@link Mode#BRANCH}: the client sends the whole current branch of the conversation with every request
 *     (OpenWebUI). The request is aligned with the live branch from the start:
 *     <ol>
 *         <li>history equals the live branch: <b>new turn</b>;</li>
 *         <li>history is a proper prefix of the live branch and the user turn equals the stored turn that follows:
 *             <b>regenerate</b> (the old answer and anything after it are superseded);</li>
 *         <li>history is a proper prefix and the user turn differs: <b>edit</b> (the stored turn, its answer and
 *             anything after it are superseded);</li>
 *         <li>history goes beyond what matches (never-seen chat, reset database, another branch): <b>import</b>
 *             the unmatched history, superseding the live messages it replaces, then add the turn.</li>
 *     </ol>
 *     Messages are compared by role and {@link ContentHash} (ends trimmed, line endings normalized; images by
 *     their bytes, tool calls and results by id and content; the model's reasoning, which clients drop, ignored).</li>
 * </ul>
 */
public final class HistoryAlignment {

    public enum Mode { THREAD, BRANCH, CLIENT }

    private HistoryAlignment() {
    }

    /**
     * @param mode     how the client talks
     * @param live     the conversation's live branch, oldest first (empty for a new conversation)
     * @param history  the request's messages before its trailing user turn
     * @param userTurn the request's trailing user messages
     */
    public static TurnPlan plan(Mode mode, List<MessageKey> live, List<LlmMessage> history, List<LlmMessage> userTurn) {
        List<LlmMessage> turn = userTurn;
        if (mode != Mode.BRANCH) {
            return TurnPlan.newTurn(turn);
        }
        int matched = 0;
        while (matched < history.size() && matched < live.size() && same(history.get(matched), live.get(matched))) {
            matched++;
        }
        if (matched < history.size()) {
            OptionalLong supersedeFrom = matched < live.size()
                    ? OptionalLong.of(live.get(matched).id()) : OptionalLong.empty();
            return new TurnPlan(TurnPlan.Kind.IMPORT, supersedeFrom, history.subList(matched, history.size()), turn);
        }
        if (matched == live.size()) {
            return TurnPlan.newTurn(turn);
        }
        if (repeats(live, matched, userTurn)) {
            int after = matched + userTurn.size();
            OptionalLong supersedeFrom = after < live.size() ? OptionalLong.of(live.get(after).id()) : OptionalLong.empty();
            return new TurnPlan(TurnPlan.Kind.REGENERATE, supersedeFrom, List.of(), List.of());
        }
        return new TurnPlan(TurnPlan.Kind.EDIT, OptionalLong.of(live.get(matched).id()), List.of(), turn);
    }

    /**
     * How to read a request that names no conversation: as the default thread when its history is empty or ends the
     * way the thread ends (role and text of the last messages, as far as both go), else as the client's own context.
     *
     * @param threadTail the default thread's newest live messages, oldest first
     * @param history    the request's messages before its trailing user turn
     */
    public static Mode withoutConversationHeader(List<LlmMessage> threadTail, List<LlmMessage> history) {
        if (history.isEmpty()) {
            return Mode.THREAD;
        }
        if (threadTail.isEmpty()) {
            return Mode.CLIENT;
        }
        int compared = Math.min(history.size(), threadTail.size());
        for (int i = 1; i <= compared; i++) {
            LlmMessage sent = history.get(history.size() - i);
            LlmMessage stored = threadTail.get(threadTail.size() - i);
            if (sent.role() != stored.role() || ContentHash.of(sent) != ContentHash.of(stored)) {
                return Mode.CLIENT;
            }
        }
        return Mode.THREAD;
    }

    private static boolean repeats(List<MessageKey> live, int from, List<LlmMessage> userTurn) {
        if (from + userTurn.size() > live.size()) {
            return false;
        }
        for (int i = 0; i < userTurn.size(); i++) {
            if (!same(userTurn.get(i), live.get(from + i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(LlmMessage message, MessageKey stored) {
        return message.role() == stored.role() && ContentHash.of(message) == stored.contentHash();
    }
}
