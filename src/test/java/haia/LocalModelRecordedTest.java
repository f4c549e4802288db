package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeLlamaCpp;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAIA in front of llama.cpp's server as it was recorded answering (bin/e2e-local-model, FakeLlamaCpp replaying
 * src/test/resources/llamacpp/): each fix of issue 22 (and the one of issue 21 it owns) proven against what the real
 * server sends, without the real server.
 */
class LocalModelRecordedTest {

    private static final String PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4"
            + "nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    @TempDir
    Path dir;
    FakeLlamaCpp server;
    TestHaia haia;

    @BeforeEach
    void startServer() {
        server = FakeLlamaCpp.start();
    }

    private void start(Map<String, String> extra) throws Exception {
        Path persona = dir.resolve("persona.md");
        Files.writeString(persona, "You are HAIA, a homelab assistant for Proxmox, Ceph and containers. Answer briefly.\n");
        Map<String, String> env = new HashMap<>(TestHaia.loopbackEnv(dir));
        env.put("HAIA_PROVIDER", "openai");
        env.put("OPENAI_BASE_URL", server.baseUrl());
        env.put("HAIA_MODEL", "smollm2");
        env.put("HAIA_PERSONA_FILE", persona.toString());
        // a 1,024-token SmolLM2, recorded without tools: no room for the memory tools' definitions (README)
        env.put("HAIA_MEMORY_TOOLS", "off");
        env.putAll(extra);
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        if (haia != null) {
            haia.close();
        }
        if (server != null) {
            assertEquals(List.of(), server.violations());
            server.close();
        }
    }

    /** The recorded stream carries no usage: the reply's usage is HAIA's estimate, marked, never 0/0/0. */
    @Test
    void aStreamedReplyWithoutUsageGetsEstimatedFiguresMarkedAsSuchInTheReplyTheLedgerAndUsage() throws Exception {
        start(Map.of());
        ObjectNode request = Http.chat("haia", "Name three Proxmox CLI tools.");
        request.put("stream", true).putObject("stream_options").put("include_usage", true);
        JsonNode usage;
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals(recordedText(), SseClient.text(chunks));
            usage = chunks.getLast().path("usage");
        }
        assertTrue(usage.path("prompt_tokens").asInt() > 0 && usage.path("completion_tokens").asInt() > 0, usage.toString());
        assertTrue(usage.path("estimated").asBoolean(), usage.toString());
        assertFalse(FakeLlamaCpp.recording("stream").path("response").path("body").asText().contains("\"usage\""),
                    "the real server sent no usage");

