package haia.chat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.llm.Capability;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.ModelRegistry;
import haia.llm.Part;
import haia.llm.TestRequests;
import haia.llm.ToolChoice;
import haia.llm.ToolUse;
import haia.observe.HaiaMetrics;
import haia.store.ConversationStore;
import haia.store.StoredMessage;
import haia.testing.RecordingSink;
import haia.testing.ScriptedLlmClient;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static haia.llm.TestRequests.assistant;
import static haia.llm.TestRequests.result;
import static haia.llm.TestRequests.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline with parts, without sockets: a scripted model and a recording sink in front of the real store on a
 * real SQLite file. What the model is sent (window, capabilities, thinking, images) and what is stored.
 */
class PipelinePartsTest {

    @TempDir
    Path dir;
    ConversationStore store;
    ChatPipeline pipeline;
    ScriptedLlmClient claude = new ScriptedLlmClient("anthropic");
    ScriptedLlmClient local = new ScriptedLlmClient("ollama");

    @BeforeEach
    void start() {
        HaiaConfig config = ConfigLoader.load(Map.of("ANTHROPIC_API_KEY", "k",
                                                     "HAIA_DB_PATH", dir.resolve("haia.db").toString()), dir);
        store = ConversationStore.open(config.store(), Clock.systemUTC());
        ModelRegistry models = new ModelRegistry(List.of(
                new ModelRegistry.Route(model("claude"), claude, EnumSet.allOf(Capability.class), true),
                new ModelRegistry.Route(model("local"), local, EnumSet.of(Capability.TOOLS, Capability.JSON), false),
                new ModelRegistry.Route(model("text"), local, EnumSet.noneOf(Capability.class), false)),
                                                 Optional.empty());
        pipeline = new ChatPipeline(store, models, Map.of(), Persona.of("You are HAIA."), config, new HaiaMetrics(),
                                    haia.usage.Prices.of(config), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        store.close();
    }

    /** A model's settings with nothing set: {@code id} served as {@code <id>-upstream}. */
    static HaiaConfig.Model model(String id) {
        return new HaiaConfig.Model(id, id, id + "-upstream", OptionalInt.empty(), OptionalDouble.empty(),
                                    Optional.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(),
                                    OptionalInt.empty(), Optional.empty());
    }

    private static ChatCommand command(String model, ToolUse tools, LlmMessage... messages) {
        ChatCommand.Generation generation = new ChatCommand.Generation(OptionalInt.empty(), haia.llm.Sampling.DEFAULT,
                                                                       tools, haia.llm.ResponseFormat.TEXT,
                                                                       Optional.empty());
        return new ChatCommand(Optional.of(model), List.of(), List.of(messages), generation, false,
                               new ChatCommand.ConversationHint(Optional.of("c1"), Optional.empty(), Optional.empty()));
    }

    private Reply send(ChatCommand command) {
        RecordingSink sink = new RecordingSink(false);
        pipeline.handle(command, sink);
        return sink.reply();
    }

    private static ToolUse tools() {
        return new ToolUse(List.of(TestRequests.nodeStatus()), ToolChoice.AUTO, Optional.empty());
    }

    @Test
    void aModelThatCannotReadImagesRefusesAnImageTurnAndNothingIsStored() {
        RequestRefused refused = assertThrows(RequestRefused.class, () -> send(command(
                "local", ToolUse.NONE, user(new Part.Text("what is this?"), TestRequests.png()))));
        assertEquals("messages", refused.param());
        assertTrue(refused.getMessage().contains("'local'") && refused.getMessage().contains("'images'"),
                   refused.getMessage());
        assertEquals(List.of(), store.conversations().list(10, 0), "nothing stored");
        assertEquals(List.of(), local.requests(), "no model called");
        RequestRefused tools = assertThrows(RequestRefused.class, () -> send(command(
                "text", tools(), LlmMessage.user("status of pve1?"))));
        assertEquals("tools", tools.param());
        assertTrue(tools.getMessage().contains("Function Calling"), tools.getMessage());
        assertEquals(List.of(), store.conversations().list(10, 0), "nothing stored");
    }

    /** The picture's bytes stay in the database; a text-only model reads a note of it, Claude the picture. */
    @Test
    void anEarlierImageIsANoteForATextOnlyModelAndThePictureForClaude() {
        send(command("claude", ToolUse.NONE, user(new Part.Text("look at this"), TestRequests.png())));
        assertTrue(claude.lastRequest().messages().getFirst().has(Part.Image.class));
        LlmMessage stored = new LlmMessage(LlmMessage.Role.USER, firstUserParts());
        assertTrue(stored.parts(Part.Image.class).getFirst().source() instanceof Part.Image.Stored,
                   "stored as a reference to its row");

        send(command("local", ToolUse.NONE, user(new Part.Text("look at this"), TestRequests.png()),
                     LlmMessage.assistant("Echo: look at this"), LlmMessage.user("and now?")));
        LlmMessage first = local.lastRequest().messages().getFirst();
        assertFalse(first.has(Part.Image.class));
        assertEquals("look at this[image/png, 1 KB, shown earlier]", first.text());

        send(command("claude", ToolUse.NONE, user(new Part.Text("look at this"), TestRequests.png()),
                     LlmMessage.assistant("Echo: look at this"), LlmMessage.user("and now?"),
                     LlmMessage.assistant("Echo: and now?"), LlmMessage.user("again")));
        Part.Image image = claude.lastRequest().messages().getFirst().parts(Part.Image.class).getFirst();
        assertEquals(new Part.Image.Inline("image/png", TestRequests.PNG), image.source(),
                     "loaded from the database for the model");
    }

    private List<Part> firstUserParts() {
        long id = store.conversations().list(10, 0).getFirst().id();
        StoredMessage first = store.conversations().messages(id, 0, 10).getFirst();
        return first.parts();
    }

    /**
     * OpenWebUI resends earlier replies without their reasoning; the window comes from the store, where the
     * provider's signed thinking is kept, so it goes back where the provider requires it (a tool loop).
     */
    @Test
    void thinkingAClientDropsGoesBackToTheProviderFromTheStore() {
        Part.Thinking thinking = new Part.Thinking("pve1 first", Optional.of("sig-1"), Optional.empty(), "anthropic");
        Part.ToolCall call = new Part.ToolCall("toolu_1", "node_status", "{\"node\":\"pve1\"}");
        claude.reply(thinking, call);
        Reply first = send(command("claude", tools(), LlmMessage.user("status of pve1?")));
        assertEquals(List.of(thinking, call), first.parts());

        send(command("claude", tools(), LlmMessage.user("status of pve1?"), assistant(call),
                     user(result("toolu_1", "node_status", "online"))));
        List<LlmMessage> window = claude.lastRequest().messages();
        assertEquals(3, window.size());
        assertEquals(List.of(thinking, call), window.get(1).parts(), "the thinking, signed, before the call");
        assertEquals(1, store.conversations().list(10, 0).size());
    }

    /** Without tools in the request, earlier calls and results reach the model as text (Claude refuses them bare). */
    @Test
    void aRequestWithoutToolsGetsEarlierToolHistoryAsText() {
        Part.ToolCall call = new Part.ToolCall("toolu_1", "node_status", "{\"node\":\"pve1\"}");
        claude.reply(call);
        send(command("claude", tools(), LlmMessage.user("status of pve1?")));
        send(command("claude", tools(), LlmMessage.user("status of pve1?"), assistant(call),
                     user(result("toolu_1", "node_status", "online"))));
        send(command("claude", ToolUse.NONE, LlmMessage.user("status of pve1?"), assistant(call),
                     user(result("toolu_1", "node_status", "online")), LlmMessage.assistant("Echo: online"),
                     LlmMessage.user("thanks")));
        LlmRequest request = claude.lastRequest();
        assertTrue(request.messages().stream().noneMatch(m -> m.has(Part.ToolCall.class) || m.has(Part.ToolResult.class)));
        assertEquals("[called tool node_status with {\"node\":\"pve1\"}]\n", request.messages().get(1).text());
        assertTrue(request.messages().get(2).text().startsWith("[tool node_status returned: online]"));
    }

    /** Images from the newest three user turns go whole; older ones, and old long tool results, shrink. */
    @Test
    void olderImagesAndLongToolResultsAgeOut() {
        String longResult = "x".repeat(Ageing.RESULT_CHARS + 500);
        List<LlmMessage> history = List.of(
                user(new Part.Text("turn 1"), TestRequests.png()), LlmMessage.assistant("a1"),
                user(new Part.Text("turn 2"), new Part.Image(new Part.Image.Url(java.net.URI.create("https://x/y.png")))),
                assistant(new Part.ToolCall("c1", "node_status", "{}")), user(result("c1", "node_status", longResult)),
                LlmMessage.assistant("a2"),
                LlmMessage.user("turn 3"), LlmMessage.assistant("a3"),
                user(new Part.Text("turn 4"), TestRequests.png()), LlmMessage.assistant("a4"));
        List<LlmMessage> all = new java.util.ArrayList<>(history);
        all.add(LlmMessage.user("turn 5"));
        List<LlmMessage> aged = Ageing.aged(ContextWindow.assemble(all, List.of(), List.of(), 20));
        assertEquals("turn 1[image/png, 1 KB, shown earlier]", aged.get(0).text());
        assertEquals("turn 2[image https://x/y.png, shown earlier]", aged.get(2).text());
        Part.ToolResult cut = aged.get(4).parts(Part.ToolResult.class).getFirst();
        assertTrue(cut.text().startsWith("x".repeat(Ageing.RESULT_CHARS) + "\n[... 500 more characters"), cut.text());
        assertTrue(aged.get(8).has(Part.Image.class), "turn 4 is among the newest three");
    }

    /** A window that would start inside a tool loop moves to where the user spoke; calls never lose their results. */
    @Test
    void theWindowNeverSeparatesACallFromItsResult() {
        List<LlmMessage> tail = List.of(
                LlmMessage.user("q1"), assistant(new Part.ToolCall("c1", "node_status", "{}")),
                user(result("c1", "node_status", "r1")), LlmMessage.assistant("a1"), LlmMessage.user("q2"),
                assistant(new Part.ToolCall("c2", "node_status", "{}")));
        // two seen messages (a1, q2): the calls and results around them are not counted, and travel with them
        List<LlmMessage> window = ContextWindow.assemble(tail, List.of(), List.of(user(result("c2", "node_status", "r2"))),
                                                         2);
        assertEquals(LlmMessage.user("q2"), window.getFirst(), "starts where the user spoke, not at a result");
        assertEquals(3, window.size());

        List<LlmMessage> orphans = ContextWindow.assemble(List.of(LlmMessage.user("q"),
                                                                  assistant(new Part.ToolCall("c9", "t", "{}"))),
                                                          List.of(), List.of(LlmMessage.user("never mind")), 20);
        assertEquals(Set.of(false), Set.of(orphans.get(1).has(Part.ToolCall.class)),
                     "a call whose result never came is told as text");
        assertEquals("[called tool t with {}]", orphans.get(1).text());
    }
}
