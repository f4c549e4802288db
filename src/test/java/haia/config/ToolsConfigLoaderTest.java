package haia.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import haia.testing.EnvPairs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tools:} section: defaults, every environment name, MCP servers from YAML, and one line per problem. */
class ToolsConfigLoaderTest {

    private static final String TOKEN = "haia@pve!monitoring=8f2c1e4a-SECRET-4d5e";
    private static final String FINGERPRINT = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
            + "AB:CD:EF:01:23:45:67:89";

    @TempDir
    Path dir;

    private ToolsConfig load(String... pairs) {
        return ConfigLoader.load(env(pairs), dir).tools();
    }

    private static Map<String, String> env(String... pairs) {
        return EnvPairs.of(Map.of("ANTHROPIC_API_KEY", "sk-ant-x"), pairs);
    }

    private List<String> problems(String... pairs) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(env(pairs), dir)).problems();
    }

    @Test
    void nothingIsConfiguredByDefault() {
        ToolsConfig tools = load();
        assertFalse(tools.any());
        assertEquals(8, tools.maxSteps());
        assertEquals(Duration.ofMinutes(2), tools.budget());
        assertEquals(Duration.ofSeconds(20), tools.timeout());
        assertEquals(16_000, tools.maxOutputChars());
        assertEquals(Duration.ofSeconds(30), tools.mcpRetry());
    }

    @Test
    void everyEnvironmentNameIsHonoured() throws Exception {
        ToolsConfig tools = load("HAIA_TOOLS_MAX_STEPS", "3", "HAIA_TOOLS_BUDGET", "45s", "HAIA_TOOLS_TIMEOUT", "5s",
                                 "HAIA_TOOLS_MAX_OUTPUT", "4000", "HAIA_PROXMOX_URL", "https://pve1:8006/",
                                 "HAIA_PROXMOX_TOKEN", TOKEN, "HAIA_PROXMOX_FINGERPRINT", FINGERPRINT.toLowerCase(),
                                 "HAIA_DOCKER_HOST", "unix:///run/podman/podman.sock");
        assertEquals(3, tools.maxSteps());
        assertEquals(Duration.ofSeconds(45), tools.budget());
        assertEquals(Duration.ofSeconds(5), tools.timeout());
        assertEquals(4000, tools.maxOutputChars());
        ToolsConfig.Proxmox pve = tools.proxmox().orElseThrow();
        assertEquals("https://pve1:8006", pve.url().toString());
        assertEquals(TOKEN, pve.token().reveal());
        assertArrayEquals(HexFormat.of().parseHex(FINGERPRINT.replace(":", "")), pve.fingerprint().orElseThrow());
        assertFalse(pve.toString().contains("SECRET"), pve.toString());
        assertEquals(Path.of("/run/podman/podman.sock"), tools.docker().orElseThrow().socket());

        Files.writeString(dir.resolve("pve-token"), "PVEAPIToken=" + TOKEN + "\n");
        ToolsConfig fromFile = load("HAIA_PROXMOX_URL", "https://10.0.0.11:8006",
                                    "HAIA_PROXMOX_TOKEN_FILE", dir.resolve("pve-token").toString());
        assertEquals(TOKEN, fromFile.proxmox().orElseThrow().token().reveal());
        assertTrue(fromFile.proxmox().orElseThrow().fingerprint().isEmpty());
    }

    @Test
    void mcpServersComeFromYaml() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/application.yaml"), """
                tools:
                  mcp-servers:
                    - name: files
                      command: ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/notes"]
                      env:
                        NODE_OPTIONS: "--max-old-space-size=128"
                      tools: [read_text_file, list_directory]
                    - name: k8s
                      url: http://mcp-k8s:8080/mcp
                      headers:
                        Authorization: "Bearer k8s-SECRET"
                """);
        List<ToolsConfig.McpServer> servers = load().mcpServers();
        assertEquals(2, servers.size());
        ToolsConfig.McpTransport.Stdio files = assertInstanceOf(ToolsConfig.McpTransport.Stdio.class,
                                                                servers.get(0).transport());
        assertEquals(List.of("npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/notes"), files.command());
        assertEquals("--max-old-space-size=128", files.env().get("NODE_OPTIONS").reveal());
        assertEquals(List.of("read_text_file", "list_directory"), servers.get(0).allow());
        ToolsConfig.McpTransport.Http k8s = assertInstanceOf(ToolsConfig.McpTransport.Http.class,
                                                             servers.get(1).transport());
        assertEquals("http://mcp-k8s:8080/mcp", k8s.url().toString());
        assertEquals("Bearer k8s-SECRET", k8s.headers().get("Authorization").reveal());
        assertEquals(List.of(), servers.get(1).allow());
        assertFalse(servers.toString().contains("SECRET"), servers.toString());
    }

    @Test
    void everyProblemIsOneLineAndNoSecretIsQuoted() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/application.yaml"), """
                tools:
                  mcp-servers:
                    - name: pve
                      url: http://x/mcp
                    - name: Bad_Name
                      command: [x]
                    - name: both
                      command: [x]
                      url: http://x/mcp
                    - name: dup
                      url: ftp://x
                    - name: dup
                      command: [x]
                      headers: {A: b}
                """);
        List<String> problems = problems("HAIA_PROXMOX_URL", "http://pve1:8006", "HAIA_PROXMOX_TOKEN",
                                         "SECRET-without-shape", "HAIA_PROXMOX_FINGERPRINT", "AB:CD:EF:01:23:45:67:89:"
                                                 + "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01", "HAIA_DOCKER_HOST",
                                         "tcp://docker:2375", "HAIA_TOOLS_MAX_STEPS", "0", "HAIA_TOOLS_TIMEOUT", "soon");
        String all = String.join("\n", problems);
        assertFalse(all.contains("SECRET"), all);
        for (String expected : List.of(
                "HAIA_PROXMOX_URL (tools.proxmox.url) must be the API's https address",
                "HAIA_PROXMOX_TOKEN (tools.proxmox.token) must look like user@realm!tokenid=secret",
                "(this looks like a SHA-1 fingerprint; use the SHA-256 one)",
                "HAIA_DOCKER_HOST (tools.docker.host) must be a unix socket",
                "HAIA_TOOLS_MAX_STEPS (tools.max-steps) must be a positive integer, got '0'",
                "HAIA_TOOLS_TIMEOUT (tools.timeout) must be a positive duration",
                "tools.mcp-servers.0.name: 'pve' is reserved for HAIA's built-in tools",
                "tools.mcp-servers.1.name: 'Bad_Name' is not a usable server name",
                "tools.mcp-servers.2: give either command",
                "tools.mcp-servers.3.url must be an http(s) URL",
                "tools.mcp-servers.4.name: MCP server 'dup' is declared twice",
                "tools.mcp-servers.4.headers: only for servers with a url")) {
            assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), expected + " in:\n" + all);
        }
        assertTrue(problems("HAIA_PROXMOX_TOKEN", TOKEN).stream()
                           .anyMatch(p -> p.startsWith("HAIA_PROXMOX_URL (tools.proxmox.url) is missing")));
        assertTrue(problems("HAIA_PROXMOX_URL", "https://pve1:8006").stream()
                           .anyMatch(p -> p.startsWith("HAIA_PROXMOX_TOKEN (tools.proxmox.token) is required")));
        assertTrue(problems("HAIA_PROXMOX_URL", "https://pve1:8006", "HAIA_PROXMOX_TOKEN_FILE",
                            dir.resolve("missing").toString()).stream()
                           .anyMatch(p -> p.contains("cannot read " + dir.resolve("missing"))));
    }
}