        JsonNode line = Http.get(haia.uri("/v1/usage")).json().path("data").get(0);
        assertEquals(1, line.path("requests").asInt());
        assertEquals(1, line.path("estimated_requests").asInt(), line.toString());
        assertEquals(usage.path("prompt_tokens").asInt(), line.path("input_tokens").asInt());
        assertEquals(usage.path("completion_tokens").asInt(), line.path("output_tokens").asInt());
    }

    /**
     * A blocking client's call goes to the server as a stream (the real server stops generating only a stream whose
     * client left: bin/e2e-local-model measures it), and its usage is estimated too.
     */
    @Test
    void aBlockingClientIsServedThroughAStream() throws Exception {
        start(Map.of());
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hello"));
        assertEquals(200, response.status(), response.body());
        assertEquals(recordedText(), response.json().path("choices").get(0).path("message").path("content").asText());
        assertTrue(response.json().path("usage").path("estimated").asBoolean());
        assertTrue(server.lastRequest().body().path("stream").asBoolean(), "called as a stream");
    }

    /**
     * Issue 21: a picture for a model whose chat template takes text only. Streamed, the real server answers an empty
     * 200; asked again unstreamed, HTTP 500 whose body says what failed: the client's 400, sent once, not retried, not
     * the provider's fault (its breaker stays closed however often it happens).
     */
    @Test
    void aPictureForATextOnlyModelIsA400NeitherRetriedNorCountedAgainstTheProvider() throws Exception {
        start(Map.of("HAIA_MAX_ATTEMPTS", "3"));
        ObjectNode request = Http.chat("haia", "what does this show?");
        ArrayNode content = ((ObjectNode) request.path("messages").get(0)).putArray("content");
        content.addObject().put("type", "text").put("text", "what does this show?");
        content.addObject().put("type", "image_url").putObject("image_url").put("url", PNG);
        for (int i = 0; i < 12; i++) {
            server.reset();
            Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
            assertEquals(400, response.status(), response.body());
            assertEquals("upstream_invalid_request", response.json().path("error").path("code").asText());
            assertTrue(response.json().path("error").path("message").asText().contains("takes text only"),
                       response.body());
            assertEquals(List.of(true, false), streamFlags(), "streamed once, asked once unstreamed, never retried");
        }
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi")).status(),
                     "the circuit stayed closed");
        assertTrue(Http.get(haia.uri("/health")).body().contains("circuit=closed"));
    }

    /** Issue 21: response_format json_schema, which the real server's own validation refuses as HTTP 500. */
    @Test
    void aJsonSchemaTheServerRefusesWithA500IsA400NotRetried() throws Exception {
        start(Map.of("HAIA_MAX_ATTEMPTS", "3"));
        ObjectNode request = Http.chat("haia", "status as JSON");
        request.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .put("name", "status").putObject("schema").put("type", "object");
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(400, response.status(), response.body());
        String message = response.json().path("error").path("message").asText();
        assertTrue(message.contains("response_format.type: Input should be 'text' or 'json_object'"), message);
        assertFalse(message.contains("site-packages"), "no traceback of the server in the message: " + message);
        assertEquals(1, server.requests().size(), "not retried");
    }

    /**
     * A conversation of pasted logs passes the server's real context (1,024 tokens as recorded, counted at the
     * recorded tokens per character): the first overflow teaches HAIA the context and the tokens per character, the
     * window shrinks and the call is made once more; every turn is answered, and no later turn overflows.
     */
    @Test
    void aConversationPastTheServersRealContextKeepsAnswering() throws Exception {
        start(Map.of());
        double shrunk = metric("haia_context_shrunk_total");
        ObjectNode request = Http.JSON.createObjectNode().put("model", "haia").put("max_tokens", 48);
        ArrayNode messages = request.putArray("messages");
        for (int turn = 1; turn <= 6; turn++) {
            messages.addObject().put("role", "user").put("content", "Turn " + turn + ", more from pve2:\n" + logs(turn));
            Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request,
                                               Map.of("X-Haia-Conversation", "pve2-troubles"));
            assertEquals(200, response.status(), "turn " + turn + ": " + response.body());
            String reply = response.json().path("choices").get(0).path("message").path("content").asText();
            messages.addObject().put("role", "assistant").put("content", reply);
        }
        for (String question : List.of("are you there?", "ok", "?")) {
            messages.addObject().put("role", "user").put("content", question);
            Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request,
                                               Map.of("X-Haia-Conversation", "pve2-troubles"));
            assertEquals(200, response.status(), question + ": " + response.body());
            messages.addObject().put("role", "assistant").put("content",
                    response.json().path("choices").get(0).path("message").path("content").asText());
        }
        List<Boolean> flags = streamFlags();
        assertEquals(1, flags.stream().filter(f -> !f).count(), "exactly one overflow (asked again unstreamed): "
                + flags);
        assertEquals(FakeLlamaCpp.N_CTX, metric("haia_model_context_tokens"), "the context, learned");
        assertEquals(server.tokensPerChar(), metric("haia_model_tokens_per_char"), 0.15,
                     "about the tokens per character the server counts");
        assertEquals(shrunk + 1, metric("haia_context_shrunk_total"), "counted");
    }

    /** Once the context is known, a message that alone does not fit is refused before calling, saying so plainly. */
    @Test
    void aMessageAloneLongerThanTheLearnedContextIsAPlain400() throws Exception {
        aConversationPastTheServersRealContextKeepsAnswering();
        int before = server.requests().size();
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", logs(9).repeat(8)));
        assertEquals(400, response.status(), response.body());
        String message = response.json().path("error").path("message").asText();
        assertTrue(message.contains("the model's context of 1,024 tokens"), message);
        assertEquals(before, server.requests().size(), "not sent");
    }

    /** The server's default interrupt_requests cuts a stream when a second request arrives: the user is told why. */
    @Test
    void aStreamCutByASecondRequestTellsTheUserWhyAndIsNotRetried() throws Exception {
        start(Map.of("HAIA_MAX_ATTEMPTS", "3"));
        server.perEvent(Duration.ofMillis(40));
        ObjectNode story = Http.chat("haia", "Write a long story.");
        story.put("stream", true);
        CompletableFuture<List<JsonNode>> first = CompletableFuture.supplyAsync(() -> {
            try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), story.toString(),
                                                   Map.of("X-Haia-Conversation", "first"))) {
                return client.chunksUntilDone();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (server.requests().isEmpty()) {
            Thread.sleep(20);
        }
        Thread.sleep(200);
        Http.Response second = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"),
                                         Map.of("X-Haia-Conversation", "second"));
        assertEquals(200, second.status());
        List<JsonNode> chunks = first.get();
        String error = chunks.getLast().path("error").path("message").asText();
        assertTrue(error.contains("interrupt_requests"), chunks.getLast().toString());
        assertEquals(2, server.requests().size(), "the cut stream was not sent again");
        String cut = FakeLlamaCpp.recording("interrupted-stream").path("response").path("body").asText();
        assertTrue(cut.strip().endsWith("data: [DONE]") && !cut.contains("\"finish_reason\": \"stop\"")
                           && !cut.contains("\"finish_reason\": \"length\""), "as recorded: [DONE], no finish reason");
    }

    /**
     * The Ollama provider pointed at this server (which has no Ollama API): the start-up check and the chat error say
     * it does not look like Ollama and name the OpenAI-compatible provider, instead of "ollama pull".
     */
    @Test
    void anOllamaProviderPointedAtThisServerSaysItIsNotOllama() throws Exception {
        start(Map.of("HAIA_PROVIDER", "ollama", "OLLAMA_BASE_URL", "http://127.0.0.1:" + port()));
        List<String> warnings = haia.haia().checkProviders();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("does not look like Ollama")
                           && warnings.getFirst().contains("HAIA_PROVIDER=openai"), warnings.getFirst());
        assertTrue(Http.get(haia.uri("/health")).body().contains("does not look like Ollama"));
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        String message = response.json().path("error").path("message").asText();
        assertTrue(message.contains("does not look like Ollama") && !message.contains("ollama pull"), message);
    }

    // ---- helpers ----

    private int port() {
        return Integer.parseInt(server.baseUrl().replaceAll(".*:(\\d+)/v1$", "$1"));
    }

    /** Whether each model call the server got was streamed, in order. */
    private List<Boolean> streamFlags() {
        return server.requests().stream().filter(r -> r.path().endsWith("/chat/completions"))
                .map(r -> r.body().path("stream").asBoolean(false)).toList();
    }

    /** The text the recorded stream says. */
    private static String recordedText() {
        StringBuilder text = new StringBuilder();
        FakeLlamaCpp.recording("stream").path("response").path("body").asText().lines()
                .filter(l -> l.startsWith("data: {"))
                .forEach(l -> {
                    try {
                        text.append(Http.JSON.readTree(l.substring(6)).path("choices").get(0).path("delta")
                                            .path("content").asText(""));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        return text.toString();
    }

    /** A series of {@code /metrics} for HAIA's model {@code haia}. */
    private double metric(String name) {
        return Http.get(haia.uri("/metrics")).body().lines()
                .filter(l -> l.startsWith(name + "{") && l.contains("model=\"haia\"") && l.contains("provider=\"openai\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** About 700 characters of a troubled node's syslog. */
    private static String logs(int turn) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 700; i++) {
            text.append("Dec 06 10:").append(String.format("%02d:%02d", turn, i % 60))
                    .append(" pve2 kernel: nvme0n1: I/O ").append(100 + 37 * i + turn)
                    .append(" QID 3 timeout, aborting req_op:READ(0) size:4096\n");
        }
        return text.substring(0, 700);
    }
}
