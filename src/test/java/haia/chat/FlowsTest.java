package haia.chat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.llm.Capability;
import haia.llm.LlmMessage;
import haia.llm.ModelRegistry;
import haia.observe.HaiaMetrics;
import haia.store.ConversationIdentity;
import haia.store.ConversationStore;
import haia.store.MessageStatus;
import haia.store.ResponseStore;
import haia.store.StoredMessage;
import haia.store.UsageGroup;
import haia.testing.RecordingSink;
import haia.testing.ScriptedLlmClient;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static haia.llm.LlmMessage.assistant;
import static haia.llm.LlmMessage.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline's flows, each chosen once from what a request looks like: which one a request gets (the request
 * log's memory), what the model is sent, and what is stored. A scripted model and a recording sink in front of the
 * real store on a real SQLite file.
 */
class FlowsTest {

    @TempDir
    Path dir;
    ConversationStore store;
    ChatPipeline pipeline;
    ScriptedLlmClient model = new ScriptedLlmClient("anthropic");

    @BeforeEach
    void start() {
        HaiaConfig config = ConfigLoader.load(Map.of("ANTHROPIC_API_KEY", "k", "HAIA_CONTEXT_WINDOW", "3",
                                                     "HAIA_PROMPT_CACHE", "off",
                                                     "HAIA_DB_PATH", dir.resolve("haia.db").toString()), dir);
        store = ConversationStore.open(config.store(), Clock.systemUTC());
        ModelRegistry models = new ModelRegistry(List.of(new ModelRegistry.Route(
                PipelinePartsTest.model("haia"), model, EnumSet.allOf(Capability.class), true)), Optional.empty());
        pipeline = new ChatPipeline(store, models, Map.of(), Persona.of("You are HAIA."), config, new HaiaMetrics(),
                                    haia.usage.Prices.of(config), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private ChatPipeline.Outcome send(ChatCommand.ConversationHint hint, LlmMessage... messages) {
        ChatCommand command = new ChatCommand(Optional.of("haia"), List.of(), List.of(messages),
                                              ChatCommand.Generation.DEFAULT, false, hint);
        RecordingSink sink = new RecordingSink(false);
        ChatPipeline.Outcome outcome = pipeline.handle(command, sink);
        sink.reply();   // every request here is answered
        return outcome;
    }

    /**
     * A Responses API request (as ResponsesService builds it): response {@code id}, continuing {@code previous} when
     * named, stored unless {@code store} is false; {@code hint} its conversation headers.
     */
    private ChatPipeline.Outcome respond(String id, Optional<String> previous, boolean store,
                                         ChatCommand.ConversationHint hint, LlmMessage... input) {
        Optional<ResponseStore.StoredResponse> continued = previous.map(p -> this.store.responses().find(p)
                .orElseThrow());
        boolean byHeaders = continued.isEmpty() && store && !hint.equals(NONE);
        ChatCommand command = new ChatCommand(Optional.of("haia"), List.of(), List.of(input),
                                              ChatCommand.Generation.DEFAULT, false, hint, Attachments.NONE,
                                              Optional.of(new ResponseTurn(id, continued, store, "{}", byHeaders)));
        RecordingSink sink = new RecordingSink(false);
        ChatPipeline.Outcome outcome = pipeline.handle(command, sink);
        sink.reply();
        return outcome;
    }

    private static ChatCommand.ConversationHint chat(String chatId) {
        return new ChatCommand.ConversationHint(Optional.empty(), Optional.of(chatId), Optional.empty());
    }

    private static final ChatCommand.ConversationHint NONE = ChatCommand.ConversationHint.NONE;

    private List<String> sent() {
        return model.lastRequest().messages().stream().map(LlmMessage::text).toList();
    }

    private long ledgerRows() {
        return store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.MODEL)
                .stream().mapToLong(t -> t.requests()).sum();
    }

    @Test
    void aThreadReadsItsStoredWindowAndAppendsTheTurn() {
        ChatPipeline.Outcome first = send(NONE, user("q1"));
        assertEquals(ChatPipeline.Memory.THREAD, first.memory());
        ChatPipeline.Outcome second = send(NONE, user("q2"));
        assertEquals(first.conversationId(), second.conversationId());
        assertEquals(List.of("q1", "Echo: q1", "q2"), sent(), "the window, then the turn");
        assertEquals(4, store.conversations().messages(second.conversationId().orElseThrow(), 0, 10).size());

        ChatPipeline.Outcome restart = send(NONE, user("/new"));
        assertEquals("new_thread", restart.result());
        assertEquals(2, model.requests().size(), "no model call");
        assertEquals(List.of("q3"), send(NONE, user("q3")).conversationId().map(id -> sent()).orElseThrow(),
                     "the fresh thread starts empty");
    }

    @Test
    void aBranchIsAlignedWithTheStoredBranch() {
        ChatPipeline.Outcome first = send(chat("c1"), user("q1"));
        assertEquals(ChatPipeline.Memory.BRANCH, first.memory());
        // the client regenerates the answer: the same history, the same turn
        ChatPipeline.Outcome again = send(chat("c1"), user("q1"));
        assertEquals(first.conversationId(), again.conversationId());
        List<StoredMessage> messages = store.conversations().messages(first.conversationId().orElseThrow(), 0, 10);
        assertEquals(List.of(MessageStatus.OK, MessageStatus.SUPERSEDED, MessageStatus.OK),
                     messages.stream().map(StoredMessage::status).toList(), "the old answer superseded");
        send(chat("c1"), user("q1"), assistant("Echo: q1"), user("q2"));
        assertEquals(List.of("q1", "Echo: q1", "q2"), sent());
    }

    @Test
    void aClientsOwnContextGoesWholeAndIsNotStored() {
        send(NONE, user("q1"));
        ChatPipeline.Outcome own = send(NONE, user("few-shot"), assistant("example"), user("a"), assistant("b"),
                                        user("question"));
        assertEquals(ChatPipeline.Memory.CLIENT, own.memory());
        assertEquals(Optional.empty(), own.conversationId());
        assertEquals(List.of("few-shot", "example", "a", "b", "question"), sent(), "all of it, window or not");
        assertEquals(1, store.conversations().list(10, 0).size(), "only the default thread");
        assertEquals(2, ledgerRows(), "its call is in the ledger all the same");
    }

    @Test
    void aTemporaryChatIsWindowedLikeAStoredOneAndNotStored() {
        ChatPipeline.Outcome temporary = send(chat("temporary:abc"), user("q1"), assistant("a1"), user("q2"),
                                              assistant("a2"), user("q3"));
        assertEquals(ChatPipeline.Memory.CLIENT, temporary.memory());
        assertEquals(List.of("q2", "a2", "q3"), sent(), "the newest messages, as in a stored chat");
        assertEquals(List.of("You are HAIA."), model.lastRequest().system(), "the persona");
        assertEquals(List.of(), store.conversations().list(10, 0));
        assertEquals(1, ledgerRows());
    }

    @Test
    void aTaskIsAnsweredFromItsPromptAndNotStored() {
        ChatPipeline.Outcome task = send(new ChatCommand.ConversationHint(Optional.empty(), Optional.of("c1"),
                                                                          Optional.of("title_generation")),
                                         user("### Task: a title for <chat_history>q</chat_history>"));
        assertEquals(ChatPipeline.Memory.TASK, task.memory());
        assertTrue(model.lastRequest().system().isEmpty(), "no persona for a task: " + model.lastRequest().system());
        assertEquals(List.of(), store.conversations().list(10, 0));
        assertTrue(store.windows().findId(ConversationIdentity.openWebUi("c1")).isEmpty());
        assertEquals(1, ledgerRows());
    }

    /**
     * A client that runs its own tools sends each exchange's calls and results as messages of their own: the window
     * (3 here) counts what the user said and the final replies, and the rounds travel with their exchange.
     */
    @Test
    void toolRoundsTravelWithTheirExchangeAndAreNotCounted() {
        List<LlmMessage> history = new java.util.ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            LlmMessage question = user("q" + i);
            send(chat("tools"), append(history, question));
            history.add(question);
            for (int round = 0; round < 3; round++) {
                String id = "call_" + i + "_" + round;
                history.add(haia.llm.TestRequests.assistant(new haia.llm.Part.ToolCall(id, "node_status", "{}")));
                history.add(haia.llm.TestRequests.user(haia.llm.TestRequests.result(id, "node_status", "up " + i)));
            }
            history.add(assistant("a" + i));
        }
        send(chat("tools"), append(history, user("what was the node name again?")));
        List<LlmMessage> sent = model.lastRequest().messages();
        assertEquals("q6", sent.getFirst().text(), "the window starts where the user spoke: " + sent());
        assertEquals(9, sent.size(), "q6, its three calls and results, a6 and the turn: " + sent());
        assertEquals(sent, ContextWindow.paired(sent), "every call with its result");
    }

