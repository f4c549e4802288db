package haia;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The core request path end to end: OpenAI request in, Anthropic call out, OpenAI response back, memory kept. */
class ChatCompletionsTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        haia = TestHaia.start(dir, anthropic);
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations(), "HAIA sent requests Anthropic would reject");
        anthropic.close();
    }

    @Test
    void answersInOpenAiShape() {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hello there"));

        assertEquals(200, response.status(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"));
        JsonNode body = response.json();
        assertTrue(body.path("id").asText().startsWith("chatcmpl-"), body.toString());
        assertEquals("chat.completion", body.path("object").asText());
        assertTrue(body.path("created").asLong() > 1_700_000_000L);
        assertEquals("haia", body.path("model").asText());
        JsonNode choice = body.path("choices").get(0);
        assertEquals(0, choice.path("index").asInt());
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals("Echo: hello there", choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(10, body.path("usage").path("prompt_tokens").asInt());
        assertEquals(5, body.path("usage").path("completion_tokens").asInt());
        assertEquals(15, body.path("usage").path("total_tokens").asInt());
        assertTrue(response.header("x-request-id") != null && !response.header("x-request-id").isEmpty());
    }

    @Test
    void sendsThePersonaAsTheSystemPromptFollowedByClientSystemText() {
        ObjectNode request = Http.chat("haia", "is my ceph ok?");
        request.withArray("messages").insertObject(0).put("role", "system").put("content", "Answer in German.");
        request.withArray("messages").insertObject(1).put("role", "developer").put("content", "Be terse.");

        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), request).status());

        String system = anthropic.lastRequest().systemText();
        assertTrue(system.startsWith("You are HAIA, the homelab assistant"), system);
        assertTrue(system.contains("Proxmox VE"), system);
        assertFalse(system.contains("{{date}}"), "the template is rendered");
        assertTrue(system.indexOf("Answer in German.") > system.indexOf("Proxmox"), "client text follows the persona");
        assertTrue(system.endsWith("Answer in German.\n\nBe terse."), system);
        JsonNode messages = anthropic.lastRequest().body().path("messages");
        assertEquals(1, messages.size(), "system text never becomes a message");
    }

    @Test
    void mapsOpenAiParametersToAnthropicRules() {
        ObjectNode request = Http.chat("haia", "first", "an answer", "second");
        request.withArray("messages").addObject().put("role", "user")
                .putArray("content").addObject().put("type", "text").put("text", "third, in parts");
        request.put("temperature", 1.7).put("top_p", 0.5).put("max_completion_tokens", 333).put("user", "alice@example.com");
        request.putArray("stop").add("END").add("STOP");

        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), request).status());

        JsonNode sent = anthropic.lastRequest().body();
        assertEquals(1.0, sent.path("temperature").asDouble(), "clamped to Anthropic's maximum");
        assertFalse(sent.has("top_p"), "never both temperature and top_p");
        assertEquals(333, sent.path("max_tokens").asInt());
        assertEquals("[\"END\",\"STOP\"]", sent.path("stop_sequences").toString());
        String userId = sent.path("metadata").path("user_id").asText();
        assertEquals(64, userId.length(), "an opaque hash, not the e-mail address");
        assertFalse(userId.contains("alice"));
        JsonNode last = sent.path("messages").get(sent.path("messages").size() - 1);
        assertEquals("user", last.path("role").asText());
        assertEquals("second\n\nthird, in parts", last.path("content").asText(), "consecutive user turns merged");
    }

    @Test
    void usesTheConfiguredDefaultsWhenTheClientSetsNothing() {
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));

        JsonNode sent = anthropic.lastRequest().body();
        assertEquals("claude-haiku-4-5-20251001", sent.path("model").asText());
        assertEquals(4096, sent.path("max_tokens").asInt());
        assertFalse(sent.has("temperature"));
        assertFalse(sent.has("stream"));
        assertEquals(FakeAnthropic.API_KEY, anthropic.lastRequest().headers().get("x-api-key"));
        assertEquals("2023-06-01", anthropic.lastRequest().headers().get("anthropic-version"));
    }

    @Test
    void logprobsFalseAndStreamOptionsWithAStreamAreFine() {
        ObjectNode request = Http.chat("haia", "hi").put("logprobs", false);
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), request).status());
        ObjectNode streamed = Http.chat("haia", "hi").put("stream", true);
        streamed.putObject("stream_options").put("include_usage", true);
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), streamed).status());
    }

    @Test
    void topPIsForwardedWhenItIsTheOnlySamplingSetting() {
        ObjectNode request = Http.chat("haia", "hi").put("top_p", 0.3);
        Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(0.3, anthropic.lastRequest().body().path("top_p").asDouble());
    }

    @Test
    void anUnknownModelNameIsAnsweredByTheDefaultModelAndSaysSo() {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("gpt-4o", "hi"));
        assertEquals(200, response.status());
        assertEquals("haia", response.json().path("model").asText());
        assertEquals("haia", response.header("x-haia-model"));
    }

    @Test
    void listsModelsInOpenAiShape() {
        Http.Response response = Http.get(haia.uri("/v1/models"));
        assertEquals(200, response.status());
        JsonNode body = response.json();
        assertEquals("list", body.path("object").asText());
        JsonNode model = body.path("data").get(0);
        assertEquals("haia", model.path("id").asText());
        assertEquals("model", model.path("object").asText());
        assertEquals(1_735_689_600L, model.path("created").asLong(), "one fixed value, the same at every start");
        assertEquals("haia/anthropic", model.path("owned_by").asText());

        assertEquals(200, Http.get(haia.uri("/v1/models/haia")).status());
        Http.Response missing = Http.get(haia.uri("/v1/models/nope"));
        assertEquals(404, missing.status());
        assertEquals("model_not_found", missing.json().path("error").path("code").asText());
    }

    @Test
    void rememberAcrossRequestsWhenTheClientSendsOnlyItsNewMessage() {
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "VM 101 on pve2 will not boot"));
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "what was the VM id again?"));

        JsonNode messages = anthropic.lastRequest().body().path("messages");
        assertEquals(3, messages.size());
        assertEquals("VM 101 on pve2 will not boot", messages.get(0).path("content").asText());
        assertEquals("Echo: VM 101 on pve2 will not boot", messages.get(1).path("content").asText());
        assertEquals("what was the VM id again?", messages.get(2).path("content").asText());
    }

    @Test
    void aClientResendingItsWholeHistoryDoesNotDuplicateIt() {
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "one"));
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "one", "Echo: one", "two"));

        JsonNode messages = anthropic.lastRequest().body().path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals(4, haia.haia().store().conversations().list(10, 0).getFirst().messageCount());
    }

    @Test
    void theWindowHoldsTheNewestMessagesAndStartsWithAUserTurn() {
        for (int i = 0; i < 26; i++) {
            assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "question " + i)).status());
        }
        JsonNode messages = anthropic.lastRequest().body().path("messages");
        // 25 stored exchanges (50 messages) + the new question = 51: the window moves in blocks of 10 (prompt cache
        // on), keeping 20 to 29 messages, so it has dropped 30 and holds 21, opening with a user turn
        assertEquals(21, messages.size());
        assertEquals("user", messages.get(0).path("role").asText());
        assertEquals("question 15", messages.get(0).path("content").asText());
        assertEquals("question 25", messages.get(20).path("content").asText());
        for (int i = 1; i < messages.size(); i++) {
            assertFalse(messages.get(i).path("role").equals(messages.get(i - 1).path("role")), "roles alternate");
        }
    }

    @Test
    void malformedJsonIsA400NamingTheProblem() {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), "{\"model\": \"haia\", \"messages\": [",
                                           Map.of());
        assertEquals(400, response.status());
        JsonNode error = response.json().path("error");
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("not valid JSON"), error.toString());
        assertTrue(error.has("param") && error.has("code"));
        assertEquals(0, anthropic.requests().size());
    }

    @Test
    void anInvalidFieldIsA400NamingTheField() {
        ObjectNode request = Http.chat("haia", "hi").put("temperature", "hot");
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(400, response.status());
        assertEquals("temperature", response.json().path("error").path("param").asText());

        ObjectNode badRole = Http.chat("haia", "hi");
        ((ObjectNode) badRole.withArray("messages").get(0)).put("role", "wizard");
        Http.Response roleResponse = Http.post(haia.uri("/v1/chat/completions"), badRole);
        assertEquals(400, roleResponse.status());
        assertEquals("messages[0].role", roleResponse.json().path("error").path("param").asText());
        assertEquals(0, anthropic.requests().size());
        assertEquals(List.of(), haia.haia().store().conversations().list(10, 0), "bad input stores nothing");
    }

    @Test
    void healthReportsTheDatabase() {
        Http.Response response = Http.get(haia.uri("/health"));
        assertEquals(200, response.status(), response.body());
        JsonNode body = response.json();
        assertEquals("UP", body.path("status").asText());
        boolean database = false;
        for (JsonNode check : body.path("checks")) {
            if (check.path("name").asText().equals("database")) {
                database = check.path("status").asText().equals("UP");
            }
        }
        assertTrue(database, body.toString());
    }

    @Test
    void metricsAppearAfterARequest() {
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        Http.Response response = Http.get(haia.uri("/metrics"));
        assertEquals(200, response.status());
        String text = response.body();
        assertTrue(text.contains("haia_requests_total{"), text);
        assertTrue(text.contains("outcome=\"ok\""));
        assertTrue(text.contains("haia_llm_call_seconds_bucket{"), "a latency histogram");
        assertTrue(text.contains("haia_tokens_total{"));
        assertTrue(text.contains("haia_messages_stored_total{"));
        assertFalse(text.contains(FakeAnthropic.API_KEY));
    }
}
