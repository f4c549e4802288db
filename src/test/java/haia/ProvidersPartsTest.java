package haia;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import haia.llm.TestRequests;
import haia.testing.FakeAnthropic;
import haia.testing.FakeGemini;
import haia.testing.FakeOllama;
import haia.testing.FakeOpenAiServer;
import haia.testing.FakeUpstream;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tools, images and reasoning through HAIA's API to Ollama, an OpenAI-compatible server and Gemini, each a loopback
 * fake checking every request against its protocol's rules: a client tool round trip (blocking and streamed), an
 * image question (Gemini and Ollama get an http(s) picture fetched by HAIA), reasoning shown as reasoning_content, and
 * a capability a model lacks refused with a 400 naming it.
 */
class ProvidersPartsTest {

    private static final String PNG_B64 = Base64.getEncoder().encodeToString(TestRequests.PNG);

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    FakeOllama ollama;
    FakeOpenAiServer openai;
    FakeGemini gemini;
    HttpServer pictures;
    TestHaia haia;

    @BeforeEach
    void start() throws Exception {
        anthropic = FakeAnthropic.start();
        ollama = FakeOllama.start("qwen2.5vl:latest", "llama3.2:latest");
        openai = FakeOpenAiServer.start();
        gemini = FakeGemini.start();
        pictures = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pictures.createContext("/screen.png", exchange -> {
            exchange.sendResponseHeaders(200, TestRequests.PNG.length);
            exchange.getResponseBody().write(TestRequests.PNG);
            exchange.close();
        });
        pictures.createContext("/page.html", exchange -> {
            byte[] page = "<html>not a picture</html>".getBytes();
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        pictures.start();
        Files.writeString(dir.resolve("haia.yaml"), """
                models:
                  - id: vision
                    provider: ollama
                    upstream-model: qwen2.5vl
                    capabilities: [images, tools, thinking, json]
                  - id: textonly
                    provider: ollama
                    upstream-model: llama3.2
                  - id: compat
                    provider: openai
                    upstream-model: qwen2.5-coder-32b
                  - id: gemini
                    provider: gemini
                    upstream-model: gemini-2.5-flash
                providers:
                  ollama:
                    base-url: %s
                  openai:
                    base-url: %s
                  gemini:
                    base-url: %s
                """.formatted(ollama.baseUrl(), openai.baseUrl(), gemini.baseUrl()));
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_CONFIG", "haia.yaml");
        env.put("GEMINI_API_KEY", FakeGemini.API_KEY);
        env.put("HAIA_IMAGE_FETCH_ALLOW", "127.0.0.1");   // the picture server is on loopback, refused by default
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        pictures.stop(0);
        for (FakeUpstream fake : List.of(ollama, openai, gemini)) {
            assertEquals(List.of(), fake.violations(), fake.getClass().getSimpleName());
            fake.close();
        }
        anthropic.close();
    }

    private static ObjectNode request(String model, boolean stream) {
        ObjectNode body = Http.JSON.createObjectNode().put("model", model).put("stream", stream);
        body.putArray("messages");
        return body;
    }

    private static void tools(ObjectNode body) {
        ObjectNode function = body.putArray("tools").addObject().put("type", "function").putObject("function")
                .put("name", "node_status").put("description", "A node's status");
        function.set("parameters", TestRequests.json("""
                {"type":"object","additionalProperties":false,"properties":{"node":{"type":"string"}},"required":["node"]}"""));
    }

    /** The assistant message a reply makes: blocking as it is, streamed assembled from its deltas. */
    private static JsonNode answer(Http.Response response, boolean stream) throws IOException {
        assertEquals(200, response.status(), response.body());
        if (!stream) {
            return response.json().path("choices").get(0).path("message");
        }
        ObjectNode message = Http.JSON.createObjectNode().put("role", "assistant");
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ObjectNode> calls = new ArrayList<>();
        List<StringBuilder> arguments = new ArrayList<>();
        for (String line : response.body().lines().filter(l -> l.startsWith("data: {")).toList()) {
            JsonNode delta = Http.JSON.readTree(line.substring(6)).path("choices").path(0).path("delta");
            content.append(delta.path("content").asText(""));
            reasoning.append(delta.path("reasoning_content").asText(""));
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt();
                if (call.has("id")) {
                    ObjectNode whole = Http.JSON.createObjectNode().put("id", call.path("id").asText()).put("type", "function");
                    whole.putObject("function").put("name", call.path("function").path("name").asText());
                    calls.add(whole);
                    arguments.add(new StringBuilder());
                }
                arguments.get(index).append(call.path("function").path("arguments").asText(""));
            }
        }
        for (int i = 0; i < calls.size(); i++) {
            ((ObjectNode) calls.get(i).get("function")).put("arguments", arguments.get(i).toString());
        }
        message.put("content", content.toString());
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            message.putArray("tool_calls").addAll(calls);
        }
        return message;
    }

