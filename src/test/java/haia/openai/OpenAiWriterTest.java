package haia.openai;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.FinishReason;
import haia.llm.Part;
import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpenAiWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void contentChunksAreExactlyWhatTheGeneratorWrites() {
        for (boolean usageNull : List.of(true, false)) {
            OpenAiWriter.ContentChunks chunks = new OpenAiWriter.ContentChunks("chatcmpl-x1", 1795490000L, "haia-local",
                                                                               usageNull);
            for (String text : List.of("", "plain", "quotes \" and \\ backslash", "new\nline\ttab\r", "\u0000\u0007\u001f",
                                       "naïve ☃ 😀 \u202e", "</script>", "~~content~~")) {
                byte[] generated = OpenAiWriter.chunk("chatcmpl-x1", 1795490000L, "haia-local", Optional.empty(),
                                                      Optional.of(text), Optional.empty(), usageNull);
                String expected = "data: " + new String(generated, StandardCharsets.UTF_8) + "\n\n";
                assertEquals(expected, new String(chunks.event(text), StandardCharsets.UTF_8), text);
            }
        }
    }

    @Test
    void aCompletionHasEveryFieldOpenAiRequires() throws Exception {
        JsonNode completion = JSON.readTree(OpenAiWriter.completion("chatcmpl-1", 7, "haia", List.of(new haia.llm.Part.Text("hi")), FinishReason.LENGTH,
                                                                    new Usage(3, 4)));
        assertEquals("chat.completion", completion.path("object").asText());
        JsonNode choice = completion.path("choices").get(0);
        assertEquals("length", choice.path("finish_reason").asText());
        assertEquals(true, choice.has("logprobs") && choice.path("logprobs").isNull());
        assertEquals(7, completion.path("usage").path("total_tokens").asInt());
    }

    @Test
    void usageCountsCachedTokensInThePromptAsOpenAiDoesBlockingAndStreamed() throws Exception {
        Usage usage = new Usage(1200, 40, 1000, 150);
        for (byte[] body : List.of(OpenAiWriter.completion("chatcmpl-1", 7, "haia", List.of(new Part.Text("hi")),
                                                           FinishReason.STOP, usage),
                                   OpenAiWriter.usageChunk("chatcmpl-1", 7, "haia", usage))) {
            JsonNode written = JSON.readTree(body).path("usage");
            assertEquals(1200, written.path("prompt_tokens").asInt(), "every input token, cached ones included");
            assertEquals(40, written.path("completion_tokens").asInt());
            assertEquals(1240, written.path("total_tokens").asInt());
            assertEquals(1000, written.path("prompt_tokens_details").path("cached_tokens").asInt());
            assertEquals(150, written.path("prompt_tokens_details").path("cache_write_tokens").asInt());
        }
    }

    @Test
    void errorsAlwaysCarryParamAndCode() throws Exception {
        JsonNode error = JSON.readTree(OpenAiWriter.error("bad", "invalid_request_error", Optional.empty(),
                                                          Optional.empty())).path("error");
        assertEquals(true, error.has("param") && error.path("param").isNull());
        assertEquals(true, error.has("code") && error.path("code").isNull());
    }
}
