package haia.chat;

import java.util.ArrayList;
import java.util.List;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.TestRequests;
import haia.llm.TokenEstimate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBudgetTest {

    @Test
    void aWindowWithinTheBudgetIsLeftAlone() {
        List<LlmMessage> window = List.of(LlmMessage.user("q1"), LlmMessage.assistant("a1"), LlmMessage.user("q2"));
        assertEquals(window, TokenBudget.fit(window, 100, 1000, "haia"));
    }

    @Test
    void anOversizedEarlierMessageKeepsItsHeadAndTailAroundAMarker() {
        String paste = "HEAD " + "x".repeat(100_000) + " TAIL";
        List<LlmMessage> fitted = TokenBudget.fit(List.of(LlmMessage.user(paste), LlmMessage.assistant("seen"),
                                                          LlmMessage.user("and?")), 0, 10_000, "haia");
        String shortened = fitted.getFirst().text();
        assertTrue(shortened.startsWith("HEAD ") && shortened.endsWith(" TAIL"), "head and tail kept");
        assertTrue(shortened.contains("characters left out here by HAIA"), "a visible marker");
        assertTrue(TokenEstimate.of(fitted.getFirst()) <= 10_000 / TokenBudget.SHARE + 10, "a quarter of the budget");
        assertEquals(TokenBudget.fit(List.of(LlmMessage.user(paste), LlmMessage.assistant("seen"),
                                             LlmMessage.user("and?")), 0, 10_000, "haia"), fitted,
                     "the same every time, so a cached prefix stays valid");
    }

    @Test
    void olderTurnsDropFirstAndWholeKeepingToolCallsWithTheirResults() {
        List<LlmMessage> window = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            window.add(LlmMessage.user("question " + i + " " + "y".repeat(3000)));
            window.add(TestRequests.assistant(new Part.ToolCall("c" + i, "node_status", "{}")));
            window.add(TestRequests.user(TestRequests.result("c" + i, "node_status", "z".repeat(3000))));
            window.add(LlmMessage.assistant("answer " + i));
        }
        window.add(LlmMessage.user("now"));
        List<LlmMessage> fitted = TokenBudget.fit(window, 500, 4000, "haia");
        assertTrue(500 + TokenEstimate.ofMessages(fitted) <= 4000, "within the budget");
        assertTrue(ContextWindow.opensATurn(fitted.getFirst()), "starts with a user turn");
        assertEquals(fitted, ContextWindow.paired(fitted), "no call without its result");
        assertEquals(LlmMessage.user("now"), fitted.getLast());
        assertTrue(fitted.getFirst().text().startsWith("question 4") || fitted.getFirst().text().startsWith("question 5"),
                   "the newest turns stay: " + fitted.getFirst().text().substring(0, 12));
    }

    @Test
    void aCurrentMessageThatAloneExceedsTheBudgetIsRefusedNotCut() {
        RequestRefused refused = assertThrows(RequestRefused.class, () -> TokenBudget.fit(
                List.of(LlmMessage.assistant("hi"), LlmMessage.user("w".repeat(50_000))), 100, 10_000, "haia"));
        assertEquals("messages", refused.param());
        assertTrue(refused.getMessage().contains("at most 10,000"), refused.getMessage());
    }

    @Test
    void theDefaultBudgetIsAQuarterOfTheModelsContextAtMost50000() {
        assertEquals(50_000, TokenBudget.defaultBudget("claude-haiku-4-5-20251001"));
        assertEquals(32_000, TokenBudget.defaultBudget("gpt-4o-mini"));
        assertEquals(50_000, TokenBudget.defaultBudget("gemini-2.5-flash"));
        assertEquals(8_000, TokenBudget.defaultBudget("llama3.2:latest"));
    }
}
