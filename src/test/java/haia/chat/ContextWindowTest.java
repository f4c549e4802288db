package haia.chat;

import java.util.List;

import haia.llm.LlmMessage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ContextWindowTest {

    @Test
    void keepsTheNewestMessagesStartingWithAUserTurn() {
        List<LlmMessage> stored = List.of(LlmMessage.user("u1"), LlmMessage.assistant("a1"), LlmMessage.user("u2"),
                                          LlmMessage.assistant("a2"));
        assertEquals(List.of(LlmMessage.user("u2"), LlmMessage.assistant("a2"), LlmMessage.user("u3")),
                     ContextWindow.assemble(stored, List.of(), List.of(LlmMessage.user("u3")), 4));
    }

    @Test
    void mergesConsecutiveTurnsOfTheSameRole() {
        List<LlmMessage> stored = List.of(LlmMessage.user("u1"), LlmMessage.user("u1b"), LlmMessage.assistant("a1"));
        assertEquals(List.of(LlmMessage.user("u1\n\nu1b"), LlmMessage.assistant("a1"), LlmMessage.user("u2\n\nu2b")),
                     ContextWindow.assemble(stored, List.of(), List.of(LlmMessage.user("u2"), LlmMessage.user("u2b")), 20));
    }

    @Test
    void importsSitBetweenTheStoredTailAndTheNewTurn() {
        assertEquals(List.of(LlmMessage.user("old"), LlmMessage.assistant("reply"), LlmMessage.user("new")),
                     ContextWindow.assemble(List.of(), List.of(LlmMessage.user("old"), LlmMessage.assistant("reply")),
                                            List.of(LlmMessage.user("new")), 20));
    }

    @Test
    void aWindowOfOneIsJustTheNewTurn() {
        assertEquals(List.of(LlmMessage.user("now")),
                     ContextWindow.assemble(List.of(LlmMessage.user("a"), LlmMessage.assistant("b")), List.of(),
                                            List.of(LlmMessage.user("now")), 1));
    }

    @Test
    void aClientsOwnContextGoesWholeHoweverLong() {
        List<LlmMessage> history = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            history.add(i % 2 == 0 ? LlmMessage.user("q" + i) : LlmMessage.assistant("a" + i));
        }
        List<LlmMessage> context = ContextWindow.clientContext(history, List.of(LlmMessage.user("now")));
        assertEquals(31, context.size(), "no window applies to what the client sent");
        assertEquals(LlmMessage.user("q0"), context.getFirst());
        assertEquals(LlmMessage.user("now"), context.getLast());
    }

    @Test
    void aClientContextOpeningWithTheAssistantKeepsItBehindAPlaceholderTurn() {
        List<LlmMessage> context = ContextWindow.clientContext(
                List.of(LlmMessage.assistant("Hi, I classify tickets."), LlmMessage.user("disk full"),
                        LlmMessage.assistant("storage")), List.of(LlmMessage.user("vm stuck"), LlmMessage.user("on pve2")));
        assertEquals(List.of(LlmMessage.user(ContextWindow.OPENING), LlmMessage.assistant("Hi, I classify tickets."),
                             LlmMessage.user("disk full"), LlmMessage.assistant("storage"),
                             LlmMessage.user("vm stuck\n\non pve2")), context);
    }
}
