package haia.chat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.llm.Capability;
import haia.llm.FinishReason;
import haia.llm.LlmEvent;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.ModelRegistry;
import haia.llm.Part;
import haia.llm.TestRequests;
import haia.llm.ToolChoice;
import haia.llm.ToolUse;
import haia.observe.HaiaMetrics;
import haia.openai.ToolActivity;
import haia.store.ContentHash;
import haia.store.ConversationStore;
import haia.store.StoredMessage;
import haia.testing.RecordingSink;
import haia.testing.ScriptedLlmClient;
import haia.tools.SourceStatus;
import haia.tools.ToolCatalog;
import haia.tools.ToolException;
import haia.tools.ToolResult;
import haia.tools.ToolSource;
import haia.tools.ToolSpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent loop in the pipeline, without sockets: a scripted model that calls whichever tool a test names, a small
 * in-memory tool source behind the real {@link ToolCatalog}, the real store on a SQLite file. The loop, parallel
 * calls, the step and time bounds, errors as results, memory of tool results on the next turn (with the text
 * OpenWebUI resends), what a streaming sink is shown, and a client's tools next to HAIA's.
 */
class AgentLoopTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    ConversationStore store;
    ToolCatalog catalog;
    ChatPipeline pipeline;
    ScriptedLlmClient model = new ScriptedLlmClient("anthropic");
    Lab lab = new Lab();

    /** A tool source for the tests: {@code nodes}, {@code wait} (parallel proof), {@code slow}, {@code broken}. */
    static final class Lab implements ToolSource {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile CountDownLatch together = new CountDownLatch(2);
        volatile Duration slow = Duration.ofSeconds(5);

        @Override
        public String name() {
            return "lab";
        }

        @Override
        public List<ToolSpec> tools() {
            JsonNode schema = JSON.createObjectNode().put("type", "object");
            return List.of(new ToolSpec("nodes", "The nodes and whether each is up.", schema, true),
                           new ToolSpec("wait", "Waits for a second call of itself.", schema, true),
                           new ToolSpec("slow", "Takes its time.", schema, true),
                           new ToolSpec("broken", "Always fails.", schema, true));
        }

        @Override
        public ToolResult call(String tool, JsonNode arguments) {
            calls.add(tool + " " + arguments);
            try {
                return switch (tool) {
                    case "nodes" -> ToolResult.ok("pve1 online, pve2 online, pve3 OFFLINE");
                    case "wait" -> {
                        together.countDown();
                        yield together.await(10, TimeUnit.SECONDS) ? ToolResult.ok("met the other call")
                                : ToolResult.error("ran alone");
                    }
                    case "slow" -> {
                        Thread.sleep(slow);
                        yield ToolResult.ok("slow answer");
                    }
                    default -> throw new ToolException("Proxmox answered 403 (permission check failed)");
                };
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ToolResult.error("interrupted");
            }
        }

        @Override
        public SourceStatus status() {
            return new SourceStatus("ready", "lab");
        }

        @Override
        public void close() {
        }
    }

    private void start(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("ANTHROPIC_API_KEY", "k");
        all.put("HAIA_DB_PATH", dir.resolve("haia.db").toString());
        HaiaConfig config = ConfigLoader.load(all, dir);
        store = ConversationStore.open(config.store(), Clock.systemUTC());
        catalog = new ToolCatalog(List.of(lab), config.tools().timeout(), config.tools().maxOutputChars(), t -> t,
                                  Clock.systemUTC());
        ModelRegistry models = new ModelRegistry(List.of(
                new ModelRegistry.Route(PipelinePartsTest.model("claude"), model, EnumSet.allOf(Capability.class), true),
                new ModelRegistry.Route(PipelinePartsTest.model("plain"), model, EnumSet.noneOf(Capability.class), false)),
                                                 Optional.empty());
        pipeline = new ChatPipeline(store, models, Map.of(), Persona.of("You are HAIA."), config, catalog,
                                    new HaiaMetrics(), haia.usage.Prices.of(config), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
        if (catalog != null) {
            catalog.close();
        }
    }

    private static ChatCommand command(boolean stream, ToolUse tools, LlmMessage... messages) {
        return command("claude", stream, tools, Optional.empty(), messages);
    }

    private static ChatCommand command(String model, boolean stream, ToolUse tools, Optional<String> chatId,
                                       LlmMessage... messages) {
        ChatCommand.Generation generation = new ChatCommand.Generation(OptionalInt.empty(), haia.llm.Sampling.DEFAULT,
                                                                       tools, haia.llm.ResponseFormat.TEXT,
                                                                       Optional.empty());
        return new ChatCommand(Optional.of(model), List.of(), List.of(messages), generation, stream,
                               chatId.isPresent()
                                       ? new ChatCommand.ConversationHint(Optional.empty(), chatId, Optional.empty())
                                       : new ChatCommand.ConversationHint(Optional.of("c1"), Optional.empty(),
                                                                          Optional.empty()));
    }

    private RecordingSink send(ChatCommand command) {
        RecordingSink sink = new RecordingSink(command.stream());
        pipeline.handle(command, sink);
        return sink;
    }

    private static Part.ToolCall call(String id, String name) {
        return new Part.ToolCall(id, name, "{}");
    }

    private static List<String> toolNames(LlmRequest request) {
        return request.tools().tools().stream().map(t -> t.name()).toList();
    }

    private List<Part> storedReply() {
        long id = store.conversations().list(10, 0).getFirst().id();
        List<StoredMessage> messages = store.conversations().messages(id, 0, 50);
        return messages.getLast().parts();
    }

    @Test
    void theModelCallsAToolReadsItsResultAndAnswers() {
        start(Map.of());
        model.reply(new Part.Text("Let me check."), call("toolu_1", "haia_lab_nodes"))
                .reply(new Part.Text("pve1 and pve2 are up; pve3 is offline."));
        Reply reply = send(command(false, ToolUse.NONE, LlmMessage.user("which nodes are up?"))).reply();

        assertEquals(2, model.requests().size());
        LlmRequest first = model.requests().getFirst();
        assertTrue(toolNames(first).containsAll(List.of("haia_lab_nodes", "haia_lab_slow")), toolNames(first).toString());
        assertEquals(ToolChoice.AUTO, first.tools().choice());
        assertTrue(first.cachePrefix() && model.requests().get(1).cachePrefix(),
                   "every step keeps the prompt-cache breakpoints of the request");
        List<LlmMessage> second = model.requests().get(1).messages();
        assertEquals(3, second.size());
        assertEquals(List.of(new Part.Text("Let me check."), call("toolu_1", "haia_lab_nodes")), second.get(1).parts());
        Part.ToolResult result = second.get(2).parts(Part.ToolResult.class).getFirst();
        assertEquals("toolu_1", result.callId());
        assertEquals("pve1 online, pve2 online, pve3 OFFLINE", result.text());
        assertFalse(result.error());

        assertEquals("Let me check.pve1 and pve2 are up; pve3 is offline.", reply.text());
        assertEquals(FinishReason.STOP, reply.finishReason());
        assertEquals(new haia.llm.Usage(6, 4), reply.usage(), "both model calls are billed");
        String shown = ToolActivity.text(reply.parts());
        assertTrue(shown.startsWith("Let me check.\n\n<details type=\"tool_calls\" done=\"true\" id=\"toolu_1\""
                                            + " name=\"haia_lab_nodes\" arguments=\"&quot;{}&quot;\""
                                            + " result=\"&quot;pve1 online, pve2 online, pve3 OFFLINE&quot;\""), shown);
        assertTrue(shown.endsWith("</details>\npve1 and pve2 are up; pve3 is offline."), shown);
        assertEquals(reply.parts(), storedReply(), "the whole loop is stored as the reply");
        List<haia.store.UsageTotals> totals = store.ledger().usage(java.time.Instant.EPOCH,
                                                          java.time.Instant.now().plusSeconds(60),
                                                          haia.store.UsageGroup.By.MODEL);
        assertEquals(1, totals.size(), totals.toString());
        assertEquals(2, totals.getFirst().requests(), "each model call of the loop is a row of the usage ledger");
        assertEquals(6, totals.getFirst().inputTokens());
    }

    /** Claude's signed thinking goes back with its call in the next step, unchanged, and is stored with the reply. */
    @Test
    void signedThinkingStaysWithItsCallAcrossSteps() {
        start(Map.of());
        Part.Thinking thinking = new Part.Thinking("check the nodes first", Optional.of("sig-1"), Optional.empty(),
                                                   "anthropic");
        model.reply(thinking, call("toolu_1", "haia_lab_nodes")).reply(new Part.Text("pve3 is down."));
        send(command(true, ToolUse.NONE, LlmMessage.user("which nodes are up?")));
        LlmMessage replayed = model.requests().get(1).messages().get(1);
        assertEquals(List.of(thinking, call("toolu_1", "haia_lab_nodes")), replayed.parts());
        assertEquals(thinking, storedReply().getFirst(), "stored, signature and all, for the next turn");
    }

    /** A window too small for the whole loop starts where the user spoke: no result without its call. */
    @Test
    void aSmallWindowNeverSeparatesACallFromItsResult() {
        start(Map.of("HAIA_CONTEXT_WINDOW", "3"));
        model.reply(call("toolu_1", "haia_lab_nodes")).reply(new Part.Text("pve3 is down."));
        send(command(false, ToolUse.NONE, LlmMessage.user("which nodes are up?")));
        model.reply(new Part.Text("ok"));
        send(command(false, ToolUse.NONE, LlmMessage.user("thanks")));
        List<LlmMessage> window = model.lastRequest().messages();
        for (int i = 0; i < window.size(); i++) {
            for (Part.ToolResult result : window.get(i).parts(Part.ToolResult.class)) {
                assertTrue(i > 0 && window.get(i - 1).parts(Part.ToolCall.class).stream()
                        .anyMatch(c -> c.id().equals(result.callId())), "a result without its call: " + window);
            }
        }
        assertEquals(LlmMessage.Role.USER, window.getFirst().role());
        assertFalse(window.getFirst().has(Part.ToolResult.class), window.toString());
    }

    @Test
    void callsOfOneReplyRunInParallel() {
        start(Map.of());
        model.reply(call("a", "haia_lab_wait"), call("b", "haia_lab_wait")).reply(new Part.Text("both met"));
        Reply reply = send(command(false, ToolUse.NONE, LlmMessage.user("go"))).reply();
        List<Part.ToolResult> results = model.requests().get(1).messages().getLast().parts(Part.ToolResult.class);
        assertEquals(List.of("a", "b"), results.stream().map(Part.ToolResult::callId).toList());
        results.forEach(r -> assertEquals("met the other call", r.text(), "each waited for the other"));
        assertTrue(reply.text().endsWith("both met"));
    }

    @Test
    void atTheStepBoundTheModelMustAnswerWithoutTools() {
        start(Map.of("HAIA_TOOLS_MAX_STEPS", "3"));
        for (int i = 0; i < 3; i++) {
            model.reply(call("c" + i, "haia_lab_nodes"));   // a model that never stops looking
        }
        RecordingSink sink = send(command(true, ToolUse.NONE, LlmMessage.user("loop forever")));
        Reply reply = sink.reply();
        assertEquals(3, model.requests().size(), "HAIA_TOOLS_MAX_STEPS model calls");
        assertEquals(List.of(ToolChoice.AUTO, ToolChoice.AUTO, ToolChoice.NONE),
                     model.requests().stream().map(r -> r.tools().choice()).toList());
        assertEquals(2, lab.calls.size(), "the call made at the bound is not run");
        assertEquals(AgentLoop.NOTHING_SAID, reply.text());
        assertEquals(FinishReason.STOP, reply.finishReason());
        List<Part.ToolCall> calls = reply.parts().stream().filter(Part.ToolCall.class::isInstance)
                .map(Part.ToolCall.class::cast).toList();
        assertEquals(List.of("c0", "c1"), calls.stream().map(Part.ToolCall::id).toList(), "every stored call has its result");
    }

    @Test
    void atTheTimeBoundTheModelMustAnswerWithoutTools() {
        start(Map.of("HAIA_TOOLS_BUDGET", "300ms", "HAIA_TOOLS_TIMEOUT", "5s"));
        lab.slow = Duration.ofMillis(600);
        model.reply(call("c1", "haia_lab_slow")).reply(new Part.Text("answered from what I have"));
        Reply reply = send(command(false, ToolUse.NONE, LlmMessage.user("take your time"))).reply();
        assertEquals(List.of(ToolChoice.AUTO, ToolChoice.NONE),
                     model.requests().stream().map(r -> r.tools().choice()).toList());
        assertEquals("slow answer", model.requests().get(1).messages().getLast().parts(Part.ToolResult.class)
                .getFirst().text());
        assertTrue(reply.text().endsWith("answered from what I have"));
    }

    @Test
    void failuresTimeoutsUnknownToolsAndBadArgumentsAreErrorResults() {
        start(Map.of("HAIA_TOOLS_TIMEOUT", "300ms"));
        model.reply(call("1", "haia_lab_broken"), call("2", "haia_lab_slow"), call("3", "haia_lab_vm_stop"),
                    new Part.ToolCall("4", "haia_lab_nodes", "{not json"))
                .reply(new Part.Text("Some checks failed."));
        Reply reply = send(command(false, ToolUse.NONE, LlmMessage.user("check everything"))).reply();
        List<Part.ToolResult> results = model.requests().get(1).messages().getLast().parts(Part.ToolResult.class);
        assertEquals(4, results.size());
        results.forEach(r -> assertTrue(r.error(), r.text()));
        assertEquals("Proxmox answered 403 (permission check failed)", results.get(0).text());
        assertTrue(results.get(1).text().contains("did not finish within 300 ms"), results.get(1).text());
        assertTrue(results.get(2).text().startsWith("There is no tool named haia_lab_vm_stop"), results.get(2).text());
        assertTrue(results.get(3).text().contains("not a JSON object"), results.get(3).text());
        assertTrue(reply.text().endsWith("Some checks failed."));
        assertTrue(ToolActivity.text(reply.parts()).contains("result=\"&quot;Error: Proxmox answered 403"),
                   "an error shows as one");
    }

    /**
     * The next turn, from OpenWebUI: it resends the reply's text with HAIA's blocks in it. The request aligns with
     * the stored conversation (a new turn, nothing imported) and the model gets the earlier calls and results.
     */
    @Test
    void theNextTurnRemembersWhatWasFoundAndAlignsWithWhatOpenWebUiResends() {
        start(Map.of());
        model.reply(new Part.Text("Checking."), call("toolu_1", "haia_lab_nodes")).reply(new Part.Text("pve3 is down."));
        Reply first = send(command("claude", true, ToolUse.NONE, Optional.of("owui-chat-1"),
                                   LlmMessage.user("which nodes are up?"))).reply();
        String resent = ToolActivity.text(first.parts());   // what OpenWebUI stored from the stream

        // OpenWebUI's next request, parsed as HAIA parses it
        LlmMessage resentReply = assistantFromOpenWebUi(resent);
        model.reply(new Part.Text("It was pve3."));
        send(command("claude", false, ToolUse.NONE, Optional.of("owui-chat-1"), LlmMessage.user("which nodes are up?"),
                     resentReply, LlmMessage.user("which one was down?")));

        long id = store.conversations().list(10, 0).getFirst().id();
        List<StoredMessage> stored = store.conversations().messages(id, 0, 50);
        assertEquals(4, stored.size(), "a new turn: nothing imported, nothing superseded " + stored);
        assertEquals(ContentHash.of(resentReply), ContentHash.of(new LlmMessage(LlmMessage.Role.ASSISTANT,
                                                                               stored.get(1).parts())));
        List<LlmMessage> window = model.lastRequest().messages();
        assertEquals(5, window.size(), window.toString());
        assertEquals(List.of(new Part.Text("Checking."), call("toolu_1", "haia_lab_nodes")), window.get(1).parts());
        assertEquals("pve1 online, pve2 online, pve3 OFFLINE",
                     window.get(2).parts(Part.ToolResult.class).getFirst().text(), "the whole result, from the store");
        assertEquals("pve3 is down.", window.get(3).text());
        assertTrue(window.stream().noneMatch(m -> m.text().contains("<details")), "no markup reaches the model");
    }

    /** A temporary chat (nothing stored): the blocks OpenWebUI resends become the calls and results they show. */
    @Test
    void resentBlocksReachTheModelAsCallsAndResultsNotAsMarkup() {
        start(Map.of());
        model.reply(call("toolu_1", "haia_lab_nodes")).reply(new Part.Text("pve3 is down."));
        Reply first = send(command("claude", false, ToolUse.NONE, Optional.of("temporary:abc"),
                                   LlmMessage.user("which nodes are up?"))).reply();
        model.reply(new Part.Text("It was pve3."));
        send(command("claude", false, ToolUse.NONE, Optional.of("temporary:abc"), LlmMessage.user("which nodes are up?"),
                     assistantFromOpenWebUi(ToolActivity.text(first.parts())), LlmMessage.user("which one?")));
        List<LlmMessage> window = model.lastRequest().messages();
        assertEquals(List.of(call("toolu_1", "haia_lab_nodes")), window.get(1).parts());
        assertEquals("pve1 online, pve2 online, pve3 OFFLINE",
                     window.get(2).parts(Part.ToolResult.class).getFirst().text());
        assertTrue(window.stream().noneMatch(m -> m.text().contains("<details")), window.toString());
    }

    /** Streamed: the text as it comes, never a tool-call delta for HAIA's tools; the sink hears of each call. */
    @Test
    void aStreamShowsTheActivityButNoToolCallsOfHaia() {
        start(Map.of());
        model.reply(new Part.Text("Checking."), call("toolu_1", "haia_lab_nodes"), call("toolu_2", "haia_lab_broken"))
                .reply(new Part.Text("Done."));
        RecordingSink sink = send(command(true, ToolUse.NONE, LlmMessage.user("status?")));
        assertTrue(sink.deltas().stream().noneMatch(LlmEvent.ToolCallDelta.class::isInstance), sink.deltas().toString());
        assertEquals(List.of(new LlmEvent.TextDelta("Checking."), new LlmEvent.TextDelta("Done.")), sink.deltas());
        assertEquals(List.of("running haia_lab_nodes {}", "running haia_lab_broken {}",
                             "done haia_lab_nodes: pve1 online, pve2 online, pve3 OFFLINE",
                             "failed haia_lab_broken: Proxmox answered 403 (permission check failed)"),
                     sink.activity());
    }

    /**
     * The client's tools and HAIA's in one request: HAIA runs its own; a call of the client's ends the loop and goes
     * to the client (streamed, numbered from 0 among the client's calls); a HAIA call next to it is not run.
     */
    @Test
    void aClientToolCallEndsTheLoopAndGoesToTheClient() {
        start(Map.of());
        ToolUse client = new ToolUse(List.of(TestRequests.nodeStatus()), ToolChoice.AUTO, Optional.empty());
        model.reply(call("h1", "haia_lab_nodes"))
                .reply(call("h2", "haia_lab_nodes"), new Part.ToolCall("c1", "node_status", "{\"node\":\"pve3\"}"));
        RecordingSink sink = send(command(true, client, LlmMessage.user("why is pve3 down?")));
        Reply reply = sink.reply();
        assertEquals(List.of("node_status", "haia_lab_broken", "haia_lab_nodes", "haia_lab_slow", "haia_lab_wait"),
                     toolNames(model.requests().getFirst()), "the client's tools first, then HAIA's");
        assertEquals(FinishReason.TOOL_CALLS, reply.finishReason());
        assertEquals(1, lab.calls.size(), "h2, next to the client's call, is not run");
        List<Part.ToolCall> calls = reply.parts().stream().filter(Part.ToolCall.class::isInstance)
                .map(Part.ToolCall.class::cast).toList();
        assertEquals(List.of("h1", "c1"), calls.stream().map(Part.ToolCall::id).toList());
        List<LlmEvent.ToolCallDelta> streamed = sink.deltas().stream().filter(LlmEvent.ToolCallDelta.class::isInstance)
                .map(LlmEvent.ToolCallDelta.class::cast).toList();
        assertEquals(1, streamed.size(), streamed.toString());
        assertEquals(0, streamed.getFirst().index());
        assertEquals(Optional.of("node_status"), streamed.getFirst().name());

        // the client answers its call, resending the reply as it got it (HAIA's call as a block in the content): it
        // aligns with the stored reply, and HAIA's earlier call and its whole result stay in the window
        model.reply(new Part.Text("pve3 lost power."));
        Map<String, Object> resent = Map.of("role", "assistant", "content", ToolActivity.text(reply.parts()),
                                            "tool_calls", List.of(Map.of("id", "c1", "type", "function", "function",
                                                    Map.of("name", "node_status", "arguments", "{\"node\":\"pve3\"}"))));
        List<LlmMessage> sent = parse(List.of(Map.of("role", "user", "content", "why is pve3 down?"), resent,
                                              Map.of("role", "tool", "tool_call_id", "c1",
                                                     "content", "offline since 09:12")));
        send(command(false, client, sent.toArray(LlmMessage[]::new)));
        long id = store.conversations().list(10, 0).getFirst().id();
        assertEquals(4, store.conversations().messages(id, 0, 50).size(), "aligned: the client's result is a new turn");
        List<LlmMessage> window = model.lastRequest().messages();
        assertTrue(window.stream().anyMatch(m -> m.parts(Part.ToolResult.class).stream()
                .anyMatch(r -> r.callId().equals("h1"))), window.toString());
        assertEquals("c1", window.getLast().parts(Part.ToolResult.class).getFirst().callId());
    }

    /** HAIA's tools are not offered to a model that cannot call tools, nor to OpenWebUI's background tasks. */
    @Test
    void noToolsForAModelWithoutToolsOrForATask() {
        start(Map.of());
        send(command("plain", false, ToolUse.NONE, Optional.empty(), LlmMessage.user("hello")));
        assertEquals(List.of(), toolNames(model.lastRequest()));
        ChatCommand task = new ChatCommand(Optional.of("claude"), List.of(), List.of(LlmMessage.user(
                "### Task:\nGenerate a title\n<chat_history>\nUSER: hi\n</chat_history>")),
                ChatCommand.Generation.DEFAULT, false, ChatCommand.ConversationHint.NONE);
        send(task);
        assertEquals(List.of(), toolNames(model.lastRequest()));
        assertTrue(lab.calls.isEmpty());
    }

    /** The assistant message OpenWebUI 0.12.4 resends of a streamed reply: its text, blocks included. */
    private static LlmMessage assistantFromOpenWebUi(String content) {
        return parse(List.of(Map.of("role", "user", "content", "x"), Map.of("role", "assistant", "content", content),
                             Map.of("role", "user", "content", "y"))).get(1);
    }

    /** OpenAI messages as HAIA's request parser reads them. */
    private static List<LlmMessage> parse(List<Map<String, Object>> messages) {
        try {
            byte[] body = JSON.writeValueAsBytes(Map.of("model", "claude", "messages", messages));
            return new haia.openai.RequestParser(1 << 20, 1 << 20).parse(body).messages();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
