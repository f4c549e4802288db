package haia.chat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import haia.store.Note;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notes' system block: bounded, newest kept, a visible marker for what is left out. */
class NoteCommandsTest {

    private static Note note(long id, String text) {
        return new Note(id, text, Instant.parse("2026-11-20T09:00:00Z"));
    }

    @Test
    void noNotesNoBlock() {
        assertEquals(Optional.empty(), NoteCommands.block(List.of(), 4000));
    }

    @Test
    void theNotesGoOldestFirstWithTheirDates() {
        String block = NoteCommands.block(List.of(note(1, "the NAS is nas-heron"), note(2, "backups at 02:00")), 4000)
                .orElseThrow();
        assertTrue(block.endsWith("\n- (2026-11-20) the NAS is nas-heron\n- (2026-11-20) backups at 02:00"), block);
        assertTrue(!block.contains("left out"), block);
    }

    @Test
    void theOldestAreLeftOutWithAMarkerWhenTheyDoNotFit() {
        List<Note> notes = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            notes.add(note(i, "note number " + i + " " + "x".repeat(60)));
        }
        String block = NoteCommands.block(notes, 1000).orElseThrow();
        assertTrue(block.length() <= 1000 + 150, block.length() + " characters");
        assertTrue(block.contains("older notes are left out here"), block);
        assertTrue(block.contains("note number 50 "), "the newest kept");
        assertTrue(!block.contains("note number 1 "), "the oldest left out");
        int shown = (int) block.lines().filter(l -> l.startsWith("- ")).count();
        assertTrue(block.contains("[" + (50 - shown) + " older notes"), block);
    }
}
