package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.testing.StoreBackend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Full-text search of stored messages, on a real SQLite file (FTS5) and a real PostgreSQL server (tsvector). */
class MessageSearchTest extends StoreTestCase {

    private long planted;
    private long other;

    /** A fact stated 60 exchanges and one conversation ago, a day apart. */
    private void plant() {
        planted = exchange(ConversationIdentity.openWebUi("ceph"), "Ceph is degraded after the reboot",
                           "Check the OSDs on pve-kestrel first: ceph osd tree");
        for (int i = 0; i < 60; i++) {
            exchange(ConversationIdentity.openWebUi("ceph"), "and osd " + i + "?", "osd " + i + " is up and in");
        }
        clock.advance(Duration.ofDays(1));
        for (int i = 0; i < 60; i++) {
            other = exchange(ConversationIdentity.openWebUi("docker"), "container " + i + " restarting",
                             "look at docker logs container" + i);
        }
    }

    private List<SearchHit> search(String text) {
        return store.search().search(SearchQuery.of(text));
    }

    @Test
    void findsAFactFromAnotherConversationWithItsDateTitleAndSnippet() {
        plant();
        List<SearchHit> hits = search("kestrel");
        assertEquals(1, hits.size(), hits.toString());
        SearchHit hit = hits.getFirst();
        assertEquals(planted, hit.conversationId());
        assertEquals("Ceph is degraded after the reboot", hit.title());
        assertEquals(LlmMessage.Role.ASSISTANT, hit.role());
        assertEquals(Instant.parse("2026-11-20T09:00:00Z"), hit.createdAt());
        assertTrue(hit.snippet().contains("**kestrel**"), hit.snippet());
        assertTrue(hit.score() > 0);
    }

    @Test
    void ranksBestFirstAndFallsBackToAnyWordForAQuestionAsAsked() {
        plant();
        List<SearchHit> hits = search("which node had the degraded ceph?");
        assertFalse(hits.isEmpty(), "no message has all the words: those with some of them");
        assertEquals(planted, hits.getFirst().conversationId(), hits.toString());
        assertEquals("Ceph is degraded after the reboot", hits.getFirst().snippet().replace("**", ""));
    }

    @Test
    void aQuestionsFillerWordsAreNotLookedFor() {
        // in most messages, they would fill the newest matches with chatter when a question falls back to any word
        assertEquals(List.of("node", "name"), MessageSearch.queryWords("What was the node name again?"));
        assertEquals(List.of("backups", "go", "pve2"), MessageSearch.queryWords("where do my backups go on pve2?"));
        assertEquals(List.of("what", "is", "it"), MessageSearch.queryWords("what is it?"), "nothing else: kept");
        plant();
        assertEquals(planted, search("what was the kestrel node again?").getFirst().conversationId());
    }

    @Test
    void filtersByConversationAndTime() {
        plant();
        assertEquals(3, store.search().search(new SearchQuery("osd", OptionalLong.of(planted), Optional.empty(),
                                                              Optional.empty(), 3)).size());
        assertTrue(store.search().search(new SearchQuery("osd", OptionalLong.of(other), Optional.empty(),
                                                         Optional.empty(), 3)).isEmpty());
        Instant dayTwo = Instant.parse("2026-11-21T00:00:00Z");
        assertTrue(store.search().search(new SearchQuery("kestrel", OptionalLong.empty(), Optional.of(dayTwo),
                                                         Optional.empty(), 5)).isEmpty());
        assertEquals(5, store.search().search(new SearchQuery("docker", OptionalLong.empty(), Optional.of(dayTwo),
                                                              Optional.empty(), 5)).size());
        assertTrue(store.search().search(new SearchQuery("docker", OptionalLong.empty(), Optional.empty(),
                                                         Optional.of(dayTwo), 5)).isEmpty());
    }

