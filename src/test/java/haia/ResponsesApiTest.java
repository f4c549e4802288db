package haia;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.inputitems.InputItemListParams;

import haia.testing.FakeAnthropic;
import haia.testing.FakeProxmox;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Responses API end to end with the official OpenAI Java client (its own Responses types and stream
 * accumulator): the running HAIA in front of the fake Anthropic, which checks every request against Anthropic's rules.
 */
class ResponsesApiTest {

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

    private Response create(ResponseCreateParams params, boolean stream) {
        if (!stream) {
            return client.responses().create(params);
        }
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> events = client.responses().createStreaming(params)) {
            events.stream().forEach(accumulator::accumulate);
        }
        return accumulator.response();
    }

    /** The Python and Node SDKs' {@code output_text}: the output messages' texts. */
    private static String text(Response response) {
        StringBuilder text = new StringBuilder();
        response.output().stream().filter(o -> o.isMessage()).forEach(o -> o.asMessage().content().forEach(c -> {
            if (c.isOutputText()) {
                text.append(c.asOutputText().text());
            }
        }));
        return text.toString();
    }

    @Test
    void aFollowUpWithPreviousResponseIdIsAnsweredFromHaiasMemory() {
        for (boolean stream : List.of(false, true)) {
            Response first = create(ResponseCreateParams.builder().model("haia")
                                            .input("pve2 says quorum lost").build(), stream);
            assertEquals("Echo: pve2 says quorum lost", text(first));
            assertEquals(ResponseStatus.COMPLETED, first.status().orElseThrow());
            assertTrue(first.usage().orElseThrow().inputTokens() > 0);

            Response second = create(ResponseCreateParams.builder().model("haia").previousResponseId(first.id())
                                             .input("and corosync shows link 0 down").build(), stream);
            assertEquals("Echo: and corosync shows link 0 down", text(second));
            JsonNode messages = anthropic.lastRequest().body().path("messages");
            assertEquals(3, messages.size(), "the model saw the first exchange from HAIA's store: " + messages);
            assertEquals("pve2 says quorum lost", FakeAnthropic.text(messages.get(0).path("content")));
            assertEquals("Echo: pve2 says quorum lost", FakeAnthropic.text(messages.get(1).path("content")));

            Response retrieved = client.responses().retrieve(second.id());
            assertEquals(second.id(), retrieved.id());
            assertEquals(text(second), text(retrieved));
            assertEquals(first.id(), retrieved.previousResponseId().orElseThrow());
            var items = client.responses().inputItems().list(second.id()).data();
            assertEquals(1, items.size());
            assertEquals("and corosync shows link 0 down",
                         items.getFirst().asResponseInputMessageItem().content().getFirst().asInputText().text());
        }
    }

    @Test
    void streamedEventsComeInOpenAisOrderWithSequenceNumbers() {
        anthropic.enqueue(FakeAnthropic.streamed(List.of("Check ", "the ", "ring."), java.time.Duration.ZERO));
        List<String> types = new ArrayList<>();
        List<Long> sequence = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> events = client.responses().createStreaming(
                ResponseCreateParams.builder().model("haia").input("corosync?").build())) {
            events.stream().forEach(e -> {
                JsonNode json = Http.JSON.valueToTree(e);
                types.add(json.path("type").asText());
                sequence.add(json.path("sequence_number").asLong());
            });
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                             "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                             "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                             "response.output_item.done", "response.completed"), types);
        for (int i = 0; i < sequence.size(); i++) {
            assertEquals(i, sequence.get(i));
        }
    }

    @Test
    void aClientFunctionToolRoundTripThroughPreviousResponseId() {
        for (boolean stream : List.of(false, true)) {
            anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_01" + stream, "node_status",
                                                                           "{\"node\":\"pve2\"}")));
            FunctionTool tool = FunctionTool.builder().name("node_status").description("A Proxmox node's status")
                    .strict(false)
                    .parameters(FunctionTool.Parameters.builder()
                                        .putAdditionalProperty("type", JsonValue.from("object"))
                                        .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                                "node", Map.of("type", "string"))))
                                        .build())
                    .build();
            Response first = create(ResponseCreateParams.builder().model("haia").addTool(tool)
                                            .input("is pve2 up?").build(), stream);
            ResponseFunctionToolCall call = first.output().stream().filter(o -> o.isFunctionCall())
                    .findFirst().orElseThrow().asFunctionCall();
            assertEquals("node_status", call.name());
            assertEquals("{\"node\":\"pve2\"}", call.arguments());

            Response answer = create(ResponseCreateParams.builder().model("haia").addTool(tool)
                                             .previousResponseId(first.id())
                                             .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(
                                                     ResponseInputItem.FunctionCallOutput.builder()
                                                             .callId(call.callId())
                                                             .output("pve2: online, uptime 3d").build())))
                                             .build(), stream);
            assertEquals("Echo: pve2: online, uptime 3d", text(answer));
            JsonNode messages = anthropic.lastRequest().body().path("messages");
            JsonNode result = messages.get(messages.size() - 1).path("content").get(0);
            assertEquals("tool_result", result.path("type").asText());
            assertEquals(call.callId(), result.path("tool_use_id").asText());
        }
    }

    @Test
    void storeFalseStoresNothingAndDeleteForgetsTheExchange() {
        Response unstored = client.responses().create(ResponseCreateParams.builder().model("haia").store(false)
                                                              .input("temporary question").build());
        assertEquals("Echo: temporary question", text(unstored));
        assertThrows(NotFoundException.class, () -> client.responses().retrieve(unstored.id()));
        assertEquals(0, Http.get(haia.uri("/v1/conversations")).json().path("data").size());

        Response stored = client.responses().create(ResponseCreateParams.builder().model("haia")
                                                            .input("remember pve2").build());
        assertEquals(1, Http.get(haia.uri("/v1/conversations")).json().path("data").size());
        client.responses().delete(stored.id());
        assertThrows(NotFoundException.class, () -> client.responses().retrieve(stored.id()));
        BadRequestException gone = assertThrows(BadRequestException.class, () -> client.responses().create(
                ResponseCreateParams.builder().model("haia").previousResponseId(stored.id()).input("and?").build()));
        assertEquals("previous_response_not_found", gone.code().orElseThrow());
        assertEquals("previous_response_id", gone.param().orElseThrow());
    }

    /**
     * OpenWebUI with its connection's API type set to Responses sends each chat's whole branch as input, with the
     * chat's id in a header: the chat is one conversation in HAIA, aligned as for chat completions, and each
     * response is stored as its exchange.
     */
    @Test
    void aClientNamingItsChatByHeaderGetsThatChatsMemory() {
        Map<String, String> chat = Map.of("X-OpenWebUI-Chat-Id", "owui-chat-1");
        Http.Response first = Http.post(haia.uri("/v1/responses"), "{\"model\":\"haia\",\"input\":[{\"type\":"
                + "\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"ceph osd.3 is down\"}]}]}",
                                        chat);
        assertEquals(200, first.status(), first.body());
        Http.Response second = Http.post(haia.uri("/v1/responses"), "{\"model\":\"haia\",\"input\":["
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"ceph osd.3 is down\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
                + "\"text\":\"Echo: ceph osd.3 is down\"}]},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"it flaps hourly\"}]}]}",
                                         chat);
        assertEquals(200, second.status(), second.body());
        JsonNode conversations = Http.get(haia.uri("/v1/conversations")).json().path("data");
        assertEquals(1, conversations.size(), conversations.toString());
        assertEquals("openwebui", conversations.get(0).path("kind").asText());
        assertEquals(4, conversations.get(0).path("live_count").asInt(), "aligned: nothing imported twice");
        Response stored = client.responses().retrieve(second.json().path("id").asText());
        assertEquals("Echo: it flaps hourly", text(stored));
    }

    /**
     * HAIA's own tools (here its Proxmox tools, against the fake Proxmox) run in the agent loop and come back as
     * {@code mcp_call} items, streamed as {@code response.mcp_call.*} events, never as {@code function_call} items a
     * client would run; a follow-up remembers the call and its result, and a client may send the items back as input.
     */
    @Test
    void haiasOwnToolsAreMcpCallItemsNeverFunctionCalls() throws Exception {
        haia.close();
        try (FakeProxmox pve = FakeProxmox.start(dir)) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("HAIA_PROXMOX_URL", pve.url());
            env.put("HAIA_PROXMOX_TOKEN", FakeProxmox.TOKEN);
            env.put("HAIA_PROXMOX_FINGERPRINT", pve.fingerprint());
            haia = TestHaia.start(dir, env);
            client = haia.openAiClient();
            for (boolean stream : List.of(false, true)) {
                anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_pve" + stream,
                                                                               "haia_pve_cluster_status", "{}")),
                                  FakeAnthropic.reply("Two of three nodes are up."));
                List<String> types = new ArrayList<>();
                Response response;
                if (stream) {
                    ResponseAccumulator accumulator = ResponseAccumulator.create();
                    try (StreamResponse<ResponseStreamEvent> events = client.responses().createStreaming(
                            ResponseCreateParams.builder().model("haia").input("which nodes are up?").build())) {
                        events.stream().forEach(e -> {
                            types.add(Http.JSON.valueToTree(e).path("type").asText());
                            accumulator.accumulate(e);
                        });
                    }
                    response = client.responses().retrieve(accumulator.response().id());
                } else {
                    response = client.responses().create(ResponseCreateParams.builder().model("haia")
                                                                 .input("which nodes are up?").build());
                }
                JsonNode output = Http.JSON.valueToTree(response.output());
                assertEquals("mcp_call", output.get(0).path("type").asText(), output.toString());
                assertEquals("haia", output.get(0).path("server_label").asText());
                assertEquals("haia_pve_cluster_status", output.get(0).path("name").asText());
                assertTrue(output.get(0).path("output").asText().contains("2 of 3 nodes online"), output.toString());
                assertEquals("Two of three nodes are up.", text(response));
                assertFalse(output.toString().contains("function_call"), "never a call the client would run");
                if (stream) {
                    assertTrue(types.containsAll(List.of("response.mcp_call.in_progress",
                                                         "response.mcp_call.completed")), types.toString());
                }
                Response next = client.responses().create(ResponseCreateParams.builder().model("haia")
                                                                   .previousResponseId(response.id())
                                                                   .input("and which one is down?").build());
                JsonNode window = anthropic.lastRequest().body().path("messages");
                assertEquals("tool_use", window.get(1).path("content").get(0).path("type").asText(), window.toString());
                assertEquals("tool_result", window.get(2).path("content").get(0).path("type").asText());
                assertEquals("Echo: and which one is down?", text(next));
            }
            // a client that manages its own context sends the items back: they are read as what they were
            Http.Response replay = Http.post(haia.uri("/v1/responses"), "{\"model\":\"haia\",\"store\":false,"
                    + "\"input\":[{\"role\":\"user\",\"content\":\"which nodes are up?\"},"
                    + "{\"type\":\"mcp_call\",\"id\":\"mcp_1\",\"server_label\":\"haia\",\"name\":\"haia_pve_cluster_status\","
                    + "\"arguments\":\"{}\",\"output\":\"2 of 3 nodes online\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Two of three nodes are up.\"},"
                    + "{\"role\":\"user\",\"content\":\"thanks\"}]}", Map.of());
            assertEquals(200, replay.status(), replay.body());
            JsonNode window = anthropic.lastRequest().body().path("messages");
            assertEquals("tool_use", window.get(1).path("content").get(0).path("type").asText(), window.toString());
        }
    }

    /** A streaming client that hangs up stops the model; the response is stored as cancelled, out of the window. */
    @Test
    void aClientThatHangsUpStopsTheModelAndTheResponseReadsCancelled() throws Exception {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pieces.add("token" + i + " ");
        }
        anthropic.enqueue(FakeAnthropic.streamed(pieces, java.time.Duration.ofMillis(100)));
        String id;
        try (SseClient sse = SseClient.post(haia.uri("/v1/responses"),
                                            "{\"model\":\"haia\",\"input\":\"long answer please\",\"stream\":true}",
                                            Map.of())) {
            id = Http.JSON.readTree(sse.nextData()).path("response").path("id").asText();
            for (int deltas = 0; deltas < 5; ) {
                if (Http.JSON.readTree(sse.nextData()).path("type").asText().equals("response.output_text.delta")) {
                    deltas++;
                }
            }
        }
        assertTrue(anthropic.awaitDisconnect(java.time.Duration.ofSeconds(5)), "HAIA closed the upstream connection");
        assertTrue(anthropic.eventsWritten() < 40, "the upstream stopped early: " + anthropic.eventsWritten());
        JsonNode stored = null;
        for (int i = 0; i < 100; i++) {
            Http.Response got = Http.get(haia.uri("/v1/responses/" + id));
            if (got.status() == 200) {
                stored = got.json();
                break;
            }
            Thread.sleep(50);
        }
        assertEquals("cancelled", stored.path("status").asText(), String.valueOf(stored));
        Http.Response next = Http.post(haia.uri("/v1/responses"), "{\"model\":\"haia\",\"previous_response_id\":\""
                + id + "\",\"input\":\"go on\"}", Map.of());
        assertEquals(400, next.status(), next.body());
        assertEquals("previous_response_id", next.json().path("error").path("param").asText());
    }

    @Test
    void fieldsHaiaCannotHonourAreRefusedByName() {
        Http.Response background = Http.post(haia.uri("/v1/responses"),
                                              "{\"model\":\"haia\",\"input\":\"hi\",\"background\":true}", Map.of());
        assertEquals(400, background.status());
        assertEquals("background", background.json().path("error").path("param").asText());
        Http.Response unknown = Http.post(haia.uri("/v1/responses"),
                                          "{\"model\":\"haia\",\"input\":\"hi\",\"colour\":\"blue\"}", Map.of());
        assertEquals(400, unknown.status());
        assertEquals("colour", unknown.json().path("error").path("param").asText());
        assertFalse(unknown.json().path("error").path("message").asText().isEmpty());
        assertEquals(0, anthropic.requests().size(), "nothing refused reached the model");
    }
}
