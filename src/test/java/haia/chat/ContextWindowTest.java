package haia.chat;

import java.util.List;

import haia.llm.LlmMessage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private static List<LlmMessage> exchanges(int from, int to) {
        List<LlmMessage> messages = new java.util.ArrayList<>();
        for (int i = from; i < to; i++) {
            messages.add(LlmMessage.user("u" + i));
            messages.add(LlmMessage.assistant("a" + i));
        }
        return messages;
    }

    @Test
    void aBlockWindowKeepsBetweenSizeAndSizePlusStepAndDropsAStepAtOnce() {
        for (int turn = 10; turn < 100; turn++) {
            List<LlmMessage> stored = exchanges(0, turn);
            List<LlmMessage> turnNow = List.of(LlmMessage.user("now"));
            int kept = ContextWindow.assemble(stored, 0, List.of(), turnNow, 20, 10).size();
            assertTrue(kept >= 19 && kept < 30, turn + " exchanges keep " + kept);
            int sliding = ContextWindow.assemble(stored, 0, List.of(), turnNow, 20, 0).size();
            assertEquals(19, sliding, "a step of 0 slides by each exchange: nine of them and the turn");
        }
    }

    @Test
    void theWindowsStartStaysPutForSeveralTurnsWhereverTheStoredTailBegins() {
        // turn after turn of one conversation: the first message sent is the same until a whole block is dropped
        List<String> firsts = new java.util.ArrayList<>();
        for (int turn = 15; turn < 30; turn++) {
            List<LlmMessage> stored = exchanges(0, turn);
            int limit = 30;
            List<LlmMessage> tail = stored.subList(Math.max(0, stored.size() - limit), stored.size());
            long before = stored.size() - tail.size();
            List<LlmMessage> window = ContextWindow.assemble(tail, before, List.of(),
                                                             List.of(LlmMessage.user("now" + turn)), 20, 10);
            assertTrue(window.size() >= 20 && window.size() <= 30, "turn " + turn + ": " + window.size());
            assertEquals(LlmMessage.Role.USER, window.getFirst().role());
            firsts.add(window.getFirst().text());
        }
        // total = 2 * turn + 1: the start moves at 30, 40, 50 messages (turns 15, 20, 25)
        assertEquals(List.of("u5", "u5", "u5", "u5", "u5", "u10", "u10", "u10", "u10", "u10", "u15", "u15", "u15",
                             "u15", "u15"), firsts);
    }

    @Test
    void aBlockBoundaryInsideAToolLoopMovesTheStartToTheNextUserTurn() {
        List<LlmMessage> stored = new java.util.ArrayList<>(exchanges(0, 4));
        stored.add(LlmMessage.user("check pve2"));
        stored.add(haia.llm.TestRequests.assistant(new haia.llm.Part.ToolCall("c1", "node_status", "{}")));
        stored.add(haia.llm.TestRequests.user(haia.llm.TestRequests.result("c1", "node_status", "down")));
        stored.add(LlmMessage.assistant("pve2 is down"));
        stored.addAll(exchanges(4, 10));
        // whatever the size, a block boundary that falls inside the tool loop moves on to the next user turn
        for (int size = 2; size < 16; size++) {
            List<LlmMessage> window = ContextWindow.assemble(stored, 0, List.of(), List.of(LlmMessage.user("now")),
                                                             size, 3);
            assertTrue(ContextWindow.opensATurn(window.getFirst()), "size " + size + ": " + window.getFirst());
            assertEquals(window, ContextWindow.paired(window), "no call without its result");
        }
    }

    /** Exchange i as HAIA's agent loop stores it: the question, and one reply holding three tool rounds. */
    private static List<LlmMessage> loopExchange(int i) {
        List<haia.llm.Part> reply = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) {
            String id = "c" + i + "_" + round;
            reply.add(new haia.llm.Part.ToolCall(id, "node_status", "{}"));
            reply.add(haia.llm.TestRequests.result(id, "node_status", "pve" + round + " up"));
        }
        reply.add(new haia.llm.Part.Text("a" + i));
        return List.of(LlmMessage.user("u" + i), haia.llm.TestRequests.assistant(reply.toArray(haia.llm.Part[]::new)));
    }

    /** Exchange i as a client that runs its own tools sends it: a row per call and per result. */
    private static List<LlmMessage> clientLoopExchange(int i) {
        List<LlmMessage> rows = new java.util.ArrayList<>();
        rows.add(LlmMessage.user("u" + i));
        for (int round = 0; round < 3; round++) {
            String id = "k" + i + "_" + round;
            rows.add(haia.llm.TestRequests.assistant(new haia.llm.Part.ToolCall(id, "node_status", "{}")));
            rows.add(haia.llm.TestRequests.user(haia.llm.TestRequests.result(id, "node_status", "up")));
        }
        rows.add(LlmMessage.assistant("a" + i));
        return rows;
    }

    private static List<String> said(List<LlmMessage> window) {
        return window.stream().filter(m -> m.role() == LlmMessage.Role.USER && ContextWindow.opensATurn(m))
                .map(LlmMessage::text).toList();
    }

    @Test
    void tenToolHeavyExchangesKeepAllTen() {
        List<LlmMessage> haiaLoops = new java.util.ArrayList<>();
        List<LlmMessage> clientLoops = new java.util.ArrayList<>();
        for (int i = 0; i < 9; i++) {
            haiaLoops.addAll(loopExchange(i));
            clientLoops.addAll(clientLoopExchange(i));
        }
        // nine stored, the tenth being asked: 19 messages a person sees, within the default window of 20
        List<String> all = List.of("u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "now");
        for (List<LlmMessage> stored : List.of(haiaLoops, clientLoops)) {
            for (int step : new int[] {0, 10}) {
                List<LlmMessage> window = ContextWindow.assemble(stored, 0, List.of(),
                                                                 List.of(LlmMessage.user("now")), 20, step);
                assertEquals(all, said(window), "step " + step);
                assertEquals(window, ContextWindow.paired(window), "every call with its result");
                assertEquals(window, ContextWindow.merged(window), "roles alternate");
                assertEquals(1 + 9 * 8, window.size(), "the tool rounds travel with their exchanges");
            }
        }
    }

    @Test
    void theWindowCountsWhatAPersonSeesAndStartsAtAnExchange() {
        List<LlmMessage> stored = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            stored.addAll(i % 2 == 0 ? clientLoopExchange(i) : loopExchange(i));
        }
        for (int size = 1; size < 25; size++) {
            List<LlmMessage> window = ContextWindow.assemble(stored, 0, List.of(), List.of(LlmMessage.user("now")),
                                                             size, 0);
            int seen = ContextWindow.seenCount(window);
            assertTrue(seen <= size && seen >= size - 1, "size " + size + " sees " + seen);
            assertTrue(ContextWindow.opensATurn(window.getFirst()), "size " + size);
        }
    }

    @Test
    void toolHeavyExchangesMoveTheBlockStartInWholeExchangesAndKeepItPut() {
        List<String> firsts = new java.util.ArrayList<>();
        List<LlmMessage> stored = new java.util.ArrayList<>();
        for (int turn = 0; turn < 40; turn++) {
            List<LlmMessage> window = ContextWindow.assemble(stored, 0, List.of(),
                                                             List.of(LlmMessage.user("u" + turn)), 20, 10);
            int seen = ContextWindow.seenCount(window);
            assertTrue(seen < 30 && (turn < 10 || seen >= 19), "turn " + turn + " sees " + seen);
            firsts.add(window.getFirst().text());
            stored.addAll(loopExchange(turn));
        }
        // 2 * turn + 1 seen: the start moves at turns 15, 20, 25, ... and stays put between
        assertEquals(List.of("u0", "u5", "u10", "u15", "u20", "u25"), firsts.stream().distinct().toList());
        assertEquals(15, firsts.indexOf("u5"));
    }
}
