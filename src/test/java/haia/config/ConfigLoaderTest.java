package haia.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.testing.EnvPairs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static Map<String, String> env(String... pairs) {
        return EnvPairs.of(pairs);
    }

    @Test
    void defaultsMatchTheDocumentedTable() {
        HaiaConfig config = ConfigLoader.load(env("ANTHROPIC_API_KEY", "sk-ant-x"), dir);
        assertEquals("0.0.0.0", config.server().host());
        assertEquals(8000, config.server().port());
        assertEquals(20, config.chat().contextWindow());
        assertEquals(4096, config.chat().maxTokens());
        assertEquals(dir.resolve("./data/haia.db"), config.store().dbPath());
        assertTrue(config.chat().personaFile().isEmpty());
        assertEquals(List.of(), config.security().corsOrigins());
        HaiaConfig.Model model = config.models().getFirst();
        assertEquals("haia", model.id());
        assertEquals("claude-haiku-4-5-20251001", model.upstreamModel());
        assertEquals("https://api.anthropic.com", config.providers().get("anthropic").baseUrl().toString());
        assertEquals(32 << 20, config.server().maxBodyBytes());
        assertEquals(5 << 20, config.chat().maxImageBytes());
        assertEquals(new HaiaConfig.ImageFetch(List.of(), Duration.ofSeconds(10), 10, 20 << 20),
                     config.chat().imageFetch());
        assertEquals(Duration.ofSeconds(30), config.server().shutdownGrace());
    }

    @Test
    void everyDocumentedVariableIsHonoured() {
        HaiaConfig config = ConfigLoader.load(env(
                "ANTHROPIC_API_KEY", "sk-ant-x",
                "ANTHROPIC_BASE_URL", "http://127.0.0.1:9999",
                "HAIA_MODEL", "claude-sonnet-4-5",
                "HAIA_MAX_TOKENS", "1234",
                "HAIA_CONTEXT_WINDOW", "8",
                "HAIA_DB_PATH", "/var/lib/haia/h.db",
                "HAIA_PERSONA_FILE", "my-persona.md",
                "HAIA_CORS_ORIGINS", "http://a.lan, http://b.lan",
                "SERVER_PORT", "8080",
                "SERVER_HOST", "127.0.0.1",
                "HAIA_IMAGE_FETCH_ALLOW", "192.168.1.0/24, nas.lan",
                "HAIA_IMAGE_FETCH_TIMEOUT", "3s",
                "HAIA_IMAGE_FETCH_MAX_URLS", "2",
                "HAIA_IMAGE_FETCH_MAX_BYTES", "1MB"), dir);
        assertEquals(new HaiaConfig.ImageFetch(List.of("192.168.1.0/24", "nas.lan"), Duration.ofSeconds(3), 2, 1 << 20),
                     config.chat().imageFetch());
        assertEquals("http://127.0.0.1:9999", config.providers().get("anthropic").baseUrl().toString());
        assertEquals("claude-sonnet-4-5", config.models().getFirst().upstreamModel());
        assertEquals(1234, config.chat().maxTokens());
        assertEquals(8, config.chat().contextWindow());
        assertEquals(Path.of("/var/lib/haia/h.db"), config.store().dbPath());
        assertEquals(dir.resolve("my-persona.md"), config.chat().personaFile().orElseThrow());
        assertEquals(List.of("http://a.lan", "http://b.lan"), config.security().corsOrigins());
        assertEquals(8080, config.server().port());
        assertEquals("127.0.0.1", config.server().host());
    }

    @Test
    void reportsEveryProblemAtOnceNamingTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env(
                "HAIA_CONTEXT_WINDOW", "twenty",
                "SERVER_PORT", "99999",
                "HAIA_MAX_TOKENS", "-5",
                "HAIA_IMAGE_FETCH_ALLOW", "192.168.1.0/33"), dir));
        List<String> problems = e.problems();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("ANTHROPIC_API_KEY") && p.contains("required")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("HAIA_CONTEXT_WINDOW") && p.contains("positive integer")
                && p.contains("'twenty'")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("SERVER_PORT")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("HAIA_MAX_TOKENS")), problems.toString());
        assertTrue(problems.contains("HAIA_IMAGE_FETCH_ALLOW (chat.image-fetch.allow): '192.168.1.0/33' is not an"
                + " address range (192.168.1.0/24, fd00::/8)"), problems.toString());
        assertEquals(5, problems.size(), problems.toString());
    }

    @Test
    void dotEnvIsReadAndTheRealEnvironmentWins() throws Exception {
        Files.writeString(dir.resolve(".env"), """
                # comment
                export ANTHROPIC_API_KEY="sk-ant-from-dotenv"
                HAIA_CONTEXT_WINDOW=12
                HAIA_MODEL='claude-opus-4-5' # trailing comment is not part of a quoted value
                HAIA_MAX_TOKENS=100 # inline comment
                """);
        HaiaConfig config = ConfigLoader.load(env("HAIA_CONTEXT_WINDOW", "6"), dir);
        assertEquals("sk-ant-from-dotenv", config.providers().get("anthropic").apiKey().orElseThrow().reveal());
        assertEquals(6, config.chat().contextWindow(), "environment beats .env");
        assertEquals(100, config.chat().maxTokens());
    }

    @Test
    void aYamlFileNamedByHaiaConfigOverridesTheDefaults() throws Exception {
        Files.writeString(dir.resolve("custom.yaml"), """
                chat:
                  context-window: 50
                server:
                  port: 9000
                """);
        HaiaConfig config = ConfigLoader.load(env("HAIA_CONFIG", "custom.yaml", "ANTHROPIC_API_KEY", "k",
                                                  "SERVER_PORT", "9100"), dir);
        assertEquals(50, config.chat().contextWindow());
        assertEquals(9100, config.server().port(), "environment beats the file");
        assertEquals(4096, config.chat().maxTokens(), "unset keys keep the shipped defaults");

        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_CONFIG", "nope.yaml", "ANTHROPIC_API_KEY", "k"), dir));
        assertTrue(missing.problems().getFirst().contains("nope.yaml"));
    }

    @Test
    void secretsAreMaskedWhereverConfigIsPrinted() {
        HaiaConfig config = ConfigLoader.load(env("ANTHROPIC_API_KEY", "sk-ant-very-secret",
                                                  "HAIA_API_KEY", "haia-very-secret"), dir);
        String dump = config.toString();
        assertFalse(dump.contains("very-secret"), dump);
        assertTrue(dump.contains("****"));
    }

    @Test
    void aLocalProviderNeedsNoAnthropicKey() {
        HaiaConfig config = ConfigLoader.load(env("HAIA_PROVIDER", "ollama", "OLLAMA_BASE_URL", "http://gpu:11434"), dir);
        assertEquals("ollama", config.models().getFirst().provider());
        assertEquals("llama3.2", config.models().getFirst().upstreamModel());
        assertFalse(config.providers().containsKey("anthropic"));
    }

    @Test
    void eachMisconfiguredProviderIsNamedWithWhatIsWrong() throws Exception {
        ConfigException gemini = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_PROVIDER", "gemini"), dir));
        assertTrue(gemini.problems().stream().anyMatch(p -> p.startsWith("GEMINI_API_KEY") && p.contains("required")),
                   gemini.problems().toString());

        ConfigException url = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_PROVIDER", "ollama", "OLLAMA_BASE_URL", "gpu-box:11434 "), dir));
        assertTrue(url.problems().stream().anyMatch(p -> p.startsWith("OLLAMA_BASE_URL")), url.problems().toString());

        Files.writeString(dir.resolve("models.yaml"), """
                models:
                  - id: haia
                    provider: anthropic
                    upstream-model: claude-sonnet-4-5
                    fallback: haia-locl
                  - id: haia-local
                    provider: mistral-box
                    upstream-model: mistral
                providers:
                  mistral-box:
                    type: mistral
                """);
        ConfigException models = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_CONFIG", "models.yaml", "ANTHROPIC_API_KEY", "k"), dir));
        List<String> problems = models.problems();
        assertTrue(problems.stream().anyMatch(p -> p.contains("'mistral-box'") && p.contains("unknown type 'mistral'")
                && p.contains("anthropic, ollama, openai, gemini")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("fallback 'haia-locl' is not a configured model")),
                   problems.toString());
        assertEquals(2, problems.size(), problems.toString());
    }

    /** A provider's settings come from its protocol's descriptor: defaults filled in, typos and bad values named. */
    @Test
    void providerSettingsAreTheProtocolsOwnCheckedAndDefaulted() throws Exception {
        HaiaConfig defaults = ConfigLoader.load(env("HAIA_PROVIDER", "ollama"), dir);
        assertEquals("5m", defaults.providers().get("ollama").options().get("keep-alive"));
        assertEquals("http://localhost:11434", defaults.providers().get("ollama").baseUrl().toString());
        assertEquals("llama3.2", defaults.models().getFirst().upstreamModel());

        Files.writeString(dir.resolve("options.yaml"), """
                models:
                  - id: local
                    provider: ollama
                    upstream-model: qwen3
                  - id: desk
                    provider: desk
                    upstream-model: qwen
                providers:
                  ollama:
                    keepalive: 10m
                  desk:
                    type: openai
                    base-url: http://desk:1234/v1
                    token-limit-field: max_output_tokens
                """);
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_CONFIG", "options.yaml"), dir));
        assertTrue(bad.problems().stream().anyMatch(p -> p.startsWith("providers.ollama.keepalive in ")
                && p.contains("not a setting of the ollama provider") && p.contains("keep-alive")),
                   bad.problems().toString());
        assertTrue(bad.problems().stream().anyMatch(p -> p.startsWith("providers.desk.token-limit-field in ")
                && p.contains("max_tokens, max_completion_tokens")), bad.problems().toString());
        assertEquals(2, bad.problems().size(), bad.problems().toString());
    }

    @Test
    void dotEnvIsReadAsPeopleWriteIt() throws Exception {
        Files.writeString(dir.resolve(".env"), """
                ANTHROPIC_API_KEY="sk-ant-quoted"   # the key I copied from the console
                export HAIA_MODEL='claude-opus-4-5' # single quotes are literal
                export	HAIA_MAX_TOKENS=100 # inline comment
                HAIA_PERSONA_FILE=notes#1.md
                HAIA_CORS_ORIGINS="http://a.lan, http://b.lan"
                HAIA_DB_PATH="data/my \\"haia\\".db"
                OPENAI_API_KEY=
                """);
        HaiaConfig config = ConfigLoader.load(env(), dir);
        assertEquals("sk-ant-quoted", config.providers().get("anthropic").apiKey().orElseThrow().reveal(),
                     "no quotes, no comment: the key as typed");
        assertEquals("claude-opus-4-5", config.models().getFirst().upstreamModel());
        assertEquals(100, config.chat().maxTokens());
        assertEquals(dir.resolve("notes#1.md"), config.chat().personaFile().orElseThrow(), "a # inside a value stays");
        assertEquals(List.of("http://a.lan", "http://b.lan"), config.security().corsOrigins());
        assertEquals(dir.resolve("data/my \"haia\".db"), config.store().dbPath());
        assertEquals(Optional.of(dir.resolve(".env").toAbsolutePath()), config.origin().dotEnv());
    }

    @Test
    void aDotEnvLineThatDoesNotParseIsNamedNotGuessed() throws Exception {
        Files.writeString(dir.resolve(".env"), """
                ANTHROPIC_API_KEY="sk-ant-unterminated
                HAIA_MODEL="claude" and more
                just some words
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env(), dir));
        List<String> problems = e.problems();
        assertTrue(problems.stream().anyMatch(p -> p.contains(".env line 1 (ANTHROPIC_API_KEY)")
                && p.contains("closing \" is missing")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains(".env line 2 (HAIA_MODEL)")
                && p.contains("after the closing")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains(".env line 3: expected KEY=value")), problems.toString());
        assertFalse(problems.toString().contains("sk-ant-unterminated"), "a value is never quoted back");
    }

    @Test
    void aYamlSyntaxErrorIsOneProblemNamingTheFileLineAndColumn() throws Exception {
        Files.writeString(dir.resolve("broken.yaml"), """
                server:
                  port: 8000
                  host: [oops
                chat:
                  context-window: 20
                """);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_CONFIG", "broken.yaml", "ANTHROPIC_API_KEY", "k"), dir));
        assertEquals(1, e.problems().size(), e.problems().toString());
        String problem = e.problems().getFirst();
        assertTrue(problem.startsWith(dir.resolve("broken.yaml").toAbsolutePath() + " line 4, column 5: not valid YAML:"),
                   problem);
        assertTrue(problem.contains("expected ',' or ']'") && problem.contains("line 3, column 9"), problem);
        assertFalse(problem.contains("reader") || problem.contains("\n"), problem);
    }

    @Test
    void aBadValueFromTheYamlIsBlamedOnTheFileNotTheVariable() throws Exception {
        Files.writeString(dir.resolve("haia.yaml"), """
                server:
                  port: 99999
                """);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_CONFIG", "haia.yaml", "ANTHROPIC_API_KEY", "k"), dir));
        String yaml = dir.resolve("haia.yaml").toAbsolutePath().toString();
        assertEquals(List.of("server.port in " + yaml + " must be a port number (0-65535), got '99999'"),
                     e.problems());

        ConfigException fromEnv = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(env("HAIA_CONFIG", "haia.yaml", "ANTHROPIC_API_KEY", "k",
                                            "SERVER_PORT", "70000"), dir));
        assertEquals(List.of("SERVER_PORT (server.port) must be a port number (0-65535), got '70000'"),
                     fromEnv.problems());
    }

    @Test
    void keysCanComeFromFilesAsPodmanSecretsMountThem() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("run/secrets"));
        Files.writeString(secrets.resolve("anthropic"), "sk-ant-from-a-file\n");
        Files.writeString(secrets.resolve("haia"), "haia-from-a-file");
        HaiaConfig config = ConfigLoader.load(env("ANTHROPIC_API_KEY_FILE", secrets.resolve("anthropic").toString(),
                                                  "HAIA_API_KEY_FILE", "run/secrets/haia"), dir);
        assertEquals("sk-ant-from-a-file", config.providers().get("anthropic").apiKey().orElseThrow().reveal());
        assertEquals("haia-from-a-file", config.security().apiKey().orElseThrow().reveal(), "relative to the work dir");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env(
                "ANTHROPIC_API_KEY_FILE", "run/secrets/missing",
                "HAIA_API_KEY", "typed", "HAIA_API_KEY_FILE", "run/secrets/haia"), dir));
        List<String> problems = e.problems();
        assertTrue(problems.contains("ANTHROPIC_API_KEY_FILE: cannot read " + dir.resolve("run/secrets/missing")
                                             + " (no such file)"), problems.toString());
        assertTrue(problems.contains("HAIA_API_KEY and HAIA_API_KEY_FILE are both set: set one of them"),
                   problems.toString());
        assertFalse(problems.toString().contains("from-a-file"), "a file's content is never quoted");
    }

    @Test
    void noDatabaseUrlMeansSqliteWithTheDocumentedPool() {
        HaiaConfig.Store store = ConfigLoader.load(env("ANTHROPIC_API_KEY", "sk-ant-x"), dir).store();
        assertTrue(store.server().isEmpty());
        assertEquals(new HaiaConfig.Store.Pool(8, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30)),
                     store.pool());
    }

    @Test
    void aPostgresUrlsPasswordBecomesASecretAndLeavesTheUrl() {
        HaiaConfig config = ConfigLoader.load(env(
                "ANTHROPIC_API_KEY", "sk-ant-x",
                "HAIA_DB_URL", "jdbc:postgresql://db.lan:5432/haia?user=haia&password=s%26cret-9f&sslmode=require",
                "HAIA_DB_POOL_SIZE", "20",
                "HAIA_DB_CONNECT_TIMEOUT", "2s",
                "HAIA_DB_QUERY_TIMEOUT", "1m",
                "HAIA_DB_LEASE_TTL", "15s"), dir);
        HaiaConfig.Store.Server server = config.store().server().orElseThrow();
        assertEquals("jdbc:postgresql://db.lan:5432/haia?user=haia&sslmode=require", server.url());
        assertEquals("s&cret-9f", server.password().orElseThrow().reveal(), "URL-decoded, as the driver would");
        assertEquals(new HaiaConfig.Store.Pool(20, Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(15)),
                     config.store().pool());
        assertFalse(config.toString().contains("s%26cret-9f") || config.toString().contains("s&cret-9f"),
                    config.toString());
    }

    @Test
    void databaseCredentialsCanComeFromFiles() throws Exception {
        Files.writeString(dir.resolve("db-password"), "from-a-file-42\n");
        Files.writeString(dir.resolve("db-user"), "haia_app");
        HaiaConfig config = ConfigLoader.load(env(
                "ANTHROPIC_API_KEY", "sk-ant-x",
                "HAIA_DB_URL", "jdbc:postgresql://db.lan/haia",
                "HAIA_DB_USER_FILE", "db-user",
                "HAIA_DB_PASSWORD_FILE", dir.resolve("db-password").toString()), dir);
        HaiaConfig.Store.Server server = config.store().server().orElseThrow();
        assertEquals("haia_app", server.user().orElseThrow());
        assertEquals("from-a-file-42", server.password().orElseThrow().reveal());
    }

    @Test
    void badDatabaseSettingsAreReportedWithoutThePassword() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env(
                "ANTHROPIC_API_KEY", "sk-ant-x",
                "HAIA_DB_URL", "postgres://haia:hunter2-pw@db.lan/haia?password=hunter2-pw",
                "HAIA_DB_PASSWORD_FILE", "missing-file",
                "HAIA_DB_POOL_SIZE", "0"), dir));
        List<String> problems = e.problems();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("HAIA_DB_URL") && p.contains("jdbc:postgresql://")),
                   problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("HAIA_DB_PASSWORD_FILE")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("HAIA_DB_POOL_SIZE")), problems.toString());
        assertFalse(problems.toString().contains("hunter2-pw"), problems.toString());

        ConfigException both = assertThrows(ConfigException.class, () -> ConfigLoader.load(env(
                "ANTHROPIC_API_KEY", "sk-ant-x",
                "HAIA_DB_URL", "jdbc:postgresql://db.lan/haia?password=one-pw",
                "HAIA_DB_PASSWORD", "two-pw",
                "HAIA_DB_MAX_SIZE", "1GB"), dir));
        assertTrue(both.problems().stream().anyMatch(p -> p.contains("give it once")), both.problems().toString());
        assertTrue(both.problems().stream().anyMatch(p -> p.startsWith("HAIA_DB_MAX_SIZE") && p.contains("SQLite only")),
                   both.problems().toString());
        assertFalse(both.problems().toString().contains("one-pw"), both.problems().toString());
    }

    @Test
    void aBadUrlIsReportedWithoutTheCredentialItMayHold() {
        for (String url : List.of("htp://admin:sk-ant-HIDDEN-9f8e7d@proxy.lan/v1",
                                  "ftp://proxy.lan/v1?key=sk-ant-HIDDEN-9f8e7d",
                                  "https://proxy.lan:bad/sk-ant-HIDDEN-9f8e7d",
                                  "sk-ant-HIDDEN-9f8e7d")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(
                    env("ANTHROPIC_API_KEY", "k", "ANTHROPIC_BASE_URL", url), dir));
            String problems = e.problems().toString();
            assertTrue(problems.contains("ANTHROPIC_BASE_URL") && problems.contains("http(s) URL"), problems);
            assertFalse(problems.contains("HIDDEN") || problems.contains("admin"), problems);
        }
        // what is safe to show still helps: the scheme and the host
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(
                env("ANTHROPIC_API_KEY", "k", "ANTHROPIC_BASE_URL", "htp://admin:secret@proxy.lan/v1"), dir));
        assertTrue(e.problems().toString().contains("'htp://proxy.lan/…'"), e.problems().toString());
    }
}