    private void toolRoundTrip(String model, FakeUpstream fake) throws IOException {
        for (boolean stream : List.of(false, true)) {
            fake.enqueue(FakeUpstream.toolCalls(new FakeUpstream.Call("call_" + model + stream, "node_status",
                                                                      "{\"node\":\"pve1\"}"),
                                                new FakeUpstream.Call("call_b" + stream, "node_status",
                                                                      "{\"node\":\"pve2\"}")));
            ObjectNode body = request(model, stream);
            tools(body);
            ((ArrayNode) body.get("messages")).addObject().put("role", "user").put("content", "are pve1 and pve2 up?");
            JsonNode message = answer(Http.post(haia.uri("/v1/chat/completions"), body), stream);
            assertEquals(2, message.path("tool_calls").size(), message.toString());
            JsonNode first = message.path("tool_calls").get(0);
            assertEquals("node_status", first.path("function").path("name").asText());
            assertEquals("pve1", Http.JSON.readTree(first.path("function").path("arguments").asText()).path("node").asText());

            ArrayNode messages = (ArrayNode) body.get("messages");
            messages.add(message);
            for (JsonNode call : message.path("tool_calls")) {
                messages.addObject().put("role", "tool").put("tool_call_id", call.path("id").asText())
                        .put("content", "online");
            }
            JsonNode done = answer(Http.post(haia.uri("/v1/chat/completions"), body), stream);
            assertTrue(done.path("content").asText().startsWith("Echo: online"), done.toString());
        }
    }

    @Test
    void aToolRoundTripThroughOllama() throws IOException {
        toolRoundTrip("vision", ollama);
        JsonNode sent = ollama.lastRequest().body().path("messages");
        assertEquals("tool", sent.get(sent.size() - 1).path("role").asText());
        assertEquals("node_status", sent.get(sent.size() - 1).path("tool_name").asText());
    }

    @Test
    void aToolRoundTripThroughAnOpenAiCompatibleServer() throws IOException {
        toolRoundTrip("compat", openai);
    }

    @Test
    void aToolRoundTripThroughGemini() throws IOException {
        toolRoundTrip("gemini", gemini);
        JsonNode contents = gemini.lastRequest().body().path("contents");
        assertEquals(2, contents.get(contents.size() - 1).path("parts").size(), "both responses together");
    }

    /** Gemini and Ollama take image bytes only: HAIA fetches an http(s) picture, and refuses what is no picture. */
    @Test
    void imagesByUrlAreFetchedForProvidersThatTakeBytes() throws IOException {
        String url = "http://127.0.0.1:" + pictures.getAddress().getPort();
        for (String model : List.of("gemini", "vision")) {
            ObjectNode body = request(model, false);
            ArrayNode content = ((ArrayNode) body.get("messages")).addObject().put("role", "user").putArray("content");
            content.addObject().put("type", "text").put("text", "what is on screen?");
            content.addObject().put("type", "image_url").putObject("image_url").put("url", url + "/screen.png");
            assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), body).status());
        }
        assertEquals(PNG_B64, gemini.lastRequest().body().path("contents").get(0).path("parts").get(1)
                .path("inlineData").path("data").asText());
        assertEquals(PNG_B64, ollama.lastRequest().body().path("messages").get(1).path("images").get(0).asText());

        ObjectNode page = request("gemini", false);
        ArrayNode content = ((ArrayNode) page.get("messages")).addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "image_url").putObject("image_url").put("url", url + "/page.html");
        Http.Response refused = Http.post(haia.uri("/v1/chat/completions"), page);
        assertEquals(400, refused.status());
        assertTrue(refused.json().path("error").path("message").asText().startsWith("HAIA cannot use the picture at "
                + url + "/page.html. "), refused.body());
    }

    @Test
    void aModelWithoutACapabilityIsA400NamingModelAndCapability() {
        ObjectNode body = request("textonly", false);
        ArrayNode content = ((ArrayNode) body.get("messages")).addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "text").put("text", "what is this?");
        content.addObject().put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64," + PNG_B64);
        Http.Response refused = Http.post(haia.uri("/v1/chat/completions"), body);
        assertEquals(400, refused.status());
        String message = refused.json().path("error").path("message").asText();
        assertTrue(message.contains("'textonly'") && message.contains("'images'"), message);
        assertEquals("messages", refused.json().path("error").path("param").asText());

        ObjectNode thinking = request("textonly", false).put("reasoning_effort", "high");
        ((ArrayNode) thinking.get("messages")).addObject().put("role", "user").put("content", "why?");
        assertEquals("reasoning_effort", Http.post(haia.uri("/v1/chat/completions"), thinking).json().path("error")
                .path("param").asText());
        assertEquals(0, ollama.requests().size(), "nothing reached the model");
    }

    @Test
    void reasoningComesBackAsReasoningContentFromEachProvider() throws IOException {
        for (String model : List.of("vision", "compat", "gemini")) {
            FakeUpstream fake = model.equals("vision") ? ollama : model.equals("compat") ? openai : gemini;
            for (boolean stream : List.of(false, true)) {
                fake.enqueue(new FakeUpstream.Behaviour.Thought("Quorum is a majority.", "Add a qdevice."));
                ObjectNode body = request(model, stream).put("reasoning_effort", "medium");
                ((ArrayNode) body.get("messages")).addObject().put("role", "user").put("content", "two nodes?");
                JsonNode message = answer(Http.post(haia.uri("/v1/chat/completions"), body), stream);
                assertEquals("Add a qdevice.", message.path("content").asText(), model);
                assertEquals("Quorum is a majority.", message.path("reasoning_content").asText(), model + " " + stream);
            }
        }
        assertEquals("medium", ollama.lastRequest().body().path("think").asText());
        assertEquals("medium", openai.lastRequest().body().path("reasoning_effort").asText());
        assertEquals(8192, gemini.lastRequest().body().path("generationConfig").path("thinkingConfig")
                .path("thinkingBudget").asInt());
    }
}
