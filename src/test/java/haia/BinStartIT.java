package haia;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import haia.testing.HaiaProcess;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/start} as the image runs it, in a HAIA home laid out like {@code /app} (bin/, config/, the jar, libs/):
 * the JVM flags survive a config folder without {@code jvm.options}, {@code HAIA_JAVA_OPTS} adds to them, HAIA runs in
 * its home wherever it is started from, and an AOT cache recorded with other flags is left out with one line instead
 * of a JVM error at every start, and SQLite's native library is loaded from the libs folder instead of a copy in
 * /tmp.
 */
class BinStartIT {

    private static final Pattern HEAP = Pattern.compile("max heap (\\d+) MB, collectors ([^\\n]*)");

    @TempDir
    Path dir;
    private Path home;

    @BeforeEach
    void layOutAHome() throws IOException {
        home = Files.createDirectories(dir.resolve("app"));
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String file : List.of("start", "jdk.sh", "jvm.options", "aot-train")) {
            Files.copy(Path.of("bin", file), bin.resolve(file));
        }
        Path jar = Path.of(System.getProperty("haia.jar", "target/haia.jar")).toAbsolutePath();
        Files.copy(jar, home.resolve("haia.jar"));
        Files.createSymbolicLink(home.resolve("libs"), jar.resolveSibling("libs"));
        // the user's own config folder, as mounted over /app/config: no jvm.options in it
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/application.yaml"), "chat:\n  context-window: 12\n");
        Files.writeString(home.resolve(".env"), "HAIA_MAX_TOKENS=\"900\"   # from the home's .env\n");
    }

    record Run(String log, List<String> commandLine) {
    }

    /** Starts {@code bin/start} from another directory, waits until it is healthy, stops it with SIGTERM. */
    private Run start(Map<String, String> extra) throws Exception {
        return start(extra, () -> {
        });
    }

    /** The same, running {@code whileHealthy} before stopping it. */
    private Run start(Map<String, String> extra, Runnable whileHealthy) throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path log = Files.createTempFile(dir, "start-", ".log");
        int port = HaiaProcess.freePort();
        ProcessBuilder builder = new ProcessBuilder("bash", home.resolve("bin/start").toString())
                .directory(elsewhere.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("HAIA") || k.startsWith("ANTHROPIC")
                || k.startsWith("SERVER"));
        builder.environment().putAll(Map.of("HAIA_JAR", home.resolve("haia.jar").toString(),
                                            "ANTHROPIC_API_KEY", "sk-ant-x",
                                            "ANTHROPIC_BASE_URL", "http://127.0.0.1:" + HaiaProcess.freePort(),
                                            "SERVER_HOST", "127.0.0.1", "SERVER_PORT", Integer.toString(port)));
        builder.environment().putAll(extra);
        Process process = builder.start();
        try {
            awaitHealthy(process, port, log);
            whileHealthy.run();
            List<String> commandLine = List.of(Files.readString(Path.of("/proc/" + process.pid() + "/cmdline"))
                                                       .split("\u0000"));
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stopped on SIGTERM");
            return new Run(Files.readString(log, StandardCharsets.UTF_8), commandLine);
        } finally {
            process.destroyForcibly();
        }
    }

    private static void awaitHealthy(Process process, int port, Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("HAIA exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> health = client.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                                                        HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not healthy in time:\n" + Files.readString(log));
    }

    private static int maxHeapMb(String log) {
        Matcher heap = HEAP.matcher(log);
        assertTrue(heap.find(), log);
        return Integer.parseInt(heap.group(1));
    }

    @Test
    void theDefaultsSurviveAConfigFolderWithoutJvmOptionsAndHaiaRunsInItsHome() throws Exception {
        Run run = start(Map.of());
        int heap = maxHeapMb(run.log());
        assertTrue(heap > 300 && heap <= 368, "-Xmx368m from bin/jvm.options, not the JVM's default: " + heap);
        assertTrue(run.log().contains("collectors Copy + MarkSweepCompact"), "SerialGC: " + run.log());
        assertTrue(run.commandLine().contains("-XX:+ExitOnOutOfMemoryError"),
                   "after an OutOfMemoryError HAIA exits for its supervisor to restart: " + run.commandLine());
        assertTrue(run.log().contains("Configuration: working directory " + home.toRealPath() + "; .env "
                                              + home.toRealPath().resolve(".env")), run.log());
        assertTrue(Files.exists(home.resolve("data/haia.db")), "./data/haia.db is in HAIA's home");
        assertFalse(Files.exists(dir.resolve("elsewhere/data")), "not where bin/start was called from");
    }

    @Test
    void extraOptionsAddToTheDefaults() throws Exception {
        Run more = start(Map.of("HAIA_JAVA_OPTS", "-Xmx512m -Dhaia.test=1"));
        int heap = maxHeapMb(more.log());
        assertTrue(heap > 368 && heap <= 512, "a later -Xmx wins: " + heap);
        assertTrue(more.commandLine().contains("-Xmn24m") && more.commandLine().contains("-Dhaia.test=1"),
                   "defaults kept, extra added: " + more.commandLine());

        Run g1 = start(Map.of("HAIA_JAVA_OPTS", "-XX:+UseG1GC"));
        assertTrue(g1.log().contains("collectors G1 "), "another collector replaces SerialGC: " + g1.log());
        assertFalse(g1.commandLine().contains("-XX:+UseSerialGC"), g1.commandLine().toString());
        int g1Heap = maxHeapMb(g1.log());
        assertTrue(g1Heap > 300 && g1Heap <= 368, "the other defaults stay: " + g1Heap);
    }

    @Test
    void anAotCacheRecordedWithOtherFlagsIsLeftOutWithOneLine() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 25, "AOT caches need JDK 25");
        ProcessBuilder train = new ProcessBuilder("bash", home.resolve("bin/aot-train").toString(),
                                                  home.resolve("haia.jar").toString())
                .redirectErrorStream(true);
        train.environment().remove("HAIA_JAVA_OPTS");
        Process training = train.start();
        String trained = new String(training.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(training.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, training.exitValue(), trained);
        assertTrue(Files.exists(home.resolve("haia.aot")), trained);

        Run matching = start(Map.of());
        assertTrue(matching.commandLine().contains("-XX:AOTCache=" + home.toRealPath().resolve("haia.aot")),
                   matching.commandLine().toString());
        assertFalse(matching.log().contains("AOT cache"), matching.log());

        Map<String, String> other = new HashMap<>();
        other.put("HAIA_JAVA_OPTS", "-XX:-UseCompactObjectHeaders");
        Run mismatched = start(other);
        assertEquals(1, mismatched.log().lines().filter(l -> l.contains("AOT cache")).count(), mismatched.log());
        assertTrue(mismatched.log().contains("bin/start: not using the AOT cache"), mismatched.log());
        assertFalse(mismatched.log().contains("[error]") || mismatched.log().contains("[warning][aot")
                            || mismatched.log().contains("[warning][cds"), "no JVM complaint: " + mismatched.log());
        assertFalse(mismatched.commandLine().stream().anyMatch(a -> a.startsWith("-XX:AOTCache")));
    }

    @Test
    void sqlitesLibraryIsLoadedFromTheLibsFolderNotCopiedToTmp() throws Exception {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> "";
        };
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && !arch.isEmpty()
                                       && !Files.exists(Path.of("/lib/ld-musl-" + arch + ".so.1")),
                               "the build unpacks the library for glibc Linux on x86_64 and aarch64");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Map<String, String> ownTmp = Map.of("HAIA_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
        Run run = start(ownTmp, () -> assertEquals(List.of(), sqliteCopies(tmp), "nothing copied to /tmp"));
        Path library = home.toRealPath().resolve("libs/sqlite-native/Linux/" + arch);
        assertTrue(run.commandLine().contains("-Dorg.sqlite.lib.path=" + library), run.commandLine().toString());
        assertTrue(Files.exists(library.resolve("libsqlitejdbc.so")));

        // a home without the unpacked library (an older build): the driver finds its own, as before
        Path libs = home.resolve("libs");
        Path jars = libs.toRealPath();
        Files.delete(libs);
        Files.createDirectories(libs);
        try (var files = Files.list(jars)) {
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
                Files.createSymbolicLink(libs.resolve(jar.getFileName()), jar);
            }
        }
        Run without = start(ownTmp, () -> assertEquals(1, sqliteCopies(tmp).size(), "the driver's own copy"));
        assertFalse(without.commandLine().stream().anyMatch(a -> a.startsWith("-Dorg.sqlite.lib.path")),
                    without.commandLine().toString());
    }

    private static List<String> sqliteCopies(Path tmp) {
        try (var files = Files.list(tmp)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.startsWith("sqlite-") && !name.endsWith(".lck")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
