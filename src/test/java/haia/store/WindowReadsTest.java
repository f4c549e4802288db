package haia.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.testing.StoreBackend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reads of the request path: the window query, its plan, by id and by identity. */
class WindowReadsTest extends StoreTestCase {

    @Test
    void theWindowQueryWalksOneConversationsIndex() throws Exception {
        long id = exchange(ConversationIdentity.DEFAULT, "q", "a");
        // parameters: the conversation (its count of live messages), the conversation, before id, limit (its window)
        String window = store.windows().windowSql.replaceFirst("\\?", Long.toString(id)).replaceFirst("\\?", Long.toString(id))
                .replaceFirst("\\?", "9223372036854775807").replaceFirst("\\?", "20");
        String byIdentity = store.windows().windowByIdentitySql.orElse("").replaceFirst("\\?", "'default'").replaceFirst("\\?", "''")
                .replaceFirst("\\?", "20");
        if (backend == StoreBackend.POSTGRESQL) {
            // PostgreSQL plans by statistics: give it a year of history in 50 conversations, so that a query
            // shape that walks all messages (instead of one conversation's live ones) shows in the plan
            try (Connection c = raw.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO conversations (kind, external_key, created_at, updated_at)"
                                  + " SELECT 'keyed', 'k' || k, 0, 0 FROM generate_series(1, 50) k");
                s.execute("INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                                  + " SELECT c.id, 'user', 'm' || m, m, 'ok', m FROM conversations c,"
                                  + " generate_series(1, 400) m ORDER BY m, c.id");
                s.execute("ANALYZE");
            }
            String plan = postgresPlan(store.windows().windowSql, id + ", " + id + ", 9223372036854775807, 20", 8);
            assertEquals(8, plan.split("Backward using messages_live", -1).length - 1, "every run: " + plan);
            assertFalse(plan.contains("messages_pkey") || plan.contains("Sort"), plan);
            assertTrue(store.windows().windowByIdentitySql.isEmpty(), "by id only: see PostgresDialect.windowByIdentitySql");
            return;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            ResultSet plan = s.executeQuery("EXPLAIN QUERY PLAN " + window);
            StringBuilder text = new StringBuilder();
            while (plan.next()) {
                text.append(plan.getString("detail")).append('\n');
            }
            assertTrue(text.toString().contains("USING INDEX messages_by_conversation"), text.toString());
            assertFalse(text.toString().contains("TEMP B-TREE"), "no sort: the index gives the order\n" + text);

            ResultSet joined = s.executeQuery("EXPLAIN QUERY PLAN " + byIdentity);
            StringBuilder joinedText = new StringBuilder();
            while (joined.next()) {
                joinedText.append(joined.getString("detail")).append('\n');
            }
            assertTrue(joinedText.toString().contains("conversations_live_identity"), joinedText.toString());
            assertTrue(joinedText.toString().contains("messages_by_conversation"), joinedText.toString());
            assertFalse(joinedText.toString().contains("TEMP B-TREE"), joinedText.toString());
        }
    }

    /**
     * The plans PostgreSQL makes for a statement run repeatedly as HAIA runs it (prepared on the server, in HAIA's
     * plan cache mode): without that mode, runs after the fifth may get a generic plan that ignores the conversation.
     */
    private String postgresPlan(String sql, String arguments, int runs) throws Exception {
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            numbered.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            s.execute("SET plan_cache_mode = " + PostgresDialect.PLAN_CACHE_MODE);
            s.execute("PREPARE q AS " + numbered);
            StringBuilder text = new StringBuilder();
            for (int run = 0; run < runs; run++) {
                try (ResultSet plan = s.executeQuery("EXPLAIN EXECUTE q(" + arguments + ")")) {
                    while (plan.next()) {
                        text.append(plan.getString(1)).append('\n');
                    }
                }
            }
            return text.toString();
        }
    }

    @Test
    void theWindowByIdentityMatchesTheWindowById() {
        long id = 0;
        for (int i = 0; i < 5; i++) {
            id = exchange(ConversationIdentity.keyed("k"), "q" + i, "a" + i);
        }
        exchange(ConversationIdentity.keyed("other"), "x", "y");
        assertEquals(store.windows().window(id, OptionalLong.empty(), 3), store.windows().window(ConversationIdentity.keyed("k"), 3));
        assertEquals(List.of(), store.windows().window(ConversationIdentity.keyed("nobody"), 3));
    }

    @Test
    void theWindowIsTheNewestLiveMessagesOldestFirst() {
        long id = 0;
        for (int i = 0; i < 5; i++) {
            id = exchange(ConversationIdentity.DEFAULT, "q" + i, "a" + i);
        }
        store.exchanges().commit(new Exchange(ConversationIdentity.DEFAULT, OptionalLong.empty(),
                                  List.of(NewMessage.user(LlmMessage.user("failed one"), MessageStatus.FAILED, Optional.of("boom")))));
        List<LlmMessage> window = store.windows().window(id, OptionalLong.empty(), 4);
        assertEquals(List.of("q3", "a3", "q4", "a4"), window.stream().map(LlmMessage::text).toList());
    }

    /**
     * What a request that holds its conversation reads is kept, and each exchange appended to it: after every kind
     * of change, the kept window must be what the database holds, as another store (nothing kept) reads it there.
     */
    @Test
    void theKeptWindowIsAlwaysWhatTheDatabaseHolds() {
        ConversationIdentity first = ConversationIdentity.keyed("first");
        ConversationIdentity second = ConversationIdentity.keyed("second");
        try (ConversationStore other = ConversationStore.open(config, clock)) {
            for (int i = 0; i < 4; i++) {
                exchange(first, "q" + i, "a" + i);
                exchange(second, "x" + i, "y" + i);
            }
            assertKeptAsStored(other, first, second, "after the first exchanges");

            exchange(first, "q4", "a4");
            assertKeptAsStored(other, first, second, "after an appended exchange");

            store.exchanges().commit(new Exchange(first, OptionalLong.empty(), List.of(ok("q5"),
                    NewMessage.text(LlmMessage.Role.ASSISTANT, "", MessageStatus.FAILED, Optional.of("haia"),
                                    Optional.empty(), Optional.empty(), Optional.of("upstream down")))));
            assertKeptAsStored(other, first, second, "after a failed reply");

            long firstId = store.windows().findId(first).orElseThrow();
            long lastReply = store.windows().liveBranch(firstId).getLast().id();
            store.exchanges().commit(new Exchange(first, OptionalLong.of(lastReply), List.of(answer("again"))));
            assertKeptAsStored(other, first, second, "after a regenerated reply");

            NewMessage picture = NewMessage.user(LlmMessage.of(LlmMessage.Role.USER, new Part.Text("look"),
                    new Part.Image(new Part.Image.Inline("image/png", new byte[] {1, 2, 3}))), MessageStatus.OK,
                                                 Optional.empty());
            store.exchanges().commit(new Exchange(second, OptionalLong.empty(), List.of(picture, answer("a cat"))));
            assertKeptAsStored(other, first, second, "after a picture");
            exchange(second, "x9", "y9");
            assertKeptAsStored(other, first, second, "after an exchange following the picture");
            exchange(second, "half an emoji: \ud83d", "whole: \ud83d\ude00");   // SQLite's driver stores the half as ?
            assertKeptAsStored(other, first, second, "after a lone surrogate");

            store.conversations().startNew(first);
            assertKeptAsStored(other, first, second, "after a new thread");
            exchange(first, "fresh", "start");
            assertKeptAsStored(other, first, second, "after the new thread's first exchange");

            store.conversations().delete(store.windows().findId(second).orElseThrow());
            assertKeptAsStored(other, first, second, "after a deletion");
            exchange(second, "back", "again");   // on SQLite, possibly under the deleted conversation's id
            assertKeptAsStored(other, first, second, "after the deleted conversation's successor");
        }
    }

    private void assertKeptAsStored(ConversationStore other, ConversationIdentity first, ConversationIdentity second,
                                    String when) {
        for (ConversationIdentity identity : List.of(first, second)) {
            for (int limit : new int[] {3, 6}) {
                // twice: the first may read and keep, the second is served from what was kept
                for (int read = 0; read < 2; read++) {
                    assertEquals(other.windows().tail(identity, limit), store.windows().heldTail(identity, limit),
                                 identity + ", " + limit + " rows, " + when);
                    OptionalLong id = other.windows().findId(identity);
                    assertEquals(id, store.windows().findId(identity), identity + " " + when);
                    if (id.isPresent()) {
                        assertEquals(other.windows().tail(id.getAsLong(), OptionalLong.empty(), limit),
                                     store.windows().heldTail(id.getAsLong(), OptionalLong.empty(), limit),
                                     identity + " by id, " + limit + " rows, " + when);
                    }
                }
            }
        }
    }

    /**
     * On SQLite the kept window is served without a query (HAIA is the file's only writer: a change made behind its
     * back is not seen); on PostgreSQL, where replicas write beside it, every window is read.
     */
    @Test
    void aHeldConversationsNextWindowComesFromMemoryOnSqliteOnly() throws Exception {
        ConversationIdentity thread = ConversationIdentity.keyed("k");
        exchange(thread, "q", "a");
        assertEquals(List.of("q", "a"), texts(store.windows().heldTail(thread, 10)));
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE messages SET content = 'changed' WHERE content = 'a'");
        }
        List<String> next = texts(store.windows().heldTail(thread, 10));
        assertEquals(backend == StoreBackend.SQLITE ? List.of("q", "a") : List.of("q", "changed"), next);
        // a read without the hold is served from what was kept too, but keeps nothing of its own
        exchange(ConversationIdentity.keyed("unheld"), "u", "v");
        store.windows().tail(ConversationIdentity.keyed("unheld"), 10);
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE messages SET content = 'seen' WHERE content = 'v'");
        }
        assertEquals(List.of("u", "seen"), texts(store.windows().tail(ConversationIdentity.keyed("unheld"), 10)));
    }

    private static List<String> texts(WindowTail tail) {
        return tail.messages().stream().map(LlmMessage::text).toList();
    }
}
