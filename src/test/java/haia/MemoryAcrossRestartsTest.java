package haia;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.StoreBackend;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * "The VM you mentioned yesterday": memory survives a restart of the server on the same database (file, or
 * PostgreSQL database).
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class MemoryAcrossRestartsTest {

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;

    @Test
    void aRestartedServerRemembersTheConversation() {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.putAll(backend.env(dir));
            try (TestHaia first = TestHaia.start(dir, env)) {
                assertEquals(200, Http.post(first.uri("/v1/chat/completions"),
                                            Http.chat("haia", "VM 104 keeps losing its NFS mount")).status());
            }
            try (TestHaia second = TestHaia.start(dir, env)) {
                assertEquals(200, Http.post(second.uri("/v1/chat/completions"),
                                            Http.chat("haia", "which VM was that again?")).status());
            }
            JsonNode messages = anthropic.lastRequest().body().path("messages");
            assertEquals(3, messages.size(), messages.toString());
            assertEquals("VM 104 keeps losing its NFS mount", messages.get(0).path("content").asText());
            assertEquals("assistant", messages.get(1).path("role").asText());
            assertEquals("which VM was that again?", messages.get(2).path("content").asText());
        }
    }
}
