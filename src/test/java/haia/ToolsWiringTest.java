package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;
import haia.testing.ToolStack;
import haia.tools.ToolCall;
import haia.tools.ToolCatalog;
import haia.tools.ToolResult;
import haia.tools.ToolSpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything below the agent loop, wired by HAIA from its configuration as a user writes it: a fake Proxmox (pinned),
 * a real Podman engine and two real MCP servers (stdio and Streamable HTTP). The question the loop will answer,
 * "which nodes are up, and is the k3s VM running?", is answerable from one parallel batch of calls through
 * {@link Haia#tools()}, and {@code /health} shows every source.
 */
class ToolsWiringTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void allSourcesFromConfigurationAnswerOneParallelBatch() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             ToolStack stack = ToolStack.start(dir)) {
            Path notes = stack.notes;
            Files.createDirectories(dir.resolve("config"));
            Files.writeString(dir.resolve("config/application.yaml"), stack.yaml());
            Map<String, String> env = stack.env(TestHaia.baseEnv(dir, anthropic));
            try (TestHaia haia = TestHaia.start(dir, env)) {
                ToolCatalog tools = haia.haia().tools();
                Instant end = Instant.now().plusSeconds(60);
                while (!tools.status().values().stream().allMatch(s -> s.startsWith("up") || s.startsWith("connected"))) {
                    assertTrue(Instant.now().isBefore(end), tools.status().toString());
                    Thread.sleep(100);
                }
                List<String> names = tools.tools().stream().map(ToolSpec::name).toList();
                // 2 memory, 10 Proxmox, 5 engine, the watch's findings, 2 + 2 allowed MCP
                assertEquals(22, names.size(), names.toString());
                assertTrue(names.containsAll(List.of("haia_pve_cluster_status", "haia_docker_containers",
                                                     "haia_notes_read_text_file", "haia_demo_echo")), names.toString());

                List<ToolResult> results = tools.callAll(List.of(
                        new ToolCall("haia_pve_cluster_status", JSON.createObjectNode()),
                        new ToolCall("haia_pve_guest_status", JSON.createObjectNode().put("name", "k3s")),
                        new ToolCall("haia_docker_containers", JSON.createObjectNode().put("all", false)),
                        new ToolCall("haia_notes_read_text_file",
                                     JSON.createObjectNode().put("path", notes.resolve("k3s.md").toString())),
                        new ToolCall("haia_demo_echo", JSON.createObjectNode().put("message", "checked"))));
                results.forEach(r -> assertFalse(r.error(), r.text()));
                assertTrue(results.get(0).text().contains("2 of 3 nodes online"), results.get(0).text());
                assertTrue(results.get(0).text().contains("pve3: OFFLINE"), results.get(0).text());
                assertTrue(results.get(1).text().startsWith("101 k3s (qemu on pve2): running"), results.get(1).text());
                assertTrue(results.get(2).text().contains("ticker (localhost/haia-test-busybox:latest): running"),
                           results.get(2).text());
                assertEquals("k3s runs on VM 101\n", results.get(3).text());
                assertEquals("Echo: checked", results.get(4).text());

                String health = Http.get(haia.uri("/health")).body();
                for (String source : List.of("\"pve\":\"up", "\"docker\":\"up", "\"notes\":\"connected",
                                             "\"demo\":\"connected")) {
                    assertTrue(health.contains(source), source + " in " + health);
                }
                assertFalse(health.contains("SECRET"), health);
            }
        }
    }
}
