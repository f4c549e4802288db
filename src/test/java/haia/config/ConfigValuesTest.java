package haia.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed values: which layer each comes from, and how a problem with one names where it came from. */
class ConfigValuesTest {

    @TempDir
    Path dir;

    @Test
    void eachValueKnowsTheLayerItCameFrom() throws Exception {
        Files.writeString(dir.resolve(".env"), """
                HAIA_MAX_TOKENS=111
                HAIA_CONTEXT_WINDOW=7
                """);
        Files.writeString(dir.resolve("haia.yaml"), """
                chat:
                  context-window: 9
                  context-window-step: 4
                """);
        Files.writeString(dir.resolve("db-password"), "from-a-file\n");
        List<String> problems = new ArrayList<>();
        ConfigValues values = new ConfigValues(Map.of("HAIA_CONFIG", "haia.yaml",
                                                      "HAIA_MAX_TOKENS", "222",
                                                      "HAIA_DB_PASSWORD_FILE", "db-password"), dir, problems);
        assertEquals(List.of(), problems);

        assertEquals(ConfigValues.Source.ENVIRONMENT, values.source("chat.max-tokens"), "the environment beats .env");
        assertEquals(222, values.positiveInt("chat.max-tokens"));
        assertEquals(ConfigValues.Source.DOT_ENV, values.source("chat.context-window"), ".env beats the YAML");
        assertEquals(7, values.positiveInt("chat.context-window"));
        assertEquals(ConfigValues.Source.SECRET_FILE, values.source("store.password"));
        assertEquals("from-a-file", values.secret("store.password").orElseThrow().reveal());
        assertEquals(ConfigValues.Source.YAML, values.source("chat.context-window-step"), "the YAML beats the jar's");
        assertEquals(4, values.positiveInt("chat.context-window-step"));
        assertEquals(ConfigValues.Source.DEFAULT, values.source("server.port"));
        assertEquals(8000, values.port("server.port"));
        assertEquals(ConfigValues.Source.DEFAULT, values.source("store.url"), "set nowhere");
        assertEquals(dir.resolve("haia.yaml").toAbsolutePath().normalize(), values.yamlFile().orElseThrow());
    }

    @Test
    void aProblemNamesTheVariableOrTheYamlKeyItsValueCameFrom() throws Exception {
        Files.writeString(dir.resolve(".env"), "HAIA_KEEP_ALIVE=soon\n");
        Files.writeString(dir.resolve("haia.yaml"), """
                chat:
                  max-message-chars: many
                """);
        List<String> problems = new ArrayList<>();
        ConfigValues values = new ConfigValues(Map.of("HAIA_CONFIG", "haia.yaml", "HAIA_MAX_TOKENS", "-1"), dir,
                                               problems);
        assertEquals(1, values.positiveInt("chat.max-tokens"), "a stand-in, so that reading goes on");
        assertEquals(Duration.ofSeconds(1), values.duration("server.keep-alive"));
        assertEquals(1, values.positiveInt("chat.max-message-chars"));
        assertEquals(List.of("HAIA_MAX_TOKENS (chat.max-tokens) must be a positive integer, got '-1'",
                             "HAIA_KEEP_ALIVE (server.keep-alive) must be a positive duration such as 30s, 500ms or"
                                     + " PT1M, got 'soon'",
                             "chat.max-message-chars in " + dir.resolve("haia.yaml").toAbsolutePath().normalize()
                                     + " must be a positive integer, got 'many'"), problems);
        assertEquals("SERVER_PORT (server.port)", values.name("server.port"), "unset: named by its variable");
        assertEquals("tools.mcp-retry", values.name("tools.mcp-retry"), "no variable: the key");
    }

    @Test
    void aYamlFileEditedAfterItWasReadBlamesNothingOnIt() throws Exception {
        Path yaml = dir.resolve("haia.yaml");
        Files.writeString(yaml, "chat:\n  max-message-chars: many\n");
        List<String> problems = new ArrayList<>();
        ConfigValues values = new ConfigValues(Map.of("HAIA_CONFIG", "haia.yaml"), dir, problems);
        // the file alone is read when a problem is named: by then it may no longer parse
        Files.writeString(yaml, "chat: [unclosed\n");
        assertEquals(1, values.positiveInt("chat.max-message-chars"));
        assertEquals(List.of("HAIA_MAX_MESSAGE_CHARS (chat.max-message-chars) must be a positive integer, got 'many'"),
                     problems);
    }

    @Test
    void onlyTheRegisteredVariablesAreRead() {
        List<String> problems = new ArrayList<>();
        // Helidon's own environment mappings (CHAT_CONTEXT_WINDOW, the key itself) and near misses are not read
        ConfigValues values = new ConfigValues(Map.of("CHAT_CONTEXT_WINDOW", "6", "chat.context-window", "7",
                                                      "HAIA_CONTEXT_WINDOWS", "8"), dir, problems);
        assertEquals(20, values.positiveInt("chat.context-window"));
        assertEquals(ConfigValues.Source.DEFAULT, values.source("chat.context-window"));
        assertTrue(Variables.names().contains("HAIA_CONTEXT_WINDOW"));
        assertTrue(Variables.names().contains("OLLAMA_KEEP_ALIVE"), "a provider's own option, from its descriptor");
        assertTrue(Variables.names().contains("GEMINI_API_KEY_FILE"), "each key's file form");
        assertTrue(Variables.names().contains("HAIA_CONFIG"));
    }
}
