package haia.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stored Responses API responses on a real SQLite file and a real PostgreSQL server: written in their exchange's
 * transaction, found with their conversation's identity, read back as their exchange, continued, and deleted with or
 * without their conversation.
 */
class ResponseStoreTest extends StoreTestCase {

    private static NewMessage user(String text, MessageStatus status) {
        return NewMessage.user(LlmMessage.user(text), status, Optional.empty());
    }

    /** One answered exchange, stored as response {@code id} (continuing {@code previous}, from its last message on). */
    private long respond(String id, Optional<ResponseStore.StoredResponse> previous, String question) {
        ConversationIdentity identity = previous.map(ResponseStore.StoredResponse::identity)
                .orElse(ConversationIdentity.responses(id));
        OptionalLong after = previous.map(p -> OptionalLong.of(p.lastMessageId() + 1)).orElse(OptionalLong.empty());
        return store.exchanges().commit(new Exchange(identity, after, List.of(user(question, MessageStatus.OK),
                                                                  answer("Echo: " + question)), List.of(),
                                         Optional.of(new ResponseStore.NewResponse(
                                                 id, previous.map(ResponseStore.StoredResponse::id),
                                                 ResponseStore.Outcome.ANSWERED, "{\"model\":\"haia\"}"))));
    }

    @Test
    void aResponseIsItsExchangeInAConversationOfItsOwn() {
        long conversation = respond("resp_a", Optional.empty(), "pve2 says quorum lost");
        ResponseStore.StoredResponse found = store.responses().find("resp_a").orElseThrow();
        assertEquals(conversation, found.conversationId());
        assertEquals(ConversationIdentity.responses("resp_a"), found.identity());
        assertEquals(2, found.messageCount());
        assertEquals(ResponseStore.Outcome.ANSWERED, found.outcome());
        assertEquals("{\"model\":\"haia\"}", found.request());
        assertEquals(List.of("pve2 says quorum lost", "Echo: pve2 says quorum lost"),
                     store.responses().exchange(found).stream().map(StoredMessage::content).toList());
        assertTrue(store.windows().live(found.lastMessageId()));
        assertEquals(ConversationKind.RESPONSES, store.conversations().get(conversation).orElseThrow().kind(),
                     "the widened kind constraint takes 'responses'");
        assertTrue(store.responses().find("resp_missing").isEmpty());
    }

    @Test
    void aContinuationAppendsAndAnEarlierOneReplacesWhatFollowed() {
        respond("resp_1", Optional.empty(), "first");
        ResponseStore.StoredResponse first = store.responses().find("resp_1").orElseThrow();
        respond("resp_2", Optional.of(first), "second");
        ResponseStore.StoredResponse second = store.responses().find("resp_2").orElseThrow();
        assertEquals(first.conversationId(), second.conversationId());
        assertEquals(Optional.of("resp_1"), second.previousResponseId());
        assertEquals(List.of("first", "Echo: first", "second", "Echo: second"), store.windows()
                .window(first.conversationId(), OptionalLong.empty(), 10).stream().map(LlmMessage::text).toList());

        // continuing resp_1 again: resp_2's exchange leaves the live branch, and resp_2 can no longer be continued
        respond("resp_3", Optional.of(first), "another second");
        assertFalse(store.windows().live(second.lastMessageId()));
        assertTrue(store.windows().live(store.responses().find("resp_3").orElseThrow().lastMessageId()));
        assertEquals(List.of("first", "Echo: first", "another second", "Echo: another second"), store.windows()
                .window(first.conversationId(), OptionalLong.empty(), 10).stream().map(LlmMessage::text).toList());
        assertEquals(List.of("second", "Echo: second"), store.responses().exchange(second).stream()
                .map(StoredMessage::content).toList(), "a replaced response still reads back");
    }

    @Test
    void deletingAResponseForgetsItsExchangeAndKeepsTheRest() throws Exception {
        respond("resp_1", Optional.empty(), "first");
        ResponseStore.StoredResponse first = store.responses().find("resp_1").orElseThrow();
        respond("resp_2", Optional.of(first), "second");
        assertTrue(store.responses().delete("resp_2"));
        assertFalse(store.responses().delete("resp_2"));
        assertTrue(store.responses().find("resp_2").isEmpty());
        assertEquals(List.of("first", "Echo: first"), store.windows()
                .window(first.conversationId(), OptionalLong.empty(), 10).stream().map(LlmMessage::text).toList());
        assertEquals(2, store.conversations().get(first.conversationId()).orElseThrow().liveCount(),
                     "the live count follows");

        assertTrue(store.conversations().delete(first.conversationId()));
        assertTrue(store.responses().find("resp_1").isEmpty(), "deleted with its conversation");
        try (Connection c = raw.connect(); ResultSet rows = c.createStatement().executeQuery(
                "SELECT count(*) FROM responses")) {
            rows.next();
            assertEquals(0, rows.getInt(1));
        }
    }

    @Test
    void aFailedResponseIsStoredButNotLive() {
        store.exchanges().commit(new Exchange(ConversationIdentity.responses("resp_f"), OptionalLong.empty(),
                                  List.of(user("doomed", MessageStatus.FAILED)), List.of(),
                                  Optional.of(new ResponseStore.NewResponse("resp_f", Optional.empty(),
                                                                            ResponseStore.Outcome.FAILED, "{}"))));
        ResponseStore.StoredResponse failed = store.responses().find("resp_f").orElseThrow();
        assertEquals(ResponseStore.Outcome.FAILED, failed.outcome());
        assertEquals(1, failed.messageCount());
        assertFalse(store.windows().live(failed.lastMessageId()));
    }
}
