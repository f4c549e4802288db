package haia.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Usage;
import haia.testing.StoreBackend;
import haia.testing.TestClock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stored Responses API responses on a real SQLite file and a real PostgreSQL server: written in their exchange's
 * transaction, found with their conversation's identity, read back as their exchange, continued, and deleted with or
 * without their conversation.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class ResponseStoreTest {

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    StoreBackend.Raw raw;
    ConversationStore store;
    final TestClock clock = new TestClock(Instant.parse("2026-11-20T09:00:00Z"));

    @BeforeEach
    void open() {
        StoreBackend.Fresh fresh = backend.fresh(dir);
        raw = fresh.raw();
        store = ConversationStore.open(fresh.config(), clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static NewMessage user(String text, MessageStatus status) {
        return NewMessage.user(LlmMessage.user(text), status, Optional.empty());
    }

    private static NewMessage reply(String text) {
        return NewMessage.text(LlmMessage.Role.ASSISTANT, text, MessageStatus.OK, Optional.of("haia"),
                               Optional.of("stop"), Optional.of(new Usage(3, 4)), Optional.empty());
    }

    /** One answered exchange, stored as response {@code id} (continuing {@code previous}, from its last message on). */
    private long respond(String id, Optional<ResponseStore.StoredResponse> previous, String question) {
        ConversationIdentity identity = previous.map(ResponseStore.StoredResponse::identity)
                .orElse(ConversationIdentity.responses(id));
        OptionalLong after = previous.map(p -> OptionalLong.of(p.lastMessageId() + 1)).orElse(OptionalLong.empty());
        return store.commit(new Exchange(identity, after, List.of(user(question, MessageStatus.OK),
                                                                  reply("Echo: " + question)), List.of(),
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
        assertTrue(store.responses().live(found.lastMessageId()));
        assertEquals(ConversationKind.RESPONSES, store.get(conversation).orElseThrow().kind(),
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
        assertEquals(List.of("first", "Echo: first", "second", "Echo: second"), store
                .window(first.conversationId(), OptionalLong.empty(), 10).stream().map(LlmMessage::text).toList());

        // continuing resp_1 again: resp_2's exchange leaves the live branch, and resp_2 can no longer be continued
        respond("resp_3", Optional.of(first), "another second");
        assertFalse(store.responses().live(second.lastMessageId()));
        assertTrue(store.responses().live(store.responses().find("resp_3").orElseThrow().lastMessageId()));
        assertEquals(List.of("first", "Echo: first", "another second", "Echo: another second"), store
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
        assertEquals(List.of("first", "Echo: first"), store.window(first.conversationId(), OptionalLong.empty(), 10)
                .stream().map(LlmMessage::text).toList());
        assertEquals(2, store.get(first.conversationId()).orElseThrow().liveCount(), "the live count follows");

        assertTrue(store.delete(first.conversationId()));
        assertTrue(store.responses().find("resp_1").isEmpty(), "deleted with its conversation");
        try (Connection c = raw.connect(); ResultSet rows = c.createStatement().executeQuery(
                "SELECT count(*) FROM responses")) {
            rows.next();
            assertEquals(0, rows.getInt(1));
        }
    }

    @Test
    void aFailedResponseIsStoredButNotLive() {
        store.commit(new Exchange(ConversationIdentity.responses("resp_f"), OptionalLong.empty(),
                                  List.of(user("doomed", MessageStatus.FAILED)), List.of(),
                                  Optional.of(new ResponseStore.NewResponse("resp_f", Optional.empty(),
                                                                            ResponseStore.Outcome.FAILED, "{}"))));
        ResponseStore.StoredResponse failed = store.responses().find("resp_f").orElseThrow();
        assertEquals(ResponseStore.Outcome.FAILED, failed.outcome());
        assertEquals(1, failed.messageCount());
        assertFalse(store.responses().live(failed.lastMessageId()));
    }
}