    private static LlmMessage[] append(List<LlmMessage> history, LlmMessage turn) {
        List<LlmMessage> all = new java.util.ArrayList<>(history);
        all.add(turn);
        return all.toArray(LlmMessage[]::new);
    }

    @Test
    void aResponseChainIsAStoredFlowOfItsOwn() {
        ChatPipeline.Outcome first = respond("resp_1", Optional.empty(), true, NONE, user("q1"));
        assertEquals(ChatPipeline.Memory.RESPONSES, first.memory());
        assertEquals(List.of("q1"), sent(), "a first response: its input as sent");
        ChatPipeline.Outcome second = respond("resp_2", Optional.of("resp_1"), true, NONE, user("q2"));
        assertEquals(first.conversationId(), second.conversationId());
        assertEquals(List.of("q1", "Echo: q1", "q2"), sent(), "the chain's conversation, then the turn");
        assertEquals(ConversationIdentity.responses("resp_1"), store.responses().find("resp_2").orElseThrow()
                .identity(), "the record written with its exchange");

        // continuing resp_1 again: resp_2's exchange leaves the live branch, and resp_2 can no longer be continued
        respond("resp_3", Optional.of("resp_1"), true, NONE, user("q2 again"));
        assertEquals(List.of("q1", "Echo: q1", "q2 again"), sent());
        assertFalse(store.windows().live(store.responses().find("resp_2").orElseThrow().lastMessageId()));
        int calls = model.requests().size();
        RequestRefused refused = assertThrows(RequestRefused.class, () -> respond(
                "resp_4", Optional.of("resp_2"), true, NONE, user("q3")));
        assertEquals("previous_response_id", refused.param());
        assertEquals(calls, model.requests().size(), "no model call");
        assertEquals(1, store.conversations().list(10, 0).size());
        assertEquals(3, ledgerRows());
    }

