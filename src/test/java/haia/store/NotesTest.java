package haia.store;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Notes on a real SQLite file and a real PostgreSQL server: per owner, deleted for good, kept across restarts. */
class NotesTest extends StoreTestCase {

    private List<String> texts(String owner) {
        return store.notes().list(owner).stream().map(Note::text).toList();
    }

    @Test
    void notesArePerOwnerOldestFirstAndSurviveARestart() {
        store.notes().add(Notes.SINGLE_USER, "  the NAS is nas-heron  ");
        store.notes().add("alice", "alice's lab is pve-a");
        Note second = store.notes().add(Notes.SINGLE_USER, "backups run at 02:00");
        assertEquals(List.of("the NAS is nas-heron", "backups run at 02:00"), texts(Notes.SINGLE_USER));
        assertEquals(List.of("alice's lab is pve-a"), texts("alice"));
        assertTrue(second.createdAt().isAfter(java.time.Instant.parse("2026-11-20T08:59:59Z")), "the store's clock");
        store.close();
        store = ConversationStore.open(config, clock);
        assertEquals(List.of("the NAS is nas-heron", "backups run at 02:00"), texts(Notes.SINGLE_USER));
    }

    @Test
    void forgetTakesAnIdOrWordsAndDeletesForGood() {
        Note nas = store.notes().add(Notes.SINGLE_USER, "the NAS is nas-heron");
        store.notes().add(Notes.SINGLE_USER, "Backups run at 02:00");
        store.notes().add("bob", "bob's backups run at 03:00");
        assertEquals(List.of(nas), store.notes().forget(Notes.SINGLE_USER, "#" + nas.id()));
        assertEquals(1, store.notes().forget(Notes.SINGLE_USER, "backups").size(), "words, case ignored");
        assertTrue(texts(Notes.SINGLE_USER).isEmpty());
        assertEquals(List.of("bob's backups run at 03:00"), texts("bob"), "another owner's notes are not touched");
        assertTrue(store.notes().forget(Notes.SINGLE_USER, "nothing like it").isEmpty());
        assertFalse(store.notes().delete("bob", nas.id()), "gone");
        assertFalse(store.notes().delete(Notes.SINGLE_USER, store.notes().list("bob").getFirst().id()),
                    "one owner cannot delete another's note");
    }

    @Test
    void aNoteNeedsTextAndIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> store.notes().add(Notes.SINGLE_USER, "  "));
        assertThrows(IllegalArgumentException.class,
                     () -> store.notes().add(Notes.SINGLE_USER, "x".repeat(Notes.MAX_CHARS + 1)));
        assertTrue(texts(Notes.SINGLE_USER).isEmpty());
    }
}
