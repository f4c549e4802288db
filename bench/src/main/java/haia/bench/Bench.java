package haia.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HAIA's benchmark suite. Starts the real {@code target/haia.jar} through {@code bin/start} (so with the JVM flags
 * of {@code bin/jvm.options} and the AOT cache, as in the container image) and a fast fake upstream, each in its
 * own process, drives them with {@link LoadClient} over 127.0.0.1, and writes a results
 * file with the machine next to every figure.
 *
 * <pre>
 * java -cp ... haia.bench.Bench [all|quick|overhead|streams|history|startup|providers|postgres|cache|watch|memory] [--jar target/haia.jar] [--out bench/results]
 * </pre>
 * {@code quick} is a smoke run (seconds, small numbers) that proves the suite works; its figures mean little.
 * Each scenario is its own class ({@link StartupBench}, {@link OverheadBench}, {@link StreamsBench},
 * {@link HistoryBench}, {@link ProvidersBench}, {@link PostgresBench}, {@link CacheBench}, {@link WatchBench},
 * {@link MemoryBench}); this one reads the command line and starts the processes they measure.
 */
public final class Bench {

    private final Path jar;
    final Path work;
    /** bin/start, which launches the jar with bin/jvm.options (plus HAIA_JAVA_OPTS) and the AOT cache. */
    private final Path start;
    final Path aotCache;
    final boolean quick;
    final Report report;
    private String[] args = new String[0];
    /** Measured and warm-up time per load level, overridable for profiling runs (--seconds, --warmup). */
    Duration measure = Duration.ofSeconds(15);
    Duration warm = Duration.ofSeconds(8);
    /**
     * Load before scenario 1's first level, for each gateway (--settle): HotSpot was still compiling HAIA's hot path
     * 16 s into a run (C2 a quarter of its CPU at concurrency 16), so a level measured the compilers, not the
     * server as it runs for days. Portkey's V8 gets the same.
     */
    Duration settle = Duration.ofSeconds(30);

    private Bench(Path jar, Path work, Path start, Path aotCache, boolean quick, Report report) {
        this.jar = jar;
        this.work = work;
        this.start = start;
        this.aotCache = aotCache;
        this.quick = quick;
        this.report = report;
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "all";
        Path jar = Path.of(option(args, "--jar", "target/haia.jar")).toAbsolutePath();
        Path out = Path.of(option(args, "--out", "bench/results")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build HAIA first (bin/bench does)");
        }
        Path home = jar.getParent().getParent();
        Path start = home.resolve("bin/start");
        Path aotCache = Path.of(jar.toString().replaceFirst("\\.jar$", ".aot"));
        String flags = (jvmOptions(home.resolve("bin/jvm.options")) + " "
                + System.getenv().getOrDefault("HAIA_JAVA_OPTS", "")).strip();
        Path work = Files.createTempDirectory("haia-bench-");
        Report report = new Report(Machine.describe(flags, Files.isRegularFile(aotCache)
                ? "recorded by bin/aot-train (" + (Files.size(aotCache) >> 20) + " MB), used by bin/start"
                : "none (JDK < 25 or bin/aot-train not run)"));
        Bench bench = new Bench(jar, work, start, aotCache, mode.equals("quick"), report);
        bench.args = args;
        bench.measure = Duration.ofSeconds(Long.parseLong(option(args, "--seconds", bench.quick ? "3" : "15")));
        bench.warm = Duration.ofSeconds(Long.parseLong(option(args, "--warmup", bench.quick ? "2" : "8")));
        bench.settle = Duration.ofSeconds(Long.parseLong(option(args, "--settle", bench.quick ? "2" : "30")));
        switch (mode) {
            case "overhead" -> new OverheadBench(bench).run();
            case "streams" -> new StreamsBench(bench).run();
            case "history" -> new HistoryBench(bench).run();
            case "startup" -> new StartupBench(bench).run();
            case "providers" -> new ProvidersBench(bench).run();
            case "postgres" -> new PostgresBench(bench, home).run();
            case "cache" -> new CacheBench(report, work).run();
            case "watch" -> new WatchBench(bench).run();
            case "memory" -> new MemoryBench(bench, home).run();
            case "all", "quick" -> {
                new StartupBench(bench).run();
                new OverheadBench(bench).run();
                new StreamsBench(bench).run();
                new HistoryBench(bench).run();
                new ProvidersBench(bench).run();
                new PostgresBench(bench, home).run();
                new CacheBench(report, work).run();
                new WatchBench(bench).run();
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode
                    + " (all, quick, overhead, streams, history, startup, providers, postgres, cache, watch, memory)");
        }
        Path file = report.write(out);
        System.out.println("\n== Summary\n" + report.summary() + "\nResults written to " + file);
    }