    @Test
    void noQueryIsASyntaxError() {
        plant();
        for (String text : List.of("\"kestrel", "kestrel*", "kestrel AND (", "NEAR(kestrel", "content:kestrel",
                                   "-kestrel", "kestrel'; DROP TABLE messages; --", "kestrel OR", "^kestrel",
                                   "kestrel & | ! <->", "{kestrel}")) {
            List<SearchHit> hits = search(text);
            assertFalse(hits.isEmpty(), text);
            assertEquals(planted, hits.getFirst().conversationId(), text);
        }
        for (String nothing : List.of("", "   ", "\"\"", "*", "()", "-- ;")) {
            assertTrue(search(nothing).isEmpty(), "'" + nothing + "'");
        }
        assertTrue(search("zyxwvut").isEmpty());
    }

    @Test
    void aDeletedConversationIsNotFound() {
        plant();
        assertTrue(store.conversations().delete(planted));
        assertTrue(search("kestrel").isEmpty());
        assertFalse(search("docker").isEmpty());
    }

    @Test
    void theIndexSurvivesARestart() {
        plant();
        store.close();
        store = ConversationStore.open(config, clock);
        assertEquals(planted, search("kestrel").getFirst().conversationId());
        exchange(ConversationIdentity.DEFAULT, "the NAS is nas-heron", "noted");
        assertEquals(1, search("heron").size());
    }

    /** A database from before V8 (and so before V11): the migrations index the messages it already holds. */
    @Test
    void theMigrationIndexesAnExistingDatabase() throws Exception {
        plant();
        store.close();
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            if (backend == StoreBackend.SQLITE) {
                s.execute("DROP TRIGGER messages_fts_insert");
                s.execute("DROP TRIGGER messages_fts_delete");
                s.execute("DROP TABLE messages_fts");
                s.execute("DROP TABLE search_indexed");
                s.execute("DELETE FROM schema_version WHERE version = 11");
            } else {
                s.execute("ALTER TABLE messages DROP COLUMN search");
            }
            s.execute("DROP TABLE notes");
            s.execute("DELETE FROM schema_version WHERE version = 8");
        }
        store = ConversationStore.open(config, clock);
        assertEquals(1, count("SELECT count(*) FROM schema_version WHERE version = 8"));
        assertEquals(planted, search("kestrel").getFirst().conversationId());
        assertEquals(5, search("docker").size());
    }

    /**
     * More messages than PostgreSQL walks along the key before it asks the index ({@link PostgresDialect#RECENT_WALK}),
     * and a word in more of them than are ranked ({@link MessageSearch#CANDIDATES}).
     */
    @Test
    void reachesPastTheNewestMessagesAndRanksOnlyTheNewestMatches() throws Exception {
        long oldest = exchange(ConversationIdentity.openWebUi("old"), "the NAS is nas-heron",
                               "kestrel, kestrel: the kestrel node");
        long chat = exchange(ConversationIdentity.openWebUi("noise"), "osd status?", "all up");
        int noise = PostgresDialect.RECENT_WALK + 5_000;
        try (Connection c = raw.connect(); PreparedStatement insert = c.prepareStatement(
                "INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                        + " VALUES (?, ?, ?, ?, 'ok', ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < noise; i++) {
                String text = "osd " + i + " is up and in" + (i % 50 == 0 ? " on kestrel" : "");
                insert.setLong(1, chat);
                insert.setString(2, i % 2 == 0 ? "user" : "assistant");
                insert.setString(3, text);
                insert.setLong(4, ContentHash.of(text));
                insert.setLong(5, clock.millis());
                insert.addBatch();
            }
            insert.executeBatch();
            c.commit();
        }
        // older than every message walked: found by the index
        assertEquals(List.of(oldest), search("heron").stream().map(SearchHit::conversationId).toList());
        // in 501 messages, 401 of them among the walked: all ranked, the oldest (the word three times) best
        assertEquals(oldest, search("kestrel").getFirst().conversationId());
        // in every message: only the newest CANDIDATES are ranked (a search costs the same after years of chat)
        long newest = count("SELECT max(id) FROM messages");
        List<SearchHit> hits = store.search().search(new SearchQuery("osd", OptionalLong.empty(), Optional.empty(),
                                                                     Optional.empty(), 20));
        assertEquals(20, hits.size());
        assertTrue(hits.stream().allMatch(hit -> hit.messageId() > newest - MessageSearch.CANDIDATES), hits.toString());
    }
}
