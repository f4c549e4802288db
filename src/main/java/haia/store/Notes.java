package haia.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.helidon.dbclient.DbRow;

/**
 * Notes: what HAIA should always know, per owner ({@code ""}: HAIA's single user). Every request reads its owner's
 * notes, so they are kept in memory, read again after this process changes them, and at least every
 * {@value #FRESH_MILLIS} ms (another replica on the same PostgreSQL may have changed them).
 */
public final class Notes extends StorePart {

    /** The owner of the notes of HAIA's single user, and of the API key's holder. */
    public static final String SINGLE_USER = Owners.SINGLE_USER;

    /** The longest note: notes go to the model with every request. */
    public static final int MAX_CHARS = 2000;
    static final long FRESH_MILLIS = 5000;

    private record Cached(List<Note> notes, long readAt) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    Notes(Database database) {
        super(database);
    }

    /** The owner's notes, oldest first. */
    public List<Note> list(String owner) {
        long now = clock.millis();
        Cached cached = cache.get(owner);
        if (cached != null && now - cached.readAt() < FRESH_MILLIS && now >= cached.readAt()) {
            return cached.notes();
        }
        List<Note> notes = read("read notes", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("notes",
                            "SELECT id, text, created_at FROM notes WHERE owner = ? ORDER BY id")
                    .params(owner).execute()) {
                return rows.map(row -> new Note(longOf(row, "id"), text(row, "text"),
                                                Instant.ofEpochMilli(longOf(row, "created_at")))).toList();
            }
        });
        cache.put(owner, new Cached(notes, now));
        return notes;
    }

    /** A note and whose it is. */
    public record Owned(String owner, Note note) {
    }

    /** Everyone's notes, oldest first (the API key's holder sees them all). */
    public List<Owned> everyone() {
        return read("read notes", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("all-notes",
                            "SELECT id, owner, text, created_at FROM notes ORDER BY id").execute()) {
                return rows.map(row -> new Owned(text(row, "owner"), new Note(longOf(row, "id"), text(row, "text"),
                        Instant.ofEpochMilli(longOf(row, "created_at"))))).toList();
            }
        });
    }

    /** Deletes the note with this id, whoever's it is; false when there is none. */
    public boolean deleteAny(long id) {
        int deleted = write("delete a note", tx -> tx.update("DELETE FROM notes WHERE id = ?", id));
        cache.clear();
        return deleted > 0;
    }

    /** Saves a note (its text stripped; at most {@value #MAX_CHARS} characters, else refused). */
    public Note add(String owner, String text) {
        String stripped = text.strip();
        if (stripped.isEmpty() || stripped.length() > MAX_CHARS) {
            throw new IllegalArgumentException(stripped.isEmpty() ? "a note needs some text"
                    : "a note is at most " + MAX_CHARS + " characters, this one has " + stripped.length());
        }
        long now = clock.millis();
        long id = write("save a note", tx -> {
            tx.update("INSERT INTO notes (owner, text, created_at) VALUES (?, ?, ?)", owner, dialect.encode(stripped),
                      now);
            return tx.queryLong("SELECT max(id) FROM notes WHERE owner = ?", owner).orElseThrow();
        });
        cache.remove(owner);
        return new Note(id, stripped, Instant.ofEpochMilli(now));
    }

    /** Deletes the owner's note with this id; false when the owner has none such. */
    public boolean delete(String owner, long id) {
        int deleted = write("delete a note", tx -> tx.update("DELETE FROM notes WHERE owner = ? AND id = ?", owner, id));
        cache.remove(owner);
        return deleted > 0;
    }

    /**
     * Deletes what {@code what} names: the note with that id ({@code 3} or {@code #3}), else every note of the owner
     * whose text contains it (case ignored).
     *
     * @return the notes deleted
     */
    public List<Note> forget(String owner, String what) {
        String wanted = what.strip();
        List<Note> notes = list(owner);
        List<Note> gone = new ArrayList<>();
        if (wanted.matches("#?\\d{1,18}")) {
            long id = Long.parseLong(wanted.startsWith("#") ? wanted.substring(1) : wanted);
            notes.stream().filter(n -> n.id() == id).forEach(gone::add);
        }
        if (gone.isEmpty() && !wanted.isEmpty()) {
            String lower = wanted.toLowerCase(Locale.ROOT);
            notes.stream().filter(n -> n.text().toLowerCase(Locale.ROOT).contains(lower)).forEach(gone::add);
        }
        for (Note note : gone) {
            delete(owner, note.id());
        }
        return gone;
    }
}
