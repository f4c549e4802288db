package haia.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Part;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's own rules, without a database: what it serves, what it keeps, when it forgets. */
class WindowCacheTest {

    private final WindowCache cache = WindowCache.soleWriter();

    private static List<LlmMessage> turns(int from, int to) {
        List<LlmMessage> messages = new ArrayList<>();
        for (int i = from; i < to; i++) {
            messages.add(i % 2 == 0 ? LlmMessage.user("m" + i) : LlmMessage.assistant("m" + i));
        }
        return messages;
    }

    private static List<NewMessage> exchange(String question, String answer) {
        return List.of(StoreTestCase.ok(question), StoreTestCase.answer(answer));
    }

    private static List<String> texts(Optional<WindowTail> tail) {
        return tail.orElseThrow().messages().stream().map(LlmMessage::text).toList();
    }

    @Test
    void servesTheNewestOfAKeptReadAndCountsWhatComesBefore() {
        // 30 live messages, the newest 10 read
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(20, 30), 20), 10);
        WindowTail four = cache.tail(7, 4).orElseThrow();
        assertEquals(List.of("m26", "m27", "m28", "m29"), four.messages().stream().map(LlmMessage::text).toList());
        assertEquals(26, four.before());
        assertEquals(10, cache.tail(7, 10).orElseThrow().messages().size());
        assertTrue(cache.tail(7, 11).isEmpty(), "more rows than kept, and the conversation has more: read it");
        assertTrue(cache.tail(8, 4).isEmpty(), "another conversation");
    }

    @Test
    void aWholeConversationServesAnyLimit() {
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(0, 3), 0), 10);
        WindowTail all = cache.tail(7, 50).orElseThrow();
        assertEquals(3, all.messages().size());
        assertEquals(0, all.before());
    }

    @Test
    void anAppendedExchangeFollowsTheKeptMessagesAndTheOldestLeave() {
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(20, 30), 20), 10);
        cache.appended(7, exchange("q", "a"), 32);
        assertEquals(List.of("m22", "m23", "m24", "m25", "m26", "m27", "m28", "m29", "q", "a"),
                     texts(cache.tail(7, 10)));
        assertEquals(22, cache.tail(7, 10).orElseThrow().before());
        assertTrue(cache.tail(7, 11).isEmpty(), "kept no more than was read");
    }

    @Test
    void onlyLiveMessagesAreAppended() {
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(0, 2), 0), 10);
        NewMessage failed = NewMessage.text(LlmMessage.Role.ASSISTANT, "", MessageStatus.FAILED, Optional.of("haia"),
                                            Optional.empty(), Optional.empty(), Optional.of("upstream down"));
        cache.appended(7, List.of(StoreTestCase.ok("q"), failed), 3);
        assertEquals(List.of("m0", "m1", "q"), texts(cache.tail(7, 10)));
    }

    @Test
    void aCountThatDoesNotAddUpForgetsTheConversation() {
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(0, 2), 0), 10);
        // the database counts 5 where the cache expects 4: something wrote that the cache did not see
        cache.appended(7, exchange("q", "a"), 5);
        assertTrue(cache.tail(7, 1).isEmpty());
    }

    @Test
    void anExchangeWithPicturesOrToolCallsForgetsTheConversation() {
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(0, 2), 0), 10);
        LlmMessage look = LlmMessage.of(LlmMessage.Role.USER, new Part.Text("look"),
                                        new Part.Image(new Part.Image.Inline("image/png", new byte[] {1, 2})));
        NewMessage picture = NewMessage.user(look, MessageStatus.OK, Optional.empty());
        cache.appended(7, List.of(picture, StoreTestCase.answer("nice")), 4);
        assertTrue(cache.tail(7, 1).isEmpty(), "the database keeps the picture's bytes apart: read it back as stored");
    }

    @Test
    void textTheDatabaseWouldStoreOtherwiseForgetsTheConversation() {
        assertTrue(WindowCache.wellFormed("whole: \ud83d\ude00"));
        assertFalse(WindowCache.wellFormed("half: \ud83d"));
        assertFalse(WindowCache.wellFormed("\ude00 backwards \ud83d"));
        cache.keep(cache.epoch(), Optional.empty(), 7, new WindowTail(turns(0, 2), 0), 10);
        cache.appended(7, exchange("half: \ud83d", "ok"), 4);
        assertTrue(cache.tail(7, 1).isEmpty());
    }

    @Test
    void aReadStartedBeforeAChangeIsNotKept() {
        long startedAt = cache.epoch();
        cache.forget(99);   // any conversation: the cache cannot tell which one the read raced with
        cache.keep(startedAt, Optional.empty(), 7, new WindowTail(turns(0, 2), 0), 10);
        assertTrue(cache.tail(7, 1).isEmpty());
    }

    @Test
    void anIdentityNamesItsConversationUntilItIsArchivedOrDeleted() {
        ConversationIdentity thread = ConversationIdentity.keyed("k");
        cache.keep(cache.epoch(), Optional.of(thread), 7, new WindowTail(turns(0, 2), 0), 10);
        assertEquals(OptionalLong.of(7), cache.id(thread));
        cache.forget(thread);
        assertEquals(OptionalLong.empty(), cache.id(thread));
        assertTrue(cache.tail(7, 1).isEmpty());

        cache.keep(cache.epoch(), Optional.of(thread), 8, new WindowTail(turns(0, 2), 0), 10);
        cache.forget(8);
        assertEquals(OptionalLong.empty(), cache.id(thread));
    }

    @Test
    void theLeastRecentlyUsedConversationsLeaveFirst() {
        for (long id = 1; id <= WindowCache.MAX_CONVERSATIONS; id++) {
            cache.keep(cache.epoch(), Optional.of(ConversationIdentity.keyed("k" + id)), id,
                       new WindowTail(turns(0, 2), 0), 10);
        }
        cache.tail(1, 1);   // used: now the most recent
        cache.keep(cache.epoch(), Optional.empty(), 1000, new WindowTail(turns(0, 2), 0), 10);
        assertEquals(WindowCache.MAX_CONVERSATIONS, cache.size());
        assertTrue(cache.tail(1, 1).isPresent());
        assertTrue(cache.tail(2, 1).isEmpty(), "the least recently used left");
        assertEquals(OptionalLong.empty(), cache.id(ConversationIdentity.keyed("k2")));
    }

    @Test
    void longWindowsAreNotKeptAndTheCharactersStayBounded() {
        String pasted = "x".repeat((int) (WindowCache.MAX_CHARS / 16));
        List<LlmMessage> huge = List.of(LlmMessage.user(pasted), LlmMessage.assistant(pasted), LlmMessage.user(pasted));
        cache.keep(cache.epoch(), Optional.empty(), 1, new WindowTail(huge, 0), 10);
        assertTrue(cache.tail(1, 1).isEmpty(), "one window of an eighth of the budget or more is not kept");

        List<LlmMessage> large = List.of(LlmMessage.user(pasted));
        for (long id = 1; id <= 20; id++) {
            cache.keep(cache.epoch(), Optional.empty(), id, new WindowTail(large, 0), 10);
        }
        assertTrue(cache.size() <= 16, "at most the budget's worth: " + cache.size());
        assertTrue(cache.tail(20, 1).isPresent());
    }

    @Test
    void aDatabaseWithOtherWritersKeepsNothing() {
        WindowCache none = WindowCache.none();
        none.keep(none.epoch(), Optional.of(ConversationIdentity.keyed("k")), 7, new WindowTail(turns(0, 2), 0), 10);
        assertTrue(none.tail(7, 1).isEmpty());
        assertEquals(OptionalLong.empty(), none.id(ConversationIdentity.keyed("k")));
    }
}
