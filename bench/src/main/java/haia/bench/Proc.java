package haia.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process the benchmark starts (HAIA's jar or the fake upstream), with what Linux's /proc says about it: CPU
 * time, resident memory (current and peak), threads and open file descriptors.
 */
final class Proc implements AutoCloseable {

    private static final long CLOCK_TICKS = 100;   // USER_HZ on Linux

    private final Process process;
    private final int port;
    private final Path log;
    private final long startedNanos;

    private Proc(Process process, int port, Path log, long startedNanos) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    static Proc start(List<String> command, Map<String, String> env, Path workDir, int port) throws IOException {
        Files.createDirectories(workDir);
        Path log = workDir.resolve("process-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        long started = System.nanoTime();
        return new Proc(builder.start(), port, log, started);
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Polls {@code GET path} until it answers 200; returns the time since the process was started. */
    Duration awaitHttp200(String path, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("process exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try (Socket socket = LoadClient.connect(port)) {
                socket.getOutputStream().write(request);
                if (Http11.Head.read(socket.getInputStream()).status() == 200) {
                    return Duration.ofNanos(System.nanoTime() - startedNanos);
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(5);
        }
        throw new IOException("no 200 from " + path + " within " + timeout + ": " + Files.readString(log));
    }

    /** User plus system CPU time consumed so far. */
    Duration cpu() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);   // utime, stime
        return Duration.ofMillis(ticks * 1000 / CLOCK_TICKS);
    }

    long rssBytes() throws IOException {
        return statusKb("VmRSS") * 1024;
    }

    long peakRssBytes() throws IOException {
        return statusKb("VmHWM") * 1024;
    }

    /** Resets the kernel's peak-RSS mark, so the next {@link #peakRssBytes()} covers one scenario only. */
    void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/" + pid() + "/clear_refs"), "5");
        } catch (IOException notAllowed) {
            // older kernels: the peak then covers the process's lifetime, which only overstates it
        }
    }

    long threads() throws IOException {
        return statusKb("Threads");
    }

    long openFiles() throws IOException {
        try (var files = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return files.count();
        }
    }

    private long statusKb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).strip().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in /proc/" + pid() + "/status");
    }

    /** Samples peak threads and file descriptors while a scenario runs. */
    final class Sampler implements AutoCloseable {
        final AtomicLong maxThreads = new AtomicLong();
        final AtomicLong maxFiles = new AtomicLong();
        final AtomicLong maxRss = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;

        Sampler() {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running) {
                    try {
                        maxThreads.accumulateAndGet(threads(), Math::max);
                        maxFiles.accumulateAndGet(openFiles(), Math::max);
                        maxRss.accumulateAndGet(rssBytes(), Math::max);
                        Thread.sleep(100);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, then waits. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static List<String> java(List<String> jvmOptions, String... rest) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of(rest));
        return command;
    }
}
