package haia.tools.mcp;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import haia.config.Secret;
import haia.config.ToolsConfig;
import haia.testing.McpServers;
import haia.tools.ToolCatalog;
import haia.tools.ToolResult;
import haia.tools.ToolSpec;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MCP servers as HAIA tool sources, against real servers from npm: the filesystem server over stdio and the
 * everything server over Streamable HTTP (bound to 127.0.0.1). Listing, calling, the allow-list, a server that is
 * not there, the clean environment of a stdio server, and reconnecting after a server restarts.
 */
class McpServersTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Duration RETRY = Duration.ofSeconds(1);

    @TempDir
    static Path dir;
    static McpServers servers;
    static Path root;

    @BeforeAll
    static void install() throws Exception {
        servers = McpServers.install();
        root = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(root.resolve("pve.txt"), "pve3 lost quorum on Tuesday; fixed corosync link\n");
    }

    static ToolsConfig.McpServer stdio(String name, List<String> command, Map<String, Secret> env,
                                       List<String> allow) {
        return new ToolsConfig.McpServer(name, new ToolsConfig.McpTransport.Stdio(command, env), allow);
    }

    static ToolsConfig.McpServer http(String name, String url, List<String> allow) {
        return new ToolsConfig.McpServer(name, new ToolsConfig.McpTransport.Http(URI.create(url), Map.of()), allow);
    }

    static ToolCatalog catalog(ToolsConfig.McpServer... configs) {
        List<McpServerSource> sources = java.util.Arrays.stream(configs)
                .map(c -> new McpServerSource(c, TIMEOUT, RETRY)).toList();
        return new ToolCatalog(sources, TIMEOUT, 16_000, s -> s, Clock.systemUTC());
    }

    /** Waits (bounded, generously) for a condition; no verdict on how long it took. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant end = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void listsAndCallsToolsOfRealServersOverStdioAndHttp() throws Exception {
        try (McpServers.Everything everything = servers.everything(0);
             ToolCatalog tools = catalog(stdio("files", servers.filesystem(root), Map.of(), List.of()),
                                         http("web", everything.url(), List.of()))) {
            tools.start();
            await("both servers connected", () -> tools.status().values().stream().allMatch(s -> s.startsWith("connected")));

            Map<String, ToolSpec> byName = new java.util.HashMap<>();
            tools.tools().forEach(t -> byName.put(t.name(), t));
            assertTrue(byName.containsKey("haia_files_read_text_file"), byName.keySet().toString());
            assertTrue(byName.containsKey("haia_web_get-sum"), byName.keySet().toString());
            byName.keySet().forEach(n -> assertTrue(ToolSpec.PUBLIC_NAME.matcher(n).matches(), n));
            // the servers' readOnlyHint, shown as it is (an untrusted hint)
            assertTrue(byName.get("haia_files_read_text_file").readOnly());
            assertFalse(byName.get("haia_files_write_file").readOnly());
            assertTrue(byName.get("haia_files_read_text_file").description().startsWith("[MCP server files] "));
            assertEquals("object", byName.get("haia_web_get-sum").inputSchema().path("type").asText());

            ToolResult note = tools.call("haia_files_read_text_file",
                                         "{\"path\":\"" + root.resolve("pve.txt") + "\"}");
            assertEquals(new ToolResult("pve3 lost quorum on Tuesday; fixed corosync link\n", false), note);
            ToolResult sum = tools.call("haia_web_get-sum", "{\"a\":2,\"b\":40}");
            assertFalse(sum.error(), sum.text());
            assertTrue(sum.text().contains("42"), sum.text());

            // the server's own refusal (isError) arrives as an error result
            ToolResult outside = tools.call("haia_files_read_text_file", "{\"path\":\"/etc/passwd\"}");
            assertTrue(outside.error(), outside.text());
            assertTrue(outside.text().toLowerCase(java.util.Locale.ROOT).contains("access denied"), outside.text());
        }
    }

    @Test
    void offersOnlyAllowListedToolsAndGivesStdioServersACleanEnvironment() throws Exception {
        List<String> everythingStdio = List.of("node", servers.filesystem(root).get(1)
                .replace("server-filesystem", "server-everything"), "stdio");
        try (ToolCatalog tools = catalog(
                stdio("files", servers.filesystem(root), Map.of(), List.of("read_text_file", "list_directory")),
                stdio("env", everythingStdio, Map.of("HAIA_TEST_GIVEN", new Secret("given-value")),
                      List.of("get-env")))) {
            tools.start();
            await("both connected", () -> tools.status().values().stream().allMatch(s -> s.startsWith("connected")));
            assertEquals(List.of("haia_files_list_directory", "haia_files_read_text_file", "haia_env_get-env"),
                         tools.tools().stream().map(ToolSpec::name).toList());
            ToolResult write = tools.call("haia_files_write_file", "{\"path\":\"" + root.resolve("x") + "\"}");
            assertTrue(write.error() && write.text().startsWith("There is no tool named haia_files_write_file"),
                       write.text());
            assertFalse(Files.exists(root.resolve("x")));

            String env = tools.call("haia_env_get-env", "{}").text();
            assertTrue(env.contains("\"HAIA_TEST_GIVEN\": \"given-value\""), env);
            // HAIA's own environment (where its keys live) does not reach a server it starts
            assertTrue(System.getenv().containsKey("JAVA_HOME"), "the test JVM has JAVA_HOME (bin/env.sh)");
            assertFalse(env.contains("JAVA_HOME"), env);
        }
    }

    @Test
    void aMissingServerIsAWarningWithItsFixAndAnErrorResult() throws Exception {
        McpServerSource command = new McpServerSource(
                stdio("gone", List.of("/nonexistent/mcp-server", "--flag"), Map.of(), List.of()), TIMEOUT, RETRY);
        McpServerSource closed = new McpServerSource(http("away", "http://127.0.0.1:1/mcp", List.of()), TIMEOUT,
                                                     RETRY);
        try (ToolCatalog tools = new ToolCatalog(List.of(command, closed), TIMEOUT, 16_000, s -> s,
                                                 Clock.systemUTC())) {
            Optional<String> warning = command.start();
            assertTrue(warning.isPresent());
            assertTrue(warning.get().startsWith("MCP server 'gone' (MCP over stdio, command /nonexistent/mcp-server)"
                                                        + " is not available"), warning.get());
            assertTrue(warning.get().contains("Check that '/nonexistent/mcp-server' is installed"), warning.get());
            Optional<String> refused = closed.start();
            assertTrue(refused.isPresent() && refused.get().contains("Check that the server runs and that HAIA can"
                                                                             + " reach http://127.0.0.1:1/mcp"),
                       refused.toString());

            assertTrue(tools.status().get("gone").startsWith("down, MCP over stdio"), tools.status().toString());
            assertTrue(tools.status().get("away").startsWith("down, MCP over Streamable HTTP at"
                                                                     + " http://127.0.0.1:1/mcp"), tools.status().toString());
            assertEquals(List.of(), tools.tools());
            ToolResult call = tools.call("haia_away_echo", "{}");
            assertTrue(call.error(), call.text());
        }
    }

    @Test
    void reconnectsAfterServersRestart() throws Exception {
        McpServers.Everything first = servers.everything(0);
        int port = first.port();
        try (ToolCatalog tools = catalog(stdio("files", servers.filesystem(root), Map.of(), List.of()),
                                         http("web", first.url(), List.of("echo")))) {
            tools.start();
            await("connected", () -> tools.status().values().stream().allMatch(s -> s.startsWith("connected")));
            assertEquals("Echo: one", tools.call("haia_web_echo", "{\"message\":\"one\"}").text());

            // the HTTP server restarts on the same port: its sessions are gone
            first.close();
            try (McpServers.Everything second = servers.everything(port)) {
                await("the echo works again", () -> !tools.call("haia_web_echo", "{\"message\":\"two\"}").error());
                assertEquals("Echo: three", tools.call("haia_web_echo", "{\"message\":\"three\"}").text());
            }

            // the stdio server's process dies: HAIA starts it again
            ProcessHandle.current().descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains("server-filesystem"))
                    .forEach(ProcessHandle::destroy);
            await("the file server works again", () -> !tools.call("haia_files_list_directory",
                                                                  "{\"path\":\"" + root + "\"}").error());
            assertTrue(tools.call("haia_files_list_directory", "{\"path\":\"" + root + "\"}").text()
                               .contains("pve.txt"));
            assertTrue(tools.status().get("files").startsWith("connected"), tools.status().toString());
        } finally {
            first.close();
        }
    }
}
