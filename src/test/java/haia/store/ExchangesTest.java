package haia.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.TestRequests;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exchange commit: text byte-exactly, the live branch, identities, parts and pictures. */
class ExchangesTest extends StoreTestCase {

    @Test
    void storesTextByteExactly() {
        // NUL and U+FFFF: PostgreSQL's text cannot hold NUL, so HAIA escapes it there, with U+FFFF
        String tricky = "naïve ☃ 😀 \u0000 nul, tab\t, CRLF\r\n, RTL \u202e, zero width \u200b, \uffff0 \uffff1 \uffff, the end";
        long id = exchange(ConversationIdentity.DEFAULT, tricky, "ok");
        List<StoredMessage> messages = store.conversations().messages(id, 0, 10);
        assertEquals(tricky, messages.getFirst().content());
        assertEquals(tricky, store.windows().window(id, OptionalLong.empty(), 10).getFirst().text());
        assertEquals(tricky.substring(0, 5), store.conversations().get(id).orElseThrow().title().orElseThrow().substring(0, 5));
        assertEquals(store.windows().liveBranch(id).getFirst().contentHash(), ContentHash.of(tricky));
    }

    @Test
    void supersedingTakesMessagesOffTheLiveBranchButKeepsThem() {
        long id = exchange(ConversationIdentity.openWebUi("chat-1"), "q0", "a0");
        exchange(ConversationIdentity.openWebUi("chat-1"), "q1", "a1");
        List<MessageKey> live = store.windows().liveBranch(id);
        long answerId = live.get(3).id();
        store.exchanges().commit(new Exchange(ConversationIdentity.openWebUi("chat-1"), OptionalLong.of(answerId),
                                  List.of(answer("a1 again"))));

        assertEquals(List.of("q0", "a0", "q1", "a1 again"),
                     store.windows().window(id, OptionalLong.empty(), 10).stream().map(LlmMessage::text).toList());
        List<StoredMessage> all = store.conversations().messages(id, 0, 10);
        assertEquals(5, all.size());
        assertEquals(MessageStatus.SUPERSEDED, all.get(3).status());
        assertEquals(5, store.conversations().get(id).orElseThrow().messageCount());
        assertEquals(4, store.conversations().get(id).orElseThrow().liveCount());
        // where a window's tail sits (the stored count the block window reads) keeps up with supersedes, and counts
        // before a message id
        assertEquals(3, store.windows().tail(id, OptionalLong.empty(), 1).before());
        assertEquals(1, store.windows().tail(ConversationIdentity.openWebUi("chat-1"), 3).before());
        assertEquals(2, store.windows().tail(id, OptionalLong.of(store.windows().liveBranch(id).get(3).id()), 1).before());
        assertEquals(0, store.windows().tail(id, OptionalLong.empty(), 10).before());
        store.exchanges().commit(new Exchange(ConversationIdentity.openWebUi("chat-1"), OptionalLong.empty(),
                                  List.of(new NewMessage(LlmMessage.Role.USER, List.of(new haia.llm.Part.Text("lost")),
                                                         MessageStatus.FAILED, Optional.empty(), Optional.empty(),
                                                         Optional.empty(), Optional.of("upstream down")))));
        assertEquals(3, store.windows().tail(id, OptionalLong.empty(), 1).before(), "a failed turn is off the live branch");
        assertEquals(new WindowTail(List.of(), 0), store.windows().tail(ConversationIdentity.openWebUi("nobody"), 3));
    }

    @Test
    void conversationsAreSeparatedByIdentity() {
        long a = exchange(ConversationIdentity.openWebUi("a"), "qa", "aa");
        long b = exchange(ConversationIdentity.openWebUi("b"), "qb", "ab");
        long keyed = exchange(ConversationIdentity.keyed("a"), "qk", "ak");
        long def = exchange(ConversationIdentity.DEFAULT, "qd", "ad");
        assertEquals(4, List.of(a, b, keyed, def).stream().distinct().count());
        assertEquals(a, store.conversations().find(ConversationIdentity.openWebUi("a")).orElseThrow().id());
        assertEquals(Optional.of("a"), store.conversations().get(keyed).orElseThrow().key());
        assertEquals(Optional.of("qd"), store.conversations().get(def).orElseThrow().title());
    }

    /**
     * A message that is more than text keeps all its parts (the model's signed thinking, tool calls, results); an
     * image's bytes are stored once per conversation in their own table and come back as a reference, which
     * alignment recognises as the same picture, and whose bytes are loaded only when asked for.
     */
    @Test
    void partsAreStoredWholeAndImagesOnceByReference() throws Exception {
        Part.Image png = new Part.Image(new Part.Image.Inline("image/png", TestRequests.PNG));
        LlmMessage question = new LlmMessage(LlmMessage.Role.USER, List.of(new Part.Text("what is this?"), png));
        List<Part> reply = List.of(new Part.Thinking("a dialog", Optional.of("sig-1"), Optional.empty(), "anthropic"),
                                   new Part.Text("Let me check."),
                                   new Part.ToolCall("toolu_1", "node_status", "{\"node\":\"pve1\"}"));
        LlmMessage results = new LlmMessage(LlmMessage.Role.USER, List.of(new Part.ToolResult(
                "toolu_1", "node_status", List.of(new Part.Text("online"), png), false), new Part.Text("and?")));
        long id = store.exchanges().commit(new Exchange(ConversationIdentity.keyed("parts"), OptionalLong.empty(), List.of(
                NewMessage.user(question, MessageStatus.OK, Optional.empty()),
                new NewMessage(LlmMessage.Role.ASSISTANT, reply, MessageStatus.OK, Optional.of("haia"),
                               Optional.of("tool_calls"), Optional.empty(), Optional.empty()),
                NewMessage.user(results, MessageStatus.OK, Optional.empty()))));

        List<LlmMessage> window = store.windows().window(id, OptionalLong.empty(), 20);
        assertEquals("what is this?", window.get(0).text());
        Part.Image.Stored stored = (Part.Image.Stored) window.get(0).parts(Part.Image.class).getFirst().source();
        assertEquals("image/png", stored.mediaType());
        assertEquals(TestRequests.PNG.length, stored.size());
        assertEquals(reply, window.get(1).parts(), "thinking, signature and call, exactly");
        Part.ToolResult result = window.get(2).parts(Part.ToolResult.class).getFirst();
        assertEquals(stored, ((Part.Image) result.content().get(1)).source(), "the same picture: the same row");
        assertEquals(ContentHash.of(question), ContentHash.of(window.get(0)), "recognised when sent again");
        assertEquals(ContentHash.of(results), ContentHash.of(window.get(2)));
        assertEquals(Map.of(stored.id(), new Part.Image.Inline("image/png", TestRequests.PNG)),
                     store.windows().images(List.of(stored.id())));
        assertEquals(1, count("SELECT count(*) FROM images"), "stored once");
        assertEquals(List.of(), store.conversations().messages(id, 0, 10).stream().filter(m -> m.content().isEmpty()).toList());
        assertEquals(reply, store.conversations().messages(id, 0, 10).get(1).parts());

        assertTrue(store.conversations().delete(id));
        assertEquals(0, count("SELECT count(*) FROM images"), "deleted with the conversation");
    }
}
