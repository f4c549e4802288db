package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code target/haia.jar}, run as users run it, talked to with the official OpenAI Java client.
 * Memory must survive a restart of the process; the second process answers a streaming request.
 */
class HaiaJarIT {

    @TempDir
    Path dir;

    @Test
    void theOfficialClientChatsWithTheJarAndItRemembersAcrossARestart() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());

            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                ChatCompletion completion = client(haia).chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("haia")
                        .addUserMessage("pve3 reports SMART errors on /dev/sdb")
                        .build());
                assertEquals("Echo: pve3 reports SMART errors on /dev/sdb",
                             completion.choices().getFirst().message().content().orElseThrow());
                assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().getFirst().finishReason());
                assertEquals(15L, completion.usage().orElseThrow().totalTokens());
                int exit = haia.stop(Duration.ofSeconds(30));
                assertTrue(exit == 0 || exit == 143, "clean exit on SIGTERM, got " + exit);
                assertTrue(haia.log().contains("HAIA stopped"), haia.log());
            }

            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                // streamed, as OpenWebUI asks by default
                StringBuilder streamed = new StringBuilder();
                try (var stream = client(haia).chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                        .model("haia")
                        .addUserMessage("which disk was it?")
                        .build())) {
                    stream.stream().forEach(chunk -> chunk.choices()
                            .forEach(choice -> choice.delta().content().ifPresent(streamed::append)));
                }
                assertEquals("Echo: which disk was it?", streamed.toString());
                JsonNode messages = anthropic.lastRequest().body().path("messages");
                assertEquals(3, messages.size(), messages.toString());
                assertEquals("pve3 reports SMART errors on /dev/sdb", messages.get(0).path("content").asText());
                assertTrue(anthropic.lastRequest().body().path("stream").asBoolean());
            }
            assertEquals(java.util.List.of(), anthropic.violations());
        }
    }

    static OpenAIClient client(HaiaProcess haia) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(haia.uri("/v1").toString())
                .apiKey("unused")
                .maxRetries(0)
                .build();
    }
}
