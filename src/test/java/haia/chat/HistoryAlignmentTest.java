package haia.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.store.ContentHash;
import haia.store.MessageKey;

import org.junit.jupiter.api.Test;

import static haia.chat.HistoryAlignment.Mode.BRANCH;
import static haia.chat.HistoryAlignment.Mode.CLIENT;
import static haia.chat.HistoryAlignment.Mode.THREAD;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The alignment rules, case by case (ids of stored messages are 10, 20, 30, ...). */
class HistoryAlignmentTest {

    /** A live branch with the given texts, alternating user/assistant from a user turn. */
    private static List<MessageKey> live(String... texts) {
        List<MessageKey> keys = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            keys.add(new MessageKey((i + 1) * 10L, i % 2 == 0 ? LlmMessage.Role.USER : LlmMessage.Role.ASSISTANT,
                                    ContentHash.of(texts[i])));
        }
        return keys;
    }

    private static List<LlmMessage> history(String... texts) {
        List<LlmMessage> messages = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            messages.add(i % 2 == 0 ? LlmMessage.user(texts[i]) : LlmMessage.assistant(texts[i]));
        }
        return messages;
    }

    private static List<LlmMessage> turn(String text) {
        return List.of(LlmMessage.user(text));
    }

    @Test
    void theWholeStoredConversationPlusANewMessageIsANewTurn() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1"), history("u1", "a1"), turn("u2"));
        assertEquals(new TurnPlan(TurnPlan.Kind.NEW_TURN, OptionalLong.empty(), List.of(), turn("u2")), plan);
    }

    @Test
    void aFirstMessageIsANewTurn() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, List.of(), List.of(), turn("hello"));
        assertEquals(TurnPlan.Kind.NEW_TURN, plan.kind());
        assertEquals(turn("hello"), plan.userTurn());
    }

    @Test
    void repeatingTheLastStoredUserTurnRegeneratesItsAnswer() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1", "u2", "a2"), history("u1", "a1"), turn("u2"));
        assertEquals(new TurnPlan(TurnPlan.Kind.REGENERATE, OptionalLong.of(40), List.of(), List.of()), plan);
    }

    @Test
    void regeneratingTheFirstAnswerWorksWithNoHistory() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1"), List.of(), turn("u1"));
        assertEquals(new TurnPlan(TurnPlan.Kind.REGENERATE, OptionalLong.of(20), List.of(), List.of()), plan);
    }

    @Test
    void regeneratingAnEarlierAnswerSupersedesEverythingAfterIt() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1", "u2", "a2", "u3", "a3"), history("u1", "a1"),
                                              turn("u2"));
        assertEquals(TurnPlan.Kind.REGENERATE, plan.kind());
        assertEquals(OptionalLong.of(40), plan.supersedeFrom());
    }

    @Test
    void aChangedUserTurnAtAStoredPositionIsAnEdit() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1", "u2", "a2"), history("u1", "a1"),
                                              turn("u2 edited"));
        assertEquals(new TurnPlan(TurnPlan.Kind.EDIT, OptionalLong.of(30), List.of(), turn("u2 edited")), plan);
    }

    @Test
    void editingTheFirstMessage() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1", "u2", "a2"), List.of(), turn("u1 edited"));
        assertEquals(new TurnPlan(TurnPlan.Kind.EDIT, OptionalLong.of(10), List.of(), turn("u1 edited")), plan);
    }

    @Test
    void historyTheServerNeverSawIsImported() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, List.of(), history("u1", "a1", "u2", "a2"), turn("u3"));
        assertEquals(new TurnPlan(TurnPlan.Kind.IMPORT, OptionalLong.empty(), history("u1", "a1", "u2", "a2"),
                                  turn("u3")), plan);
    }

    @Test
    void historyBeyondTheStoredBranchImportsOnlyWhatIsMissing() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1"), history("u1", "a1", "u2", "a2 partial"),
                                              turn("u3"));
        assertEquals(new TurnPlan(TurnPlan.Kind.IMPORT, OptionalLong.empty(), history("u2", "a2 partial"),
                                  turn("u3")), plan);
        assertEquals(List.of(LlmMessage.user("u2"), LlmMessage.assistant("a2 partial")), plan.imports());
    }

    @Test
    void aDifferentBranchSupersedesTheStoredOneFromWhereTheyDiverge() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1", "a1", "u2", "a2"), history("u1", "a1", "x2", "b2"),
                                              turn("x3"));
        assertEquals(TurnPlan.Kind.IMPORT, plan.kind());
        assertEquals(OptionalLong.of(30), plan.supersedeFrom());
        assertEquals(List.of(LlmMessage.user("x2"), LlmMessage.assistant("b2")), plan.imports());
    }

    @Test
    void whitespaceAtTheEndsAndLineEndingsDoNotBreakAlignment() {
        TurnPlan plan = HistoryAlignment.plan(BRANCH, live("u1\nline two", "a1"), history("  u1\r\nline two\n", "a1 "),
                                              turn("u2"));
        assertEquals(TurnPlan.Kind.NEW_TURN, plan.kind());
    }

    @Test
    void aThreadClientAlwaysAddsItsTrailingUserMessages() {
        TurnPlan plan = HistoryAlignment.plan(THREAD, live("u1", "a1"), history("something", "else"),
                                              List.of(LlmMessage.user("q1"), LlmMessage.user("q2")));
        assertEquals(new TurnPlan(TurnPlan.Kind.NEW_TURN, OptionalLong.empty(), List.of(), List.of(LlmMessage.user("q1"), LlmMessage.user("q2"))), plan);
    }

    // ---- parts: what clients send back of earlier messages with more than text ----

    /** A live branch of these stored messages. */
    private static List<MessageKey> liveOf(LlmMessage... stored) {
        List<MessageKey> keys = new ArrayList<>();
        for (int i = 0; i < stored.length; i++) {
            keys.add(new MessageKey((i + 1) * 10L, stored[i].role(), ContentHash.of(stored[i])));
        }
        return keys;
    }

    /**
     * OpenWebUI resends a pasted picture as a data URL every turn; HAIA stored a reference to its bytes. A reply is
     * resent without the reasoning HAIA kept, or with it as think tags; tool calls with their arguments re-serialized.
     * All of it is the same branch: a new turn.
     */
    @Test
    void picturesReasoningAndToolCallsAreRecognisedAsClientsResendThem() {
        byte[] png = haia.llm.TestRequests.PNG;
        var thinking = new haia.llm.Part.Thinking("quorum math", java.util.Optional.of("sig"), java.util.Optional.empty(),
                                                  "anthropic");
        List<MessageKey> stored = liveOf(
                haia.llm.TestRequests.user(new haia.llm.Part.Text("this error?"), new haia.llm.Part.Image(
                        new haia.llm.Part.Image.Stored(7, "image/png", png.length, ContentHash.sha256Hex(png)))),
                haia.llm.TestRequests.assistant(thinking, new haia.llm.Part.Text("Checking."),
                                                new haia.llm.Part.ToolCall("call_1", "node_status", "{\"node\":\"pve1\"}")),
                haia.llm.TestRequests.user(haia.llm.TestRequests.result("call_1", "node_status", "online")),
                haia.llm.TestRequests.assistant(thinking, new haia.llm.Part.Text("pve1 is fine.")));
        List<LlmMessage> resent = List.of(
                haia.llm.TestRequests.user(new haia.llm.Part.Text("this error?"), haia.llm.TestRequests.png()),
                haia.llm.TestRequests.assistant(new haia.llm.Part.Text("Checking."),
                                                new haia.llm.Part.ToolCall("call_1", "node_status", "{\"node\": \"pve1\"}")),
                haia.llm.TestRequests.user(haia.llm.TestRequests.result("call_1", "node_status", "online\n")),
                LlmMessage.assistant("<think>quorum math</think>pve1 is fine."));
        assertEquals(TurnPlan.Kind.NEW_TURN, HistoryAlignment.plan(BRANCH, stored, resent, turn("and pve2?")).kind());

        List<LlmMessage> otherPicture = new ArrayList<>(resent);
        otherPicture.set(0, haia.llm.TestRequests.user(new haia.llm.Part.Text("this error?"), new haia.llm.Part.Image(
                new haia.llm.Part.Image.Inline("image/png", java.util.Arrays.copyOf(png, png.length + 1)))));
        assertEquals(TurnPlan.Kind.IMPORT, HistoryAlignment.plan(BRANCH, stored, otherPicture, turn("and pve2?")).kind(),
                     "another picture is another message");
    }

    // ---- requests without a conversation header: the default thread, or the client's own context ----

    @Test
    void onlyNewMessagesContinueTheDefaultThread() {
        assertEquals(THREAD, HistoryAlignment.withoutConversationHeader(history("u1", "a1"), List.of()));
        assertEquals(THREAD, HistoryAlignment.withoutConversationHeader(List.of(), List.of()));
    }

    @Test
    void historyEndingLikeTheThreadContinuesIt() {
        List<LlmMessage> thread = history("u1", "a1", "u2", "a2");
        assertEquals(THREAD, HistoryAlignment.withoutConversationHeader(thread, history("u1", "a1", "u2", "a2")));
        assertEquals(THREAD, HistoryAlignment.withoutConversationHeader(thread, history("u2", "a2").subList(0, 2)),
                     "the client shows less than the window");
        List<LlmMessage> longer = new ArrayList<>(history("u0", "a0"));
        longer.addAll(thread);
        assertEquals(THREAD, HistoryAlignment.withoutConversationHeader(thread, longer),
                     "the client has older messages than the window holds");
        assertEquals(THREAD, HistoryAlignment.withoutConversationHeader(thread, history("u1", "a1", "u2", "a2 \r\n")),
                     "whitespace at the ends and line endings do not count");
    }

    @Test
    void historyTheThreadDoesNotEndWithIsTheClientsOwnContext() {
        List<LlmMessage> thread = history("u1", "a1", "u2", "a2");
        assertEquals(CLIENT, HistoryAlignment.withoutConversationHeader(thread, history("2+2?", "4")),
                         "few-shot examples");
        assertEquals(CLIENT, HistoryAlignment.withoutConversationHeader(thread, history("u1", "a1")),
                     "an older point of the thread (another chat, or a regenerate)");
        assertEquals(CLIENT, HistoryAlignment.withoutConversationHeader(List.of(), history("u1", "a1")),
                     "no thread yet");
        assertEquals(CLIENT, HistoryAlignment.withoutConversationHeader(
                thread, List.of(LlmMessage.user("u2"), LlmMessage.user("a2"))), "same texts, other roles");
    }
}
