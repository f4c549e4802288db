package haia;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real {@code main}, in its own JVM: bad configuration stops it before it listens, with one line per problem. */
class MainProcessTest {

    @TempDir
    Path dir;

    @Test
    void badConfigurationFailsFastWithOneLinePerProblem() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                                                    "haia.Main")
                .directory(dir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("ANTHROPIC") || k.startsWith("HAIA") || k.startsWith("SERVER"));
        builder.environment().put("HAIA_CONTEXT_WINDOW", "0");
        builder.environment().put("SERVER_PORT", "1");
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits instead of starting");
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(2, process.exitValue(), stderr);
        assertTrue(stderr.contains("config error: ANTHROPIC_API_KEY"), stderr);
        assertTrue(stderr.contains("config error: HAIA_CONTEXT_WINDOW (chat.context-window) must be a positive integer, got '0'"),
                   stderr);
        assertFalse((stdout + stderr).contains("bound for socket"), "never started listening");
    }

    static String javaBinary() throws IOException {
        return ProcessHandle.current().info().command().orElseThrow(() -> new IOException("no java binary"));
    }
}
