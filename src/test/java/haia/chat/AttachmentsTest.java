package haia.chat;

import java.util.List;
import java.util.OptionalInt;

import haia.llm.ModelTokens;
import haia.llm.TokenEstimate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Attached documents within the token budget, and the budget within a model's real context. */
class AttachmentsTest {

    private static final String INSTRUCTIONS = "### Task:\nRespond to the user query using the provided context.\n\n";

    @Test
    void attachmentsThatFitGoWholeAsTheClientWroteThem() {
        Attachments small = attachments("notes.txt", "ring0 mtu 9000\n");
        Attachments.Fitted fitted = small.fitted(10_000, "why");
        assertEquals(INSTRUCTIONS + "<context>\n<source id=\"1\" name=\"notes.txt\">ring0 mtu 9000\n</source>\n"
                             + "</context>\n\n<attached_files>\n<file type=\"file\" id=\"f1\" name=\"notes.txt\"/>\n"
                             + "</attached_files>", fitted.block());
        assertEquals(List.of(), fitted.notes());
    }

    @Test
    void aDocumentTooLongIsCutToItsHeadAndTailWithAMarkerAndANote() {
        String journal = "head " + "x".repeat(200_000) + " tail";
        Attachments.Fitted fitted = attachments("journal.txt", journal).fitted(5_000, "model 'haia' takes about"
                + " 50,000 tokens per request");
        assertTrue(TokenEstimate.of(fitted.block()) <= 5_000, "within the room: " + TokenEstimate.of(fitted.block()));
        assertTrue(fitted.block().contains("<source id=\"1\" name=\"journal.txt\">head "), "its head");
        assertTrue(fitted.block().contains(" tail</source>"), "its tail");
        assertTrue(fitted.block().contains("characters of journal.txt left out here by HAIA"), fitted.block());
        assertEquals(1, fitted.notes().size());
        assertTrue(fitted.notes().getFirst().startsWith("The attached document journal.txt (200,010 characters) went"
                                                                + " to the model as its first and last"),
                   fitted.notes().getFirst());
    }

    @Test
    void noRoomAtAllIsRefusedNamingTheDocumentAndTheSetting() {
        RequestRefused refused = assertThrows(RequestRefused.class, () -> attachments("journal.txt", "x".repeat(10_000))
                .fitted(100, "model 'haia-local' takes about 984 tokens per request"));
        assertTrue(refused.getMessage().contains("journal.txt") && refused.getMessage().contains("HAIA_CONTEXT_TOKENS"),
                   refused.getMessage());
    }

    @Test
    void aKnownContextBoundsTheBudgetAndTheRepliesLimit() {
        ModelTokens.Measure llamaCpp = new ModelTokens.Measure(2.4, OptionalInt.of(8192), true);
        TokenBudget.Budget budget = TokenBudget.Budget.of(8_000, 4096, llamaCpp);
        assertEquals(8192 - 2048, budget.tokens(), "the context less a quarter of it for the reply");
        assertEquals(2048, budget.maxTokens(), "the reply's limit fits the context too");
        assertEquals((int) ((8192 - 2048) / 2.4), budget.estimated(), "in HAIA's estimate, at 0.6 tokens per character");
        assertTrue(budget.source().contains("the model's context of 8,192 tokens"), budget.source());

        TokenBudget.Budget unknown = TokenBudget.Budget.of(8_000, 4096, ModelTokens.Measure.UNKNOWN);
        assertEquals(8_000, unknown.tokens());
        assertEquals(4096, unknown.maxTokens(), "no context known: the limit as asked");
        assertEquals(8_000, TokenBudget.Budget.of(8_000, 512, new ModelTokens.Measure(1, OptionalInt.of(200_000), false))
                .tokens(), "a large context leaves the configured budget");
    }

    private static Attachments attachments(String name, String text) {
        return new Attachments(INSTRUCTIONS, List.of(new Attachments.Document("<source id=\"1\" name=\"" + name
                + "\">", name, text)), "", List.of("<file type=\"file\" id=\"f1\" name=\"" + name + "\"/>"));
    }
}
