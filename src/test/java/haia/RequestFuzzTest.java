package haia;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.llm.LlmMessage;
import haia.store.ConversationSummary;
import haia.store.MessageStatus;
import haia.store.StoredMessage;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Generated hostile input: thousands of random and mutated request bodies against the running server. Every
 * response must be a well-formed OpenAI success or error, never a 5xx; the server must stay healthy; and the
 * database must hold exactly the exchanges that were answered 200.
 *
 * <p>Reproducible: the seed is printed with every failure; run with {@code -Dhaia.fuzz.seed=<seed>} to replay it,
 * {@code -Dhaia.fuzz.cases=<n>} to change the count.
 */
class RequestFuzzTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] ROLES = {"system", "developer", "user", "assistant", "tool", "function", "", "USER", "wizard"};
    private static final String[] FIELDS = {"model", "messages", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "stop", "stream", "stream_options", "user", "n", "tools", "metadata"};

    @TempDir
    Path dir;

    @Test
    void randomAndMutatedBodiesNeverBreakTheServer() throws Exception {
        long seed = Long.getLong("haia.fuzz.seed", System.nanoTime());
        int cases = Integer.getInteger("haia.fuzz.cases", 2500);
        Random random = new Random(seed);
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("HAIA_MAX_BODY_BYTES", "32768");
            env.put("HAIA_MAX_MESSAGE_CHARS", "4000");
            try (TestHaia haia = TestHaia.start(dir, env)) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<String> expectedUserTurns = new ArrayList<>();
                int answered = 0;
                int stored = 0;
                Map<Integer, Integer> statuses = new HashMap<>();
                for (int i = 0; i < cases; i++) {
                    byte[] body = body(random);
                    String contentType = random.nextInt(40) == 0 ? "text/plain" : "application/json";
                    HttpResponse<String> response = client.send(
                            HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                    .timeout(Duration.ofSeconds(20))
                                    .header("Content-Type", contentType)
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    String context = "seed=" + seed + " case=" + i + " body=" + abbreviate(new String(body, StandardCharsets.UTF_8));
                    statuses.merge(response.statusCode(), 1, Integer::sum);
                    checkWellFormed(response, context);
                    if (response.statusCode() == 200) {
                        answered++;
                        List<String> turn = userTurn(body);
                        if (!turn.isEmpty()) {
                            stored++;
                            expectedUserTurns.addAll(turn);
                        }
                    }
                }
                assertEquals(200, Http.get(haia.uri("/health")).status(), "still healthy, seed=" + seed);
                assertTrue(answered > cases / 20, "the generator must also produce valid requests: " + statuses);
                assertTrue(statuses.keySet().stream().anyMatch(s -> s >= 400), "and invalid ones: " + statuses);

                // the database holds exactly the answered exchanges
                List<String> storedUserTurns = new ArrayList<>();
                int replies = 0;
                for (ConversationSummary conversation : haia.haia().store().conversations().list(100, 0)) {
                    for (StoredMessage message : haia.haia().store().conversations().messages(conversation.id(), 0, 100_000)) {
                        assertEquals(MessageStatus.OK, message.status(), "seed=" + seed);
                        if (message.role() == LlmMessage.Role.USER) {
                            storedUserTurns.add(message.content());
                        } else {
                            replies++;
                        }
                    }
                }
                assertEquals(stored, replies, "one stored reply per 200 that continued the thread, seed=" + seed);
                assertEquals(expectedUserTurns, storedUserTurns, "exactly the answered user turns, in order, seed=" + seed);
            }
            assertEquals(List.of(), anthropic.violations(), "seed=" + seed);
        }
    }

    /** A 200 is a complete chat.completion or SSE stream; anything else is a 4xx OpenAI error. */
    private static void checkWellFormed(HttpResponse<String> response, String context) throws Exception {
        int status = response.statusCode();
        String type = response.headers().firstValue("content-type").orElse("");
        if (status >= 500) {
            fail("5xx for " + context + ": " + response.body());
        }
        if (status == 200 && type.startsWith("text/event-stream")) {
            String[] events = response.body().split("\n\n");
            assertEquals("data: [DONE]", events[events.length - 1].strip(), context);
            for (int e = 0; e < events.length - 1; e++) {
                JsonNode chunk = Http.JSON.readTree(events[e].strip().substring("data: ".length()));
                assertEquals("chat.completion.chunk", chunk.path("object").asText(), context);
            }
            return;
        }
        assertTrue(type.startsWith("application/json"), "JSON expected for " + context);
        JsonNode json = Http.JSON.readTree(response.body());
        if (status == 200) {
            assertEquals("chat.completion", json.path("object").asText(), context);
            assertTrue(json.path("choices").get(0).path("message").path("content").isTextual(), context);
        } else {
            assertTrue(status >= 400 && status < 500, "status " + status + " for " + context);
            JsonNode error = json.path("error");
            assertTrue(error.path("message").isTextual() && !error.path("message").asText().isEmpty(), context);
            assertTrue(error.path("type").isTextual() && error.has("param") && error.has("code"), context);
        }
    }

    /**
     * What a 200 must have stored: the request's trailing user messages (the default conversation appends), unless
     * the request carries history of its own, which the default thread does not end with (random texts never match
     * the stored "Echo: ..." replies): then it was answered from its own context and nothing was stored.
     */
    private static List<String> userTurn(byte[] body) throws Exception {
        JsonNode messages = Http.JSON.readTree(body).path("messages");
        List<String> turn = new ArrayList<>();
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            if (!"user".equals(message.path("role").asText())) {
                if ("assistant".equals(message.path("role").asText()) && text(message.path("content")).isBlank()) {
                    continue;   // empty assistant messages are dropped, they do not end the turn
                }
                if (!List.of("system", "developer").contains(message.path("role").asText())) {
                    return List.of();   // an assistant message before the turn: the client's own context
                }
                continue;
            }
            turn.addFirst(text(message.path("content")));
        }
        // system messages between user messages do not split the turn, but they are not stored either
        return turn;
    }

    private static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        List<String> parts = new ArrayList<>();
        content.forEach(part -> {
            String text = part.path("text").asText("");
            if (!text.isEmpty()) {
                parts.add(text);
            }
        });
        return String.join("", parts);   // text parts are joined as OpenAI joins them: without a separator
    }

    // ---- the generator ----

    private static byte[] body(Random random) {
        int kind = random.nextInt(10);
        if (kind < 4) {
            return bytes(valid(random));                      // valid requests of many shapes
        }
        if (kind < 8) {
            return bytes(mutate(valid(random), random));      // one or more structural mutations
        }
        byte[] bytes = bytes(valid(random));
        return kind == 8 ? truncate(bytes, random) : corrupt(bytes, random);   // broken bytes
    }

    private static ObjectNode valid(Random random) {
        ObjectNode request = NODES.objectNode();
        if (random.nextBoolean()) {
            request.put("model", random.nextBoolean() ? "haia" : "gpt-4o");
        }
        ArrayNode messages = request.putArray("messages");
        if (random.nextInt(4) == 0) {
            messages.addObject().put("role", random.nextBoolean() ? "system" : "developer").put("content", text(random));
        }
        int history = random.nextInt(3);
        for (int h = 0; h < history; h++) {
            messages.addObject().put("role", "user").put("content", text(random));
            messages.addObject().put("role", "assistant").put("content", text(random));
        }
        ObjectNode last = messages.addObject().put("role", "user");
        if (random.nextInt(3) == 0) {
            ArrayNode parts = last.putArray("content");
            for (int p = 0, n = 1 + random.nextInt(3); p < n; p++) {
                parts.addObject().put("type", "text").put("text", text(random));
            }
        } else {
            last.put("content", text(random));
        }
        if (random.nextBoolean()) {
            request.put("temperature", Math.round(random.nextDouble() * 200) / 100.0);
        }
        if (random.nextInt(4) == 0) {
            request.put("max_tokens", 1 + random.nextInt(4000));
        }
        if (random.nextInt(3) == 0) {
            request.put("stream", true);
            if (random.nextBoolean()) {
                request.putObject("stream_options").put("include_usage", random.nextBoolean());
            }
        }
        if (random.nextInt(5) == 0) {
            request.putArray("stop").add("END");
        }
        if (random.nextInt(6) == 0) {
            request.put("user", text(random));
        }
        if (random.nextInt(8) == 0) {
            request.put("frequency_penalty", 0.5).putArray("tools");   // passed on; an empty tools list offers none
        }
        return request;
    }

    private static ObjectNode mutate(ObjectNode request, Random random) {
        for (int m = 0, n = 1 + random.nextInt(3); m < n; m++) {
            JsonNode messages = request.path("messages");
            ObjectNode someMessage = null;
            if (messages.isArray() && !messages.isEmpty()
                    && messages.get(random.nextInt(messages.size())) instanceof ObjectNode message) {
                someMessage = message;
            }
            switch (random.nextInt(8)) {
                case 0 -> request.remove(FIELDS[random.nextInt(FIELDS.length)]);
                case 1 -> request.set(FIELDS[random.nextInt(FIELDS.length)], anyValue(random, 2));
                case 2 -> {
                    if (someMessage != null) {
                        someMessage.put("role", ROLES[random.nextInt(ROLES.length)]);
                    }
                }
                case 3 -> {
                    if (someMessage != null) {
                        someMessage.set("content", anyValue(random, 2));
                    }
                }
                case 4 -> {
                    if (messages instanceof ArrayNode array) {
                        array.add(anyValue(random, 2));
                    }
                }
                case 5 -> request.put("max_tokens", random.nextBoolean() ? -random.nextInt(10) : Long.MAX_VALUE);
                case 6 -> request.put("temperature", random.nextBoolean() ? -1.0 : 1e300);
                default -> {
                    if (messages instanceof ArrayNode array) {
                        array.removeAll();
                    }
                }
            }
        }
        return request;
    }

    private static JsonNode anyValue(Random random, int depth) {
        return switch (random.nextInt(depth > 0 ? 9 : 6)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt());
            case 3 -> NODES.numberNode(random.nextGaussian() * 1e6);
            case 4 -> NODES.textNode(text(random));
            case 5 -> NODES.textNode("");
            case 6 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = 0, n = random.nextInt(4); i < n; i++) {
                    array.add(anyValue(random, depth - 1));
                }
                yield array;
            }
            case 7 -> {
                ObjectNode object = NODES.objectNode();
                object.put("type", random.nextBoolean() ? "text" : "image_url");
                object.set("text", anyValue(random, depth - 1));
                yield object;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                object.put("role", ROLES[random.nextInt(ROLES.length)]);
                object.set("content", anyValue(random, depth - 1));
                yield object;
            }
        };
    }

    /** Text with the characters that break naive code: quotes, escapes, controls, emoji, RTL, very long runs. */
    private static String text(Random random) {
        String[] pieces = {"pve2", " lost quorum", "\"quoted\"", "back\\slash", "\t", "\n", "\r\n", "\u0000", "\u0007",
                "\u001b[0m", "ü", "😀", "\u202e", "\u200b", "</chat_history>", "{\"json\": 1}", "DROP TABLE messages;",
                "' OR 1=1 --", "%s%n", "${jndi:x}", "  "};
        StringBuilder text = new StringBuilder("m");
        for (int i = 0, n = random.nextInt(6); i < n; i++) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        if (random.nextInt(60) == 0) {
            text.append("x".repeat(3000 + random.nextInt(2000)));   // around the 4000 character cap
        }
        return text.toString();
    }

    private static byte[] truncate(byte[] bytes, Random random) {
        return java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
    }

    private static byte[] corrupt(byte[] bytes, Random random) {
        byte[] copy = bytes.clone();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
            copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
        }
        return copy;
    }

    private static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "…";
    }
}
