package haia.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import haia.chat.Attachments;
import haia.testing.Http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenWebUI's wrappers around a message with a document, as recorded (src/test/resources/openwebui/document-*.json). */
class OpenWebUiWrappersTest {

    @Test
    void theFirstTurnIsTheTemplateTheFileReferenceAndTheUsersWords() {
        OpenWebUiWrappers.Unwrapped first = OpenWebUiWrappers.unwrap(message("document-first-turn", 0));
        assertEquals("What MTU does ring0 use?", first.ownWords());
        Attachments template = first.template().orElseThrow();
        assertTrue(template.instructions().startsWith("### Task:\nRespond to the user query using the provided context"));
        assertEquals(1, template.documents().size());
        assertEquals("cluster-notes.txt", template.documents().getFirst().name());
        assertTrue(template.documents().getFirst().text().startsWith("pve cluster notes\nnode pve1: corosync ring0"));
        assertEquals(1, first.fileTags().size());
        assertTrue(first.fileTags().getFirst().startsWith("<file type=\"file\" id="), first.fileTags().toString());
    }

    @Test
    void theNextTurnResendsTheFirstMessageWithItsFileReferenceOnly() {
        OpenWebUiWrappers.Unwrapped resent = OpenWebUiWrappers.unwrap(message("document-next-turn", 0));
        assertEquals("What MTU does ring0 use?", resent.ownWords(), "the same words as stored");
        assertTrue(resent.template().isEmpty());
        assertEquals(OpenWebUiWrappers.unwrap(message("document-first-turn", 0)).fileTags(), resent.fileTags());
        OpenWebUiWrappers.Unwrapped newest = OpenWebUiWrappers.unwrap(message("document-next-turn", 2));
        assertEquals("And which subnet is ring0 on?", newest.ownWords());
        assertTrue(newest.template().isPresent(), "the document comes again with the newest message");
    }

    @Test
    void aLargeDocumentIsUnwrappedWhole() {
        String text = message("document-first-turn", 0);
        int open = text.indexOf('>', text.indexOf("<source ", text.indexOf("<context>\n"))) + 1;
        String journal = "000001 Dec 06 10:00:00 pve2 kernel: nvme0n1: I/O 1 QID 3 timeout\n".repeat(4_200);
        String large = text.substring(0, open) + journal + text.substring(text.indexOf("</source>", open));
        OpenWebUiWrappers.Unwrapped unwrapped = OpenWebUiWrappers.unwrap(large);
        assertEquals("What MTU does ring0 use?", unwrapped.ownWords());
        assertEquals(journal, unwrapped.template().orElseThrow().documents().getFirst().text());
    }

    @Test
    void aBackgroundTasksPromptIsLeftAlone() {
        String task = "### Task:\nGenerate a concise title.\n### Chat History:\n<chat_history>\nUSER: ### Task:\nRespond"
                + " to the user query\n<context>\n<source id=\"1\">x</source>\n</context>\n\nhi\n</chat_history>";
        assertEquals(task, OpenWebUiWrappers.unwrap(task).ownWords());
    }

    @Test
    void filesSentWithoutAWordAreTheirNames() {
        assertEquals("[attached: notes.txt]", OpenWebUiWrappers.unwrap("<attached_files>\n<file type=\"file\" id=\"1\""
                + " name=\"notes.txt\"/>\n</attached_files>\n\n").ownWords());
        assertEquals("plain words", OpenWebUiWrappers.unwrap("plain words").ownWords());
        assertEquals(List.of(), OpenWebUiWrappers.unwrap("plain words").fileTags());
    }

    private static String message(String fixture, int index) {
        try (InputStream in = OpenWebUiWrappersTest.class.getResourceAsStream("/openwebui/" + fixture + ".json")) {
            JsonNode recorded = Http.JSON.readTree(in);
            return recorded.path("body").path("messages").get(index).path("content").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