    /** The flags bin/start reads: bin/jvm.options without its comments. */
    private static String jvmOptions(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .collect(java.util.stream.Collectors.joining(" "));
    }

    /** A command-line option's value (--streams for the streams scenario, for example), or the fallback. */
    String option(String name, String fallback) {
        return option(args, name, fallback);
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    // ---- processes ----

    Proc upstream(long latencyMillis, int tokens, long dripMillis) throws Exception {
        int port = Proc.freePort();
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        Proc proc = Proc.start(Proc.java(List.of("-XX:+UseSerialGC", "-Xss256k", "-cp", classpath),
                                         FastUpstream.class.getName(), Integer.toString(port),
                                         Long.toString(latencyMillis), Integer.toString(tokens), Long.toString(dripMillis)),
                               Map.of(), work, port);
        proc.awaitHttp200("/health", Duration.ofSeconds(30));
        return proc;
    }

    Proc haia(Proc upstream, Path db, Map<String, String> extra) throws Exception {
        int port = Proc.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("ANTHROPIC_API_KEY", "bench-key");
        env.put("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + upstream.port());
        env.put("HAIA_DB_PATH", db.toString());
        env.put("SERVER_HOST", "127.0.0.1");
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("HAIA_MAX_INFLIGHT", "20000");
        env.put("HAIA_JAR", jar.toString());
        env.put("HAIA_AOT_CACHE", aotCache.toString());
        env.putAll(extra);
        Proc proc = Proc.start(List.of(start.toString()), env, work, port);
        proc.awaitHttp200("/health", Duration.ofSeconds(60));
        return proc;
    }

    /**
     * Portkey's AI gateway 1.15.2 (Node), a stateless peer, when {@code bin/bench} could install it
     * ({@code --portkey} names its start-server.js): started on 127.0.0.1 (bench/portkey/loopback.cjs), headless.
     */
    java.util.Optional<Proc> portkey() throws Exception {
        String server = option("--portkey", "");
        if (server.isEmpty()) {
            return java.util.Optional.empty();
        }
        int port = Proc.freePort();
        Path loopback = jar.getParent().getParent().resolve("bench/portkey/loopback.cjs");
        Proc proc = Proc.start(List.of("node", "-r", loopback.toString(), server, "--port=" + port, "--headless"),
                               Map.of("NODE_ENV", "production"), work, port);
        proc.awaitHttp200("/", Duration.ofSeconds(30));
        return java.util.Optional.of(proc);
    }

    /**
     * The request HAIA gets, sent to Portkey: OpenAI's chat completions in, Anthropic's messages out to the same fast
     * upstream (Portkey's custom host), so both gateways translate the same call; Portkey stores nothing.
     */
    static LoadClient.Requests portkeyRequest(Proc upstream) {
        String host = "x-portkey-custom-host: http://127.0.0.1:" + upstream.port() + "/v1";
        return (client, seq) -> LoadClient.post(
                "/v1/chat/completions",
                "{\"model\":\"bench\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"How do I check ceph health? request " + seq + "\"}]}",
                "x-portkey-provider: anthropic", host, "Authorization: Bearer bench-key");
    }

    static byte[] haiaRequest(int client, long seq, boolean stream) {
        return LoadClient.post("/v1/chat/completions",
                               "{\"model\":\"haia\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":"
                                       + "\"How do I check ceph health? request " + seq + "\"}]}",
                               "X-Haia-Conversation: bench-" + client);
    }

    static byte[] directRequest(int client, long seq, boolean stream) {
        return LoadClient.post("/v1/messages",
                               "{\"model\":\"bench\",\"max_tokens\":4096,\"stream\":" + stream + ",\"messages\":[{\"role\":"
                                       + "\"user\",\"content\":\"How do I check ceph health? request " + seq + "\"}]}",
                               "x-api-key: bench-key", "anthropic-version: 2023-06-01");
    }

    /**
     * Gets a fresh HAIA past class loading and JIT compilation (a fresh JVM interprets, then compiles, for its first
     * seconds), so a scenario measures HAIA rather than its start-up: non-streaming requests, then streams on a fast
     * drip, both on their own conversations.
     */
    void warmUp(Proc haia, Proc upstream) throws Exception {
        LoadClient.closedLoop(haia.port(), 8, Duration.ZERO, warm, (c, s) -> LoadClient.post(
                "/v1/chat/completions", "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":\"warm " + s
                        + "\"}]}", "X-Haia-Conversation: warm-" + c));
        LoadClient.streams(haia.port(), quick ? 100 : 400, 200, Duration.ofSeconds(60), (c, s) -> LoadClient.post(
                "/v1/chat/completions", "{\"model\":\"haia\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"warm stream\"}]}", "X-Haia-Conversation: warm-stream-" + c), 50, true);
    }
}