    @Test
    void anUnstoredResponseReadsItsChainAndIsNotStored() {
        respond("resp_1", Optional.empty(), true, NONE, user("q1"));
        ChatPipeline.Outcome unstored = respond("resp_2", Optional.of("resp_1"), false, NONE, user("q2"));
        assertEquals(ChatPipeline.Memory.CLIENT, unstored.memory());
        assertEquals(List.of("q1", "Echo: q1", "q2"), sent());
        assertTrue(store.responses().find("resp_2").isEmpty());
        assertEquals(2, store.conversations().messages(store.responses().find("resp_1").orElseThrow()
                .conversationId(), 0, 10).size(), "nothing added to the chain's conversation");
        assertEquals(2, ledgerRows());
    }

    @Test
    void aFirstResponseNamedByHeadersTakesThatConversationsFlow() {
        send(chat("c1"), user("q1"));
        ChatPipeline.Outcome response = respond("resp_1", Optional.empty(), true, chat("c1"), user("q1"),
                                                assistant("Echo: q1"), user("q2"));
        assertEquals(ChatPipeline.Memory.BRANCH, response.memory());
        assertEquals(List.of("q1", "Echo: q1", "q2"), sent());
        ResponseStore.StoredResponse stored = store.responses().find("resp_1").orElseThrow();
        assertEquals(ConversationIdentity.openWebUi("c1"), stored.identity());
        assertEquals(2, stored.messageCount(), "the exchange is the new turn and its reply, the branch aligned");
    }
}
