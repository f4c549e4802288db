package haia.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAIA in a separate JVM, as a user runs it: {@code java -jar target/haia.jar} (integration tests) or
 * {@code java -cp <test class path> haia.Main} (unit-phase tests), with a given environment, on a free loopback
 * port. Its output goes to a log file that tests can read.
 */
public final class HaiaProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private HaiaProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts the packaged jar (path from the {@code haia.jar} system property set by the build). */
    public static HaiaProcess startJar(Path workDir, Map<String, String> env) throws IOException {
        return start(workDir, env, java(List.of("-jar", jar().toString())));
    }

    /**
     * Starts the packaged jar as the container does: through {@code bin/start}, with the production JVM flags of
     * {@code bin/jvm.options} ({@code -Xmx368m} and the rest). For tests about memory.
     */
    public static HaiaProcess startJarAsInProduction(Path workDir, Map<String, String> env) throws IOException {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("HAIA_JAR", jar().toString());
        all.put("JAVA_HOME", System.getProperty("java.home"));
        return start(workDir, all, List.of(Path.of("bin/start").toAbsolutePath().toString()));
    }

    /** Starts {@code haia.Main} from the current class path. */
    public static HaiaProcess startMain(Path workDir, Map<String, String> env) throws IOException {
        return start(workDir, env, java(List.of("-cp", System.getProperty("java.class.path"), "haia.Main")));
    }

    private static Path jar() {
        return Path.of(System.getProperty("haia.jar", "target/haia.jar")).toAbsolutePath();
    }

    private static List<String> java(List<String> launch) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-XX:+UseSerialGC");
        command.addAll(launch);
        return command;
    }

    /**
     * Starts HAIA on a port that was free a moment ago. Another process on the machine (a parallel build) can take that
     * port before HAIA binds it; HAIA then exits saying so, and the start is tried again on a new port (at most 3 times).
     */
    private static HaiaProcess start(Path workDir, Map<String, String> env, List<String> command) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(workDir, env, command);
            } catch (PortTaken taken) {
                if (attempt == 3) {
                    throw taken;
                }
            }
        }
    }

    /** HAIA exited because its port was taken between {@link #freePort()} and its bind. */
    private static final class PortTaken extends IOException {
        PortTaken(String message) {
            super(message);
        }
    }

    private static HaiaProcess startOnce(Path workDir, Map<String, String> env, List<String> command)
            throws IOException {
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("HAIA_") || k.startsWith("ANTHROPIC_")
                || k.startsWith("OPENAI_") || k.startsWith("OLLAMA_") || k.startsWith("GEMINI_") || k.startsWith("SERVER_"));
        builder.environment().put("SERVER_HOST", "127.0.0.1");
        builder.environment().putAll(env);
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        Path log = Files.createTempFile(workDir, "haia-", ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        HaiaProcess haia = new HaiaProcess(builder.start(), port, log);
        haia.awaitHealthy(Duration.ofSeconds(60));
        return haia;
    }

    private void awaitHealthy(Duration timeout) throws IOException {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = log();
                String message = "HAIA exited with " + process.exitValue() + ":\n" + log;
                throw log.contains("already in use") ? new PortTaken(message) : new IOException(message);
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/health"))
                                                                     .timeout(Duration.ofSeconds(2)).build(),
                                                             HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        process.destroyForcibly();
        throw new IOException("HAIA did not become healthy within " + timeout + ":\n" + log());
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static final HttpClient CHAT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * One chat turn as a client sends it.
     *
     * @param status the answer's status, -1 when none came (killed, timed out)
     * @param whole  a 200 whose stream, when streamed, ended with {@code [DONE]} and no error: an acknowledged exchange
     */
    public record ChatAnswer(int status, boolean whole) {
    }

    /** A chat turn on the conversation HAIA's header names, blocking or streamed. */
    public ChatAnswer chat(String conversation, String question, boolean stream, Duration timeout) {
        try {
            HttpResponse<String> response = CHAT.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("X-Haia-Conversation", conversation)
                    .POST(HttpRequest.BodyPublishers.ofString(Http.chat("haia", question).put("stream", stream).toString()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            boolean whole = response.statusCode() == 200 && (!stream || (response.body().strip().endsWith("data: [DONE]")
                    && !response.body().contains("\"error\"")));
            return new ChatAnswer(response.statusCode(), whole);
        } catch (IOException killedOrTimedOut) {
            return new ChatAnswer(-1, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ChatAnswer(-1, false);
        }
    }

    public Process process() {
        return process;
    }

    /** A line of the process's {@code /proc/<pid>/status}, e.g. {@code VmHWM} (peak resident memory), in kB. */
    public long statusKb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no " + field + " in /proc/" + process.pid() + "/status");
    }

    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** SIGTERM, as {@code podman stop} sends it; waits for the process to exit and returns its exit code. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("HAIA did not stop within " + timeout);
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hooks, no flushing, like a power cut for the process. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
