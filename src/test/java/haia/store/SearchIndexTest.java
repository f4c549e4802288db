package haia.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Usage;
import haia.testing.TestClock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQLite's full-text index brought up to date in batches (migration V11, {@link SearchIndex}), on a real file: the
 * indexer catches up by itself, a search and a shutdown catch it up first, and whatever is stored or deleted before or
 * after a batch, FTS5's own integrity check (which compares the index with the messages) passes.
 */
class SearchIndexTest {

    @TempDir
    Path dir;
    private Path file;
    private ConversationStore store;
    private final TestClock clock = new TestClock(Instant.parse("2026-11-20T09:00:00Z"));

    @BeforeEach
    void open() {
        file = dir.resolve("haia.db");
        store = ConversationStore.open(file, clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void theIndexerCatchesUpWithoutASearch() throws Exception {
        for (int i = 0; i < 5; i++) {
            exchange("pve", "is pve-kestrel " + i + " up?", "yes");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;   // DELAY is 250 ms: ten seconds is a stalled machine
        while (indexedThrough() < newestMessage() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(newestMessage(), indexedThrough(), "every stored message indexed, no search asked");
        assertEquals(5, query("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'kestrel'"));
        assertIndexWhole();
    }

    @Test
    void aSearchFindsWhatWasStoredAMomentAgo() throws Exception {
        exchange("pve", "the NAS is nas-heron", "noted");
        assertEquals(1, store.search().search(SearchQuery.of("heron")).size());
        assertEquals(newestMessage(), indexedThrough());
        assertIndexWhole();
    }

    @Test
    void aNewestMessagesIdTakenAgainIsIndexedAtOnce() throws Exception {
        exchange("kept", "first question", "first answer");
        long deleted = exchange("dropped", "the heron question", "the heron answer");
        long before = newestMessage();
        assertEquals(2, store.search().search(SearchQuery.of("heron")).size(), "indexed: the mark passes them");
        assertTrue(store.conversations().delete(deleted));

        exchange("kept", "the kestrel question", "the kestrel answer");
        assertEquals(before, newestMessage(), "SQLite gave the new messages the deleted ones' ids");
        assertTrue(indexedThrough() >= newestMessage(), "ids the batches have passed");
        assertEquals(2, query("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'kestrel'"),
                     "indexed by the insert, as no batch takes them");
        assertEquals(0, query("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'heron'"));
        assertEquals(2, store.search().search(SearchQuery.of("kestrel")).size());
        assertIndexWhole();
    }

    @Test
    void aMessageDeletedBeforeItsBatchLeavesTheIndexWhole() throws Exception {
        long conversation = exchange("pve", "indexed first", "yes");
        store.search().search(SearchQuery.of("first"));
        try (Connection c = connect()) {
            // stored and deleted in one transaction: no batch can come between them
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                            + " VALUES (?, 'user', ?, 0, 'ok', 0)")) {
                for (String text : List.of("never indexed osprey", "kept osprey")) {
                    insert.setLong(1, conversation);
                    insert.setString(2, text);
                    insert.executeUpdate();
                }
            }
            try (Statement delete = c.createStatement()) {
                delete.executeUpdate("DELETE FROM messages WHERE content = 'never indexed osprey'");
            }
            c.commit();
        }
        List<SearchHit> hits = store.search().search(SearchQuery.of("osprey"));
        assertEquals(1, hits.size(), hits.toString());
        assertIndexWhole();
    }

    @Test
    void closingIndexesWhatIsLeftAndTheNextStartFindsIt() throws Exception {
        for (int i = 0; i < 3; i++) {
            exchange("pve", "osd " + i + " of pve-kestrel", "in");
        }
        store.close();
        assertEquals(newestMessage(), indexedThrough(), "indexed at shutdown");
        assertIndexWhole();
        store = ConversationStore.open(file, clock);
        assertEquals(3, store.search().search(SearchQuery.of("kestrel")).size());
    }

    /**
     * A batch that cannot be written (a full or read-only database; here a trigger refusing to move the mark) leaves
     * search working on what is indexed, and the next search once writing works again finds the rest.
     */
    @Test
    void aSearchWhoseCatchUpFailsAnswersFromTheIndexAsItIs() throws Exception {
        long conversation = exchange("pve", "the NAS is nas-heron", "noted");
        assertEquals(1, store.search().search(SearchQuery.of("heron")).size());
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TRIGGER refuse BEFORE UPDATE ON search_indexed BEGIN SELECT RAISE(ABORT, 'no room'); END");
            s.execute("INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                              + " VALUES (" + conversation + ", 'user', 'heron again', 0, 'ok', 0)");
        }
        List<SearchHit> hits = store.search().search(SearchQuery.of("heron"));
        assertEquals(1, hits.size(), "the indexed one, no failure: " + hits);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER refuse");
        }
        assertEquals(2, store.search().search(SearchQuery.of("heron")).size());
        assertIndexWhole();
    }

    /** More messages than one batch takes, stored past the indexer (as a crash mid-batch leaves them): all found. */
    @Test
    void catchesUpAcrossManyBatches() throws Exception {
        long conversation = exchange("pve", "start", "ok");
        int stored = SearchIndex.BATCH * 3 + 7;
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                            + " VALUES (?, 'user', ?, 0, 'ok', 0)")) {
                for (int i = 0; i < stored; i++) {
                    insert.setLong(1, conversation);
                    insert.setString(2, "vm " + i + " on harrier");
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            c.commit();
        }
        store.search().search(SearchQuery.of("harrier"));
        assertEquals(newestMessage(), indexedThrough());
        assertEquals(stored, query("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'harrier'"));
        assertIndexWhole();
    }

    private long exchange(String key, String question, String reply) {
        NewMessage user = NewMessage.user(LlmMessage.user(question), MessageStatus.OK, Optional.empty());
        NewMessage answer = NewMessage.text(LlmMessage.Role.ASSISTANT, reply, MessageStatus.OK, Optional.of("haia"),
                                            Optional.of("stop"), Optional.of(new Usage(3, 4)), Optional.empty());
        return store.exchanges().commit(new Exchange(ConversationIdentity.openWebUi(key), OptionalLong.empty(),
                                                     List.of(user, answer)));
    }

    private long indexedThrough() throws SQLException {
        return query("SELECT through FROM search_indexed");
    }

    private long newestMessage() throws SQLException {
        return query("SELECT max(id) FROM messages");
    }

    /** FTS5 compares the index with the messages it indexes and raises an error where they differ. */
    private void assertIndexWhole() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
        }
    }

    private long query(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
        }
        return c;
    }
}
