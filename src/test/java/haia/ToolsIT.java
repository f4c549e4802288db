package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.FakeProxmox;
import haia.testing.HaiaProcess;
import haia.testing.Http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar with tools configured as a user would (environment and YAML): a pinned Proxmox whose start-up
 * check fails with the token echoed back, a Docker socket that is not there, and an MCP server that is not running
 * with a secret header. HAIA starts anyway, logs one warning per source with its fix, reports each source in
 * {@code /health}, and no secret appears in any output, nor in the output of a start-up that fails on a malformed
 * token.
 */
class ToolsIT {

    private static final String MCP_HEADER = "Bearer mcp-SECRET-header-5e6f";

    @TempDir
    Path dir;

    @Test
    void toolSourcesAreReportedAndNoSecretLeaks() throws Exception {
        StringBuilder output = new StringBuilder();
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             FakeProxmox pve = FakeProxmox.start(dir)) {
            pve.fail("/version", 500, "cannot parse PVEAPIToken=" + FakeProxmox.TOKEN);
            Files.writeString(dir.resolve("tools.yaml"), """
                    tools:
                      mcp-servers:
                        - name: k8s
                          url: http://127.0.0.1:%d/mcp
                          headers:
                            Authorization: "%s"
                    """.formatted(HaiaProcess.freePort(), MCP_HEADER));
            Files.writeString(dir.resolve("pve-token"), FakeProxmox.TOKEN + "\n");
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
            env.put("HAIA_CONFIG", dir.resolve("tools.yaml").toString());
            env.put("HAIA_PROXMOX_URL", pve.url());
            env.put("HAIA_PROXMOX_TOKEN_FILE", dir.resolve("pve-token").toString());
            env.put("HAIA_PROXMOX_FINGERPRINT", pve.fingerprint());
            env.put("HAIA_DOCKER_HOST", "unix://" + dir.resolve("podman.sock"));

            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                Instant end = Instant.now().plusSeconds(60);
                while (haia.log().lines().filter(l -> l.contains("WARNING haia.tools.ToolCatalog")).count() < 3) {
                    assertTrue(Instant.now().isBefore(end), "three start-up warnings expected:\n" + haia.log());
                    Thread.sleep(100);
                }
                Http.Response health = Http.get(haia.uri("/health"));
                assertEquals(200, health.status(), health.body());
                output.append(health.body());
                JsonNode tools = null;
                for (JsonNode check : health.json().path("checks")) {
                    if (check.path("name").asText().equals("tools")) {
                        tools = check.path("data");
                    }
                }
                assertTrue(tools != null, health.body());
                // each built-in source as its start-up check found it: down, and why
                assertTrue(tools.path("pve").asText().startsWith("down, Proxmox VE API " + pve.url()
                        + ": Proxmox answered 500 (cannot parse PVEAPIToken=****)"), health.body());
                assertTrue(tools.path("docker").asText().startsWith("down, container engine unix://"), health.body());
                assertTrue(tools.path("docker").asText().contains("does not exist"), health.body());
                assertTrue(tools.path("k8s").asText().startsWith("down, MCP over Streamable HTTP at http://127.0.0.1:"),
                           health.body());
                haia.stop(Duration.ofSeconds(30));
                String log = haia.log();
                output.append(log);
                assertTrue(log.contains("Tools 'pve': Proxmox answered 500 (cannot parse PVEAPIToken=****)"), log);
                assertTrue(log.contains("Tools 'docker': the container engine socket " + dir.resolve("podman.sock")
                                                + " does not exist"), log);
                assertTrue(log.contains("Tools 'k8s': MCP server 'k8s' (MCP over Streamable HTTP at"), log);
            }

            // a start-up that fails on a malformed token names the problem, never the value
            Map<String, String> bad = new HashMap<>(env);
            bad.remove("HAIA_PROXMOX_TOKEN_FILE");
            bad.put("HAIA_PROXMOX_TOKEN", "SECRET-pasted-without-its-id");
            ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                                                        Path.of(System.getProperty("haia.jar", "target/haia.jar"))
                                                                .toAbsolutePath().toString())
                    .directory(dir.toFile()).redirectErrorStream(true);
            builder.environment().putAll(bad);
            Process failing = builder.start();
            String failure = new String(failing.getInputStream().readAllBytes());
            assertTrue(failing.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, failing.exitValue(), failure);
            assertTrue(failure.contains("config error: HAIA_PROXMOX_TOKEN (tools.proxmox.token) must look like"),
                       failure);
            output.append(failure);
        }
        assertFalse(output.toString().contains("SECRET"), output.toString());
    }
}
