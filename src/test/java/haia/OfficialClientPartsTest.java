package haia;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ReasoningEffort;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;

import haia.testing.FakeAnthropic;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images, client tools, structured output and reasoning end to end: the official OpenAI Java client against the
 * running HAIA against the fake Anthropic, which checks every request against Anthropic's rules. Each case runs
 * blocking and streaming (the client's own stream accumulator assembles tool calls from HAIA's deltas).
 */
class OfficialClientPartsTest {

    /** A real 1x1 PNG. */
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;
    OpenAIClient client;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        haia = TestHaia.start(dir, anthropic);
        client = haia.openAiClient();
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations(), "every upstream request valid");
        anthropic.close();
    }

    /** Blocking, or streamed and assembled by the client's own accumulator. */
    private ChatCompletion complete(ChatCompletionCreateParams params, boolean stream) {
        if (!stream) {
            return client.chat().completions().create(params);
        }
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> chunks = client.chat().completions().createStreaming(params)) {
            chunks.stream().forEach(accumulator::accumulate);
        }
        return accumulator.chatCompletion();
    }

    private static ChatCompletionFunctionTool nodeStatusTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("node_status").description("A Proxmox node's status")
                .parameters(FunctionParameters.builder()
                                    .putAdditionalProperty("type", JsonValue.from("object"))
                                    .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                            "node", Map.of("type", "string"))))
                                    .putAdditionalProperty("required", JsonValue.from(List.of("node")))
                                    .build())
                .build()).build();
    }

    @Test
    void anImageQuestionReachesClaudeAsAnImageBlock() {
        for (boolean stream : List.of(false, true)) {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("haia")
                    .addUserMessageOfArrayOfContentParts(List.of(
                            ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                                                                     .text("what does this dialog say?").build()),
                            ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                    .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder()
                                                      .url("data:image/png;base64," + PNG).build()).build())))
                    .build();
            ChatCompletion completion = complete(params, stream);
            assertEquals("Echo: what does this dialog say?", completion.choices().getFirst().message().content()
                    .orElseThrow());
            var content = anthropic.lastRequest().body().path("messages").get(0).path("content");
            assertEquals("image", content.get(1).path("type").asText());
            assertEquals(PNG, content.get(1).path("source").path("data").asText());
        }
    }

    @Test
    void aClientToolRoundTrip() {
        for (boolean stream : List.of(false, true)) {
            anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_01A" + stream, "node_status",
                                                                           "{\"node\":\"pve2\"}")));
            ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("haia")
                    .addTool(nodeStatusTool())
                    .addUserMessage("is pve2 up?");
            ChatCompletion first = complete(params.build(), stream);
            ChatCompletion.Choice choice = first.choices().getFirst();
            assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
            ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst()
                    .asFunction();
            assertEquals("node_status", call.function().name());
            assertEquals("{\"node\":\"pve2\"}", call.function().arguments());

            params.addMessage(choice.message())
                    .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
                                        .content("pve2: online, uptime 3d").build());
            ChatCompletion answer = complete(params.build(), stream);
            assertEquals("Echo: pve2: online, uptime 3d", answer.choices().getFirst().message().content().orElseThrow());
            var messages = anthropic.lastRequest().body().path("messages");
            var results = messages.get(messages.size() - 1).path("content");
            assertEquals("tool_result", results.get(0).path("type").asText());
            assertEquals(call.id(), results.get(0).path("tool_use_id").asText());
        }
    }

    @Test
    void structuredOutputFollowsTheSchema() {
        for (boolean stream : List.of(false, true)) {
            anthropic.enqueue(new FakeAnthropic.Behaviour.ForcedTool("{\"node\":\"pve2\",\"online\":true}"));
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("haia")
                    .addUserMessage("is pve2 up? answer as JSON")
                    .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(
                            ResponseFormatJsonSchema.JsonSchema.builder().name("node_state").strict(true)
                                    .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                                    .putAdditionalProperty("type", JsonValue.from("object"))
                                                    .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                                            "node", Map.of("type", "string"),
                                                            "online", Map.of("type", "boolean"))))
                                                    .build())
                                    .build()).build())
                    .build();
            ChatCompletion completion = complete(params, stream);
            assertEquals("{\"node\":\"pve2\",\"online\":true}", completion.choices().getFirst().message().content()
                    .orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().getFirst().finishReason());
            List<String> onlineTypes = new java.util.ArrayList<>();   // the schema's tool, beside HAIA's memory search
            anthropic.lastRequest().body().path("tools").forEach(tool -> onlineTypes.add(
                    tool.path("input_schema").path("properties").path("online").path("type").asText()));
            assertTrue(onlineTypes.contains("boolean"), onlineTypes.toString());
        }
    }

    @Test
    void reasoningEffortThinksAndTheThinkingComesBackAsReasoningContent() throws Exception {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Thought("Quorum needs a majority.", List.of("Add a ", "qdevice.")));
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("haia")
                .addUserMessage("two-node cluster keeps losing quorum").reasoningEffort(ReasoningEffort.LOW).build();
        ChatCompletionMessage message = client.chat().completions().create(params).choices().getFirst().message();
        assertEquals("Add a qdevice.", message.content().orElseThrow(), "never the thinking inside the content");
        assertEquals("Quorum needs a majority.", message._additionalProperties().get("reasoning_content")
                .asStringOrThrow());
        assertEquals(2048, anthropic.lastRequest().body().path("thinking").path("budget_tokens").asInt());

        anthropic.enqueue(new FakeAnthropic.Behaviour.Thought("Check corosync.", List.of("Look at ", "link 0.")));
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> chunks = client.chat().completions().createStreaming(params)) {
            chunks.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                choice.delta().content().ifPresent(content::append);
                JsonValue piece = choice.delta()._additionalProperties().get("reasoning_content");
                if (piece != null) {
                    reasoning.append(piece.asStringOrThrow());
                }
            }));
        }
        assertEquals("Check corosync.", reasoning.toString());
        assertEquals("Look at link 0.", content.toString());
    }

    /**
     * Fifteen rounds of tool calls in one conversation (HAIA's conversation header), alternating blocking and
     * streaming: each round the model calls the tool, the client runs it, the model answers. Every request the fake
     * received (thirty) obeyed Anthropic's rules, each round's window holds the rounds before, paired.
     */
    @Test
    void fifteenToolRoundsInOneConversation() {
        OpenAIClient keyed = client.withOptions(options -> options.putHeader("X-Haia-Conversation", "rounds"));
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("haia")
                .addTool(nodeStatusTool());
        for (int round = 1; round <= 15; round++) {
            boolean stream = round % 2 == 0;
            params.addUserMessage("status of node " + round + "?");
            anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_r" + round, "node_status",
                                                                           "{\"node\":\"pve" + round + "\"}")));
            ChatCompletion called = stream ? accumulate(keyed, params.build()) : keyed.chat().completions()
                    .create(params.build());
            ChatCompletionMessage message = called.choices().getFirst().message();
            String callId = message.toolCalls().orElseThrow().getFirst().asFunction().id();
            params.addMessage(message).addMessage(ChatCompletionToolMessageParam.builder().toolCallId(callId)
                                                          .content("pve" + round + " online").build());
            ChatCompletion answered = stream ? accumulate(keyed, params.build()) : keyed.chat().completions()
                    .create(params.build());
            params.addMessage(answered.choices().getFirst().message());
        }
        assertEquals(30, anthropic.requests().size());
        var last = anthropic.lastRequest().body().path("messages");
        assertEquals("tool_result", last.get(last.size() - 1).path("content").get(0).path("type").asText());
        assertTrue(last.size() >= 15, "the window holds earlier rounds: " + last.size());
        long conversations = haia.haia().store().conversations().list(10, 0).size();
        assertEquals(1, conversations);
        long stored = haia.haia().store().conversations().messages(haia.haia().store().conversations().list(10, 0).getFirst().id(), 0, 1000).stream()
                .filter(m -> m.status().live()).count();
        assertEquals(60, stored, "each round: question, call, result, answer");
    }

    private static ChatCompletion accumulate(OpenAIClient client, ChatCompletionCreateParams params) {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> chunks = client.chat().completions().createStreaming(params)) {
            chunks.stream().forEach(accumulator::accumulate);
        }
        return accumulator.chatCompletion();
    }
}
