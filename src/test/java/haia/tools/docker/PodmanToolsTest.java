package haia.tools.docker;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import haia.testing.PodmanEngine;
import haia.tools.ToolCatalog;
import haia.tools.ToolResult;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker/Podman tools against a real Podman engine (its Docker-compatible API on a unix socket) running real
 * busybox containers: listing with health, details, demultiplexed logs, CPU and memory, the engine, and the API
 * version taken from the engine's {@code /_ping}.
 */
class PodmanToolsTest {

    @TempDir
    static Path dir;
    static PodmanEngine podman;
    static ToolCatalog tools;

    @BeforeAll
    static void start() throws Exception {
        podman = PodmanEngine.start(dir.resolve("podman"));
        tools = new ToolCatalog(List.of(new DockerTools(new DockerClient(podman.socket(), Duration.ofSeconds(10)))),
                                Duration.ofSeconds(15), 16_000, s -> s, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (tools != null) {
            tools.close();
        }
        if (podman != null) {
            podman.close();
        }
    }

    @Test
    void listsContainersWithStateAndHealth() {
        String list = ok("haia_docker_containers", "{}");
        assertTrue(list.startsWith("4 container(s):"), list);
        assertTrue(list.contains("- ticker (localhost/haia-test-busybox:latest): running, Up "), list);
        assertTrue(list.contains("- quitter (localhost/haia-test-busybox:latest): exited, Exited (3)"), list);
        assertTrue(list.matches("(?s).*- healthy \\(localhost/haia-test-busybox:latest\\): running, Up [^\\n]*,"
                                        + " healthy, id [0-9a-f]{12}.*"), list);
        String running = ok("haia_docker_containers", "{\"all\":false}");
        assertFalse(running.contains("quitter"), running);
        // the API version HAIA uses is the one Podman announced, not one written into HAIA
        assertTrue(tools.status().get("docker").contains("API 1.41"), tools.status().toString());
    }

    @Test
    void showsOneContainersDetails() {
        String quitter = ok("haia_docker_container", "{\"container\":\"quitter\"}");
        assertTrue(quitter.startsWith("quitter (localhost/haia-test-busybox:latest): exited, exited with code 3"),
                   quitter);
        String healthy = ok("haia_docker_container", "{\"container\":\"/healthy\"}");
        assertTrue(healthy.contains("- health: healthy, failing streak 0; last check exit 0"), healthy);
        assertTrue(healthy.contains("- command: /bin/sh -c sleep 100000"), healthy);
    }

    @Test
    void readsRecentLogsDemultiplexed() {
        String logs = ok("haia_docker_logs", "{\"container\":\"ticker\",\"lines\":6}");
        assertTrue(logs.matches("(?s)Last \\d log line\\(s\\) of ticker \\(stderr marked\\):\n.*"), logs);
        assertTrue(logs.matches("(?s).*\n\\S+ tick \\d+.*"), "stdout lines with timestamps: " + logs);
        assertTrue(logs.matches("(?s).*\n\\[stderr] \\S+ warn \\d+.*"), "stderr lines marked: " + logs);
        assertFalse(logs.chars().anyMatch(c -> c < 0x20 && c != '\n'), "no frame headers or CRs: " + logs);

        String tty = ok("haia_docker_logs", "{\"container\":\"ttyticker\",\"lines\":3}");
        assertTrue(tty.contains(" tty line"), tty);
        assertFalse(tty.contains("[stderr]") || tty.contains("\r"), tty);
    }

    @Test
    void measuresCpuAndMemoryAsDockerStatsDoes() {
        String stats = ok("haia_docker_stats", "{\"container\":\"ticker\"}");
        assertTrue(stats.matches("(?s)ticker: CPU \\d+(\\.\\d)?% \\(of \\d+ CPUs = \\d+%\\)\n- memory [0-9.]+ [KM]iB"
                                         + " of .*"), stats);
        assertTrue(stats.contains("- processes: 2"), stats);
    }

    @Test
    void describesTheEngine() {
        String engine = ok("haia_docker_engine", "{}");
        assertTrue(engine.startsWith("Podman Engine 4."), engine);
        assertTrue(engine.contains("(HAIA uses 1.41)"), engine);
        assertTrue(engine.contains("4 (3 running, 0 paused, 1 stopped), images: 1"), engine);
    }

    @Test
    void missingContainersAndBadNamesAreClearErrors() {
        ToolResult missing = tools.call("haia_docker_logs", "{\"container\":\"nope\"}");
        assertTrue(missing.error() && missing.text().startsWith("No such container"), missing.text());
        ToolResult bad = tools.call("haia_docker_container", "{\"container\":\"../../info\"}");
        assertEquals("container: the argument 'container' must be a container name or id such as nextcloud, got"
                             + " '../../info'.", bad.text());
    }

    private static String ok(String tool, String args) {
        ToolResult result = tools.call(tool, args);
        assertFalse(result.error(), result.text());
        return result.text();
    }
}
