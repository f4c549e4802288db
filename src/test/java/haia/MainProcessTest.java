package haia;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code main}, in its own JVM: what a supervisor (systemd, Quadlet, Podman's restart policy) sees when HAIA
 * cannot start. One clear line, no stack trace, and an exit code that says whether a restart can help: 2 for a
 * configuration problem, 1 for anything else.
 */
class MainProcessTest {

    @TempDir
    Path dir;

    record Exit(int code, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private Exit run(Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                                                    "haia.Main")
                .directory(dir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("ANTHROPIC") || k.startsWith("HAIA")
                || k.startsWith("SERVER") || k.startsWith("OPENAI") || k.startsWith("GEMINI") || k.startsWith("OLLAMA"));
        builder.environment().putAll(env);
        Process process = builder.start();
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        byte[] stderr = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits instead of starting");
        return new Exit(process.exitValue(), new String(stdout.get(), StandardCharsets.UTF_8),
                        new String(stderr, StandardCharsets.UTF_8));
    }

    private static byte[] read(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    @Test
    void badConfigurationFailsFastWithOneLinePerProblem() throws Exception {
        Exit exit = run(Map.of("HAIA_CONTEXT_WINDOW", "0", "SERVER_PORT", "1"));
        assertEquals(2, exit.code(), exit.stderr());
        assertTrue(exit.stderr().contains("config error: ANTHROPIC_API_KEY"), exit.stderr());
        assertTrue(exit.stderr().contains(
                "config error: HAIA_CONTEXT_WINDOW (chat.context-window) must be a positive integer, got '0'"),
                   exit.stderr());
        assertTrue(exit.stderr().contains("See docs/configuration.md and .env.example."), exit.stderr());
        assertFalse(exit.all().contains("bound for socket"), "never started listening");
    }

    @Test
    void aMalformedYamlFileIsOneConfigErrorWithFileLineAndColumn() throws Exception {
        Path yaml = Files.createDirectories(dir.resolve("config")).resolve("application.yaml");
        Files.writeString(yaml, "server:\n  port: 8000\n   host: 0.0.0.0\n");
        Exit exit = run(Map.of("ANTHROPIC_API_KEY", "sk-ant-x"));
        assertEquals(2, exit.code(), exit.all());
        assertEquals(1, exit.stderr().lines().filter(l -> l.contains("config error:")).count(), exit.stderr());
        assertTrue(exit.stderr().contains("config error: " + yaml.toRealPath() + " line 3, column "), exit.stderr());
        assertFalse(exit.all().contains("Exception") || exit.all().contains("\tat "), "no stack trace: " + exit.all());
        assertFalse(exit.all().contains("'reader'"), exit.all());
    }

    @Test
    void aTakenPortIsOneClearLineAndExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Exit exit = run(Map.of("ANTHROPIC_API_KEY", "sk-ant-x", "SERVER_HOST", "127.0.0.1",
                                   "SERVER_PORT", Integer.toString(port),
                                   "HAIA_DB_PATH", dir.resolve("data/haia.db").toString()));
            assertEquals(1, exit.code(), "a supervisor restarts it (Restart=on-failure): " + exit.all());
            assertTrue(exit.stderr().startsWith("HAIA cannot start: cannot listen on 127.0.0.1:" + port
                                                        + ": address already in use"), exit.stderr());
            assertEquals(1, exit.stderr().lines().count(), exit.stderr());
            assertFalse(exit.all().contains("BindException") || exit.all().contains("listening on"), exit.all());
            assertFalse(Files.exists(dir.resolve("data/haia.db")), "nothing was opened");
        }
    }

    @Test
    void aFolderWhereTheDatabaseFileShouldBeIsNamedWithTheFix() throws Exception {
        Files.createDirectories(dir.resolve("data/haia.db"));
        Exit exit = run(Map.of("ANTHROPIC_API_KEY", "sk-ant-x", "SERVER_HOST", "127.0.0.1", "SERVER_PORT", "0",
                               "HAIA_DB_PATH", dir.resolve("data/haia.db").toString()));
        assertEquals(1, exit.code(), exit.all());
        assertTrue(exit.stderr().startsWith("HAIA cannot start: " + dir.resolve("data/haia.db") + " is a folder;"
                                                    + " HAIA_DB_PATH names the database file itself"), exit.stderr());
        assertFalse(exit.all().contains("\tat "), exit.all());
    }

    @Test
    void aFileWhereTheDatabaseFolderShouldBeIsNamed() throws Exception {
        Files.writeString(dir.resolve("data"), "not a folder");
        Exit exit = run(Map.of("ANTHROPIC_API_KEY", "sk-ant-x", "SERVER_HOST", "127.0.0.1", "SERVER_PORT", "0",
                               "HAIA_DB_PATH", dir.resolve("data/haia.db").toString()));
        assertEquals(1, exit.code(), exit.all());
        assertTrue(exit.stderr().contains(dir.resolve("data") + " is a file where a folder should be"), exit.stderr());
    }

    static String javaBinary() throws IOException {
        return ProcessHandle.current().info().command().orElseThrow(() -> new IOException("no java binary"));
    }
}
