package haia.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conversation API's queries: new threads, deletion, listing. */
class ConversationQueriesTest extends StoreTestCase {

    @Test
    void archivingTheDefaultConversationStartsAFreshOne() {
        long old = exchange(ConversationIdentity.DEFAULT, "old", "thread");
        ConversationSummary started = store.conversations().startNew(ConversationIdentity.DEFAULT);
        assertTrue(store.conversations().get(old).orElseThrow().archived());
        assertEquals(0, started.messageCount());
        assertEquals(started.id(), store.conversations().find(ConversationIdentity.DEFAULT).orElseThrow().id());
        long fresh = exchange(ConversationIdentity.DEFAULT, "new", "thread");
        assertEquals(started.id(), fresh);
        assertFalse(old == fresh);
        assertEquals(2, store.conversations().messages(old, 0, 10).size(), "archived messages are kept");
    }

    @Test
    void deleteRemovesTheConversationAndItsMessages() throws Exception {
        long id = exchange(ConversationIdentity.DEFAULT, "delete me", "ok");
        assertTrue(store.conversations().delete(id));
        assertFalse(store.conversations().delete(id));
        assertTrue(store.conversations().get(id).isEmpty());
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            ResultSet count = s.executeQuery("SELECT count(*) FROM messages WHERE conversation_id = " + id);
            count.next();
            assertEquals(0, count.getInt(1));
        }
    }

    @Test
    void listingIsNewestFirstWithCounts() {
        List<Long> ids = new ArrayList<>();
        for (String key : List.of("a", "b", "c")) {
            ids.add(exchange(ConversationIdentity.keyed(key), "q " + key, "a " + key));
        }
        List<ConversationSummary> list = store.conversations().list(10, 0);
        assertEquals(3, list.size());
        assertEquals(2, list.getFirst().messageCount());
        assertEquals(1, store.conversations().list(1, 1).size());
    }
}
