package haia.llm.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.ContextQuery;
import haia.llm.ContextTooLongException;
import haia.llm.EmptyStreamException;
import haia.llm.ErrorCategory;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.ProtocolJson;
import haia.llm.RecordedStream;
import haia.llm.TestRequests;
import haia.llm.UpstreamHead;
import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Chat Completions mapping against what llama.cpp's real server sent (src/test/resources/llamacpp/, recorded by
 * bin/e2e-local-model): its streams, its refusals, its errors.
 */
class OpenAiRecordedTest {

    private final OpenAiProtocol llamaCpp = new OpenAiProtocol(
            RecordedStream.provider("openai", "http://127.0.0.1:8080/v1", null, Map.of()));

    @Test
    void theRecordedStreamCompletesWithTheTextAndNoUsage() {
        RecordedStream.Decoded decoded = decode("stream");
        assertTrue(decoded.ended());
        assertFalse(decoded.response().text().isBlank());
        assertEquals(Usage.NONE, decoded.response().usage(), "no usage in the stream: HAIA estimates it later");
    }

    @Test
    void aStreamCutWithDoneAndNoFinishReasonSaysInterruptRequests() {
        LlmException cut = decode("interrupted-stream").failure();
        assertEquals(ErrorCategory.PROTOCOL, cut.category(), "not retried: a retry would cut the other reply");
        assertTrue(cut.getMessage().contains("--interrupt_requests False"), cut.getMessage());
    }

    @Test
    void anEmptyStreamIsTheServersRefusal() {
        for (String name : List.of("context-empty-stream", "image-empty-stream")) {
            assertEquals("", body(name), name + " is empty as recorded");
            assertInstanceOf(EmptyStreamException.class, decode(name).failure(), name);
        }
    }

    @Test
    void fiveHundredsThatSayTheRequestWasInvalidAreTheClientsAndNotTheProviders() {
        LlmException picture = failure("image-500");
        assertEquals(ErrorCategory.INVALID_REQUEST, picture.category());
        assertFalse(picture.category().retryable() || picture.category().providerFault());
        assertTrue(picture.getMessage().contains("takes text only"), picture.getMessage());

        LlmException schema = failure("json-schema-500");
        assertEquals(ErrorCategory.INVALID_REQUEST, schema.category());
        assertTrue(schema.getMessage().contains("response_format.type: Input should be 'text' or 'json_object'"),
                   schema.getMessage());
        assertFalse(schema.getMessage().contains("site-packages"), schema.getMessage());

        LlmException crash = llamaCpp.failure("m", new UpstreamHead(500, Map.of()), ("{\"error\":{\"message\":\"CUDA"
                + " error: out of memory\",\"type\":\"internal_server_error\",\"param\":null,\"code\":null}}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.UNAVAILABLE, crash.category(), "a 500 that says nothing of the request: the server's");
    }

    @Test
    void theRecordedOverflowNamesTheContextAndThePromptInTheServersTokens() {
        ContextTooLongException overflow = assertInstanceOf(ContextTooLongException.class,
                                                            failure("context-length-exceeded"));
        assertEquals(OptionalInt.of(1024), overflow.contextTokens());
        assertTrue(overflow.promptTokens().orElseThrow() > 1024, overflow.getMessage());
        assertEquals(ErrorCategory.CONTEXT_TOO_LONG, overflow.category());
    }

    /** llama.cpp's own llama-server: its type and its fields (documented in its server README). */
    @Test
    void llamaServersOverflowFieldsAreRead() {
        ContextTooLongException overflow = assertInstanceOf(ContextTooLongException.class, llamaCpp.failure(
                "m", new UpstreamHead(400, Map.of()), ("{\"error\":{\"code\":400,\"message\":\"the request exceeds the"
                        + " available context size, try increasing it\",\"type\":\"exceed_context_size_error\","
                        + "\"n_prompt_tokens\":9000,\"n_ctx\":8192}}").getBytes(StandardCharsets.UTF_8)));
        assertEquals(OptionalInt.of(8192), overflow.contextTokens());
        assertEquals(OptionalInt.of(9000), overflow.promptTokens());
    }

    @Test
    void theContextIsAskedWhereServersStateIt() {
        List<ContextQuery> queries = llamaCpp.contextQueries("smollm2");
        assertEquals(List.of("http://127.0.0.1:8080/props", "http://127.0.0.1:8080/v1/models",
                             "http://127.0.0.1:8080/api/v0/models/smollm2"),
                     queries.stream().map(q -> q.request().uri().toString()).toList());
        assertEquals(OptionalInt.of(8192), answer(queries.get(0),
                "{\"default_generation_settings\":{\"n_ctx\":8192},\"total_slots\":1}"));
        assertEquals(OptionalInt.of(4096), answer(queries.get(0), "{\"n_ctx\":4096}"));
        assertEquals(OptionalInt.of(32768), answer(queries.get(1),
                "{\"object\":\"list\",\"data\":[{\"id\":\"smollm2\",\"object\":\"model\",\"max_model_len\":32768}]}"));
        assertEquals(OptionalInt.empty(), answer(queries.get(1), body("models")), "as recorded: no context stated");
        assertEquals(OptionalInt.of(4096), answer(queries.get(2),
                "{\"id\":\"smollm2\",\"max_context_length\":131072,\"loaded_context_length\":4096}"));
        assertEquals(OptionalInt.empty(), answer(queries.get(0), body("props")), "llama-cpp-python has no /props");
        OpenAiProtocol openAi = new OpenAiProtocol(
                RecordedStream.provider("openai", "https://api.openai.com/v1", "sk-x", Map.of()));
        assertEquals(List.of(), openAi.contextQueries("gpt-4o-mini"), "OpenAI's contexts are known by name");
    }

    // ---- helpers ----

    private static OptionalInt answer(ContextQuery query, String body) {
        return query.answer().apply(body.getBytes(StandardCharsets.UTF_8));
    }

    private RecordedStream.Decoded decode(String name) {
        return RecordedStream.decode("openai", llamaCpp.decoder(TestRequests.of("smollm2", "s", LlmMessage.user("q")),
                                                                 new UpstreamHead(200, Map.of())), body(name));
    }

    private LlmException failure(String name) {
        JsonNode response = recording(name).path("response");
        return llamaCpp.failure("smollm2", new UpstreamHead(response.path("status").asInt(), Map.of()),
                                response.path("body").asText().getBytes(StandardCharsets.UTF_8));
    }

    private static String body(String name) {
        return recording(name).path("response").path("body").asText();
    }

    static JsonNode recording(String name) {
        try (InputStream in = OpenAiRecordedTest.class.getResourceAsStream("/llamacpp/" + name + ".json")) {
            return ProtocolJson.READER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
