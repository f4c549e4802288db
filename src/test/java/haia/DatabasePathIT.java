package haia;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar with a database folder it may not write (the rootless Podman volume owned by another user): one
 * line saying so and how to fix it, exit code 1. A real permission check needs a user without the right; when the
 * tests run as root (CI containers do), HAIA runs as {@code nobody} through {@code setpriv}.
 */
class DatabasePathIT {

    @TempDir
    Path dir;

    @Test
    void aDatabaseFolderHaiaMayNotWriteIsNamedWithTheFix() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean root = ((Integer) Files.getAttribute(locked, "unix:uid")) == 0;

        List<String> command = new ArrayList<>();
        if (root) {
            // root may write anywhere: run HAIA as nobody, for whom the root-owned folder is read-only
            command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        Path jar = Path.of(System.getProperty("haia.jar", "target/haia.jar")).toAbsolutePath();
        if (root) {
            // nobody may not be able to reach the checkout (a private temporary folder, a home directory): the jar
            // and its libs/ go where nobody can read them
            Path app = Files.createDirectories(dir.resolve("app"));
            Files.copy(jar, app.resolve("haia.jar"));
            Path libs = Files.createDirectories(app.resolve("libs"));
            try (var files = Files.list(jar.resolveSibling("libs"))) {
                for (Path lib : files.toList()) {
                    Files.copy(lib, libs.resolve(lib.getFileName()));
                }
            }
            jar = app.resolve("haia.jar");
        }
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("HAIA") || k.startsWith("ANTHROPIC")
                || k.startsWith("SERVER"));
        builder.environment().put("ANTHROPIC_API_KEY", "sk-ant-x");
        builder.environment().put("SERVER_HOST", "127.0.0.1");
        builder.environment().put("SERVER_PORT", "0");
        builder.environment().put("HAIA_DB_PATH", locked.resolve("haia.db").toString());
        Process process = builder.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));

        assertEquals(1, process.exitValue(), stdout + stderr);
        assertTrue(stderr.startsWith("HAIA cannot start: cannot write the database " + locked.resolve("haia.db")
                                             + ": permission denied on " + locked), stderr);
        assertTrue(stderr.contains("-v ./data:/data:U"), "the rootless Podman fix: " + stderr);
        assertEquals(1, stderr.lines().count(), stderr);
        assertFalse((stdout + stderr).contains("\tat "), "no stack trace");
    }
}
