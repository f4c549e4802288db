package haia.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.testing.StoreBackend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reads of the request path: the window query, its plan, by id and by identity. */
class WindowReadsTest extends StoreTestCase {

    @Test
    void theWindowQueryUsesTheLiveIndex() throws Exception {
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
            assertTrue(text.toString().contains("USING INDEX messages_live") || text.toString().contains("USING COVERING INDEX messages_live"),
                       text.toString());
            assertFalse(text.toString().contains("TEMP B-TREE"), "no sort: the index gives the order\n" + text);

            ResultSet joined = s.executeQuery("EXPLAIN QUERY PLAN " + byIdentity);
            StringBuilder joinedText = new StringBuilder();
            while (joined.next()) {
                joinedText.append(joined.getString("detail")).append('\n');
            }
            assertTrue(joinedText.toString().contains("conversations_live_identity"), joinedText.toString());
            assertTrue(joinedText.toString().contains("messages_live"), joinedText.toString());
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
}
