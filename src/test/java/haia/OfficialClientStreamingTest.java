package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;

import haia.testing.FakeAnthropic;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HAIA's stream format, read by the official OpenAI Java client's own SSE parser rather than ours. */
class OfficialClientStreamingTest {

    @TempDir
    Path dir;

    @Test
    void theOfficialClientReadsHaiasStream() {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = TestHaia.start(dir, anthropic)) {
            // Anthropic bills 10 uncached prompt tokens, 3000 read from its cache and 500 written to it
            anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("Run ", "`ceph -s`", " and ", "paste it."),
                                                                "end_turn", 10, 4, Duration.ofMillis(10), 3000, 500));
            OpenAIClient client = haia.openAiClient();
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model("haia")
                    .addUserMessage("ceph is HEALTH_WARN")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build();

            StringBuilder text = new StringBuilder();
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> {
                    chunks.add(chunk);
                    chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                });
            }
            assertEquals("Run `ceph -s` and paste it.", text.toString());
            assertTrue(chunks.stream().anyMatch(c -> !c.choices().isEmpty()
                    && c.choices().getFirst().finishReason().map(f -> f.equals(ChatCompletionChunk.Choice.FinishReason.STOP))
                    .orElse(false)));
            var usage = chunks.getLast().usage().orElseThrow();
            assertEquals(3510L, usage.promptTokens(), "every prompt token, cached ones included, as OpenAI counts");
            assertEquals(4L, usage.completionTokens());
            assertEquals(3514L, usage.totalTokens());
            assertEquals(3000L, usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());
        }
    }
}
