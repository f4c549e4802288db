package haia.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import haia.store.ContentHash;
import haia.store.ConversationStore;

/**
 * HAIA's benchmark suite. Starts the real {@code target/haia.jar} through {@code bin/start} (so with the JVM flags
 * of {@code bin/jvm.options} and the AOT cache, as in the container image) and a fast fake upstream, each in its
 * own process, drives them with {@link LoadClient} over 127.0.0.1, and writes a results
 * file with the machine next to every figure.
 *
 * <pre>
 * java -cp ... haia.bench.Bench [all|quick|overhead|streams|history|startup|providers|postgres|cache|watch] [--jar target/haia.jar] [--out bench/results]
 * </pre>
 * {@code quick} is a smoke run (seconds, small numbers) that proves the suite works; its figures mean little.
 */
public final class Bench {

    private final Path jar;
    final Path work;
    /** bin/start, which launches the jar with bin/jvm.options (plus HAIA_JAVA_OPTS) and the AOT cache. */
    private final Path start;
    private final Path aotCache;
    final boolean quick;
    final Report report;
    private String[] args = new String[0];
    /** Measured and warm-up time per load level, overridable for profiling runs (--seconds, --warmup). */
    Duration measure = Duration.ofSeconds(15);
    Duration warm = Duration.ofSeconds(8);

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
        switch (mode) {
            case "overhead" -> bench.overhead();
            case "streams" -> bench.streams();
            case "history" -> bench.history();
            case "startup" -> bench.startup();
            case "providers" -> bench.providers();
            case "postgres" -> new PostgresBench(bench, home).run();
            case "cache" -> new CacheBench(report, work).run();
            case "watch" -> new WatchBench(bench).run();
            case "all", "quick" -> {
                bench.startup();
                bench.overhead();
                bench.streams();
                bench.history();
                bench.providers();
                new PostgresBench(bench, home).run();
                new CacheBench(report, work).run();
                new WatchBench(bench).run();
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode
                    + " (all, quick, overhead, streams, history, startup, providers, postgres, cache, watch)");
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

    private static byte[] haiaRequest(int client, long seq, boolean stream) {
        return LoadClient.post("/v1/chat/completions",
                               "{\"model\":\"haia\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":"
                                       + "\"How do I check ceph health? request " + seq + "\"}]}",
                               "X-Haia-Conversation: bench-" + client);
    }

    private static byte[] directRequest(int client, long seq, boolean stream) {
        return LoadClient.post("/v1/messages",
                               "{\"model\":\"bench\",\"max_tokens\":4096,\"stream\":" + stream + ",\"messages\":[{\"role\":"
                                       + "\"user\",\"content\":\"How do I check ceph health? request " + seq + "\"}]}",
                               "x-api-key: bench-key", "anthropic-version: 2023-06-01");
    }

    // ---- scenario 1: overhead ----

    private void overhead() throws Exception {
        Duration warmup = warm;
        Duration duration = measure;
        List<List<String>> rows = new ArrayList<>();
        try (Proc upstream = upstream(0, 8, 0)) {
            Path db = work.resolve("overhead/haia.db");
            try (Proc haia = haia(upstream, db, Map.of())) {
                long idleRss = haia.rssBytes();
                haia.resetPeakRss();
                for (int concurrency : new int[] {1, 16, 64}) {
                    LoadClient.Result direct = LoadClient.closedLoop(upstream.port(), concurrency, warmup, duration,
                                                                     (c, s) -> directRequest(c, s, false));
                    Duration cpuBefore = haia.cpu();
                    LoadClient.Result viaHaia = LoadClient.closedLoop(haia.port(), concurrency, warmup, duration,
                                                                      (c, s) -> haiaRequest(c, s, false));
                    Duration cpu = haia.cpu().minus(cpuBefore);
                    double addedP50 = viaHaia.millis(0.5) - direct.millis(0.5);
                    double addedP99 = viaHaia.millis(0.99) - direct.millis(0.99);
                    rows.add(List.of(Integer.toString(concurrency), "direct", Report.num(direct.throughput()),
                                     Report.ms(direct.millis(0.5)), Report.ms(direct.millis(0.9)),
                                     Report.ms(direct.millis(0.99)), Report.ms(direct.maxMillis()),
                                     Integer.toString(direct.errors()), "", ""));
                    rows.add(List.of(Integer.toString(concurrency), "HAIA", Report.num(viaHaia.throughput()),
                                     Report.ms(viaHaia.millis(0.5)), Report.ms(viaHaia.millis(0.9)),
                                     Report.ms(viaHaia.millis(0.99)), Report.ms(viaHaia.maxMillis()),
                                     Integer.toString(viaHaia.errors()),
                                     String.format(Locale.ROOT, "%s / %s (ratio %.2f)", Report.ms(addedP50),
                                                   Report.ms(addedP99), viaHaia.throughput() / direct.throughput()),
                                     String.format(Locale.ROOT, "%.2f s (%.0f µs/request)", cpu.toMillis() / 1000.0,
                                                   cpu.toNanos() / 1000.0 / Math.max(1, viaHaia.count()))));
                    if (concurrency == 16) {
                        report.verdict("overhead c16: HAIA adds ≤ 1 ms at p50", Report.ms(addedP50), addedP50 <= 1.0);
                        report.verdict("overhead c16: HAIA adds ≤ 5 ms at p99", Report.ms(addedP99), addedP99 <= 5.0);
                    }
                    if (concurrency == 64 || concurrency == 16) {
                        report.verdict("throughput c" + concurrency + " ≥ 2,000 requests/s (zero-latency upstream)",
                                       Report.num(viaHaia.throughput()) + " requests/s",
                                       viaHaia.throughput() >= 2000);
                    }
                    if (viaHaia.errors() > 0) {
                        report.verdict("overhead c" + concurrency + ": no errors", viaHaia.errors() + " errors", false);
                    }
                }
                long peak = haia.peakRssBytes();
                report.section("1. Overhead (non-streaming, zero-latency upstream)",
                               Report.table(List.of("concurrency", "target", "requests/s", "p50", "p90", "p99", "max",
                                                    "errors", "HAIA adds p50 / p99 (throughput ratio)", "HAIA CPU"), rows)
                                       + "\nEach request is a new user turn in one of `concurrency` conversations: HAIA"
                                       + " parses it, reads the window, calls the upstream, stores the exchange in one"
                                       + " transaction and maps the answer. HAIA RSS: " + Report.mb(idleRss)
                                       + " before the runs, peak " + Report.mb(peak) + " during them.");
                report.verdict("RSS under scenario 1 (for reference)", Report.mb(peak), true);
            }
        }
    }

    // ---- scenario 2: streams ----

    private void streams() throws Exception {
        int tokens = 50;
        long drip = 100;   // 50 tokens over ~5 s
        int[] sizes = Arrays.stream(option(args, "--streams", quick ? "100,300" : "1000,5000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<List<String>> rows = new ArrayList<>();
        try (Proc upstream = upstream(0, tokens, drip)) {
            for (int streams : sizes) {
                int perSecond = Math.max(200, streams / 2);
                LoadClient.StreamResult direct = LoadClient.streams(upstream.port(), streams, perSecond,
                                                                    Duration.ofSeconds(60),
                                                                    (c, s) -> directRequest(c, s, true), tokens, false);
                Path db = work.resolve("streams-" + streams + "/haia.db");
                try (Proc haia = haia(upstream, db, Map.of())) {
                    warmUp(haia, upstream);
                    haia.resetPeakRss();
                    LoadClient.StreamResult viaHaia;
                    Proc.Sampler sampler;
                    Duration cpuBefore = haia.cpu();
                    Duration fakeBefore = upstream.cpu();
                    Duration loadBefore = LoadClient.ownCpu();
                    try (Proc.Sampler s = haia.new Sampler()) {
                        sampler = s;
                        viaHaia = LoadClient.streams(haia.port(), streams, perSecond, Duration.ofSeconds(60),
                                                     (c, q) -> haiaRequest(c, q, true), tokens, true);
                    }
                    Duration cpu = haia.cpu().minus(cpuBefore);
                    Duration fakeCpu = upstream.cpu().minus(fakeBefore);
                    Duration loadCpu = LoadClient.ownCpu().minus(loadBefore);
                    long peak = Math.max(haia.peakRssBytes(), sampler.maxRss.get());
                    double addedP50 = viaHaia.firstToken().millis(0.5) - direct.firstToken().millis(0.5);
                    double addedP99 = viaHaia.firstToken().millis(0.99) - direct.firstToken().millis(0.99);
                    rows.add(List.of(Integer.toString(streams), "direct", Integer.toString(direct.streams()),
                                     Integer.toString(direct.errors()), Report.ms(direct.firstToken().millis(0.5)),
                                     Report.ms(direct.firstToken().millis(0.99)), Report.ms(direct.complete().millis(0.99)),
                                     "", "", "", "", ""));
                    rows.add(List.of(Integer.toString(streams), "HAIA", Integer.toString(viaHaia.streams()),
                                     Integer.toString(viaHaia.errors()),
                                     Report.ms(viaHaia.firstToken().millis(0.5)),
                                     Report.ms(viaHaia.firstToken().millis(0.99)),
                                     Report.ms(viaHaia.complete().millis(0.99)),
                                     Report.ms(addedP50) + " / " + Report.ms(addedP99),
                                     Report.mb(peak), sampler.maxThreads.get() + " / " + sampler.maxFiles.get(),
                                     String.format(Locale.ROOT, "%.1f s", cpu.toMillis() / 1000.0),
                                     String.format(Locale.ROOT, "%.1f s / %.1f s", fakeCpu.toMillis() / 1000.0,
                                                   loadCpu.toMillis() / 1000.0)));
                    boolean big = streams == sizes[sizes.length - 1];
                    if (big) {
                        report.verdict(streams + " concurrent streams complete, in order, zero errors",
                                       viaHaia.streams() + " complete, " + viaHaia.errors() + " errors",
                                       viaHaia.errors() == 0 && viaHaia.streams() == streams);
                        report.verdict(streams + " streams: added time-to-first-token ≤ 10 ms at p99",
                                       Report.ms(addedP99), addedP99 <= 10);
                        report.verdict(streams + " streams: peak RSS ≤ 512 MB", Report.mb(peak), peak <= 512L << 20);
                    }
                }
            }
        }
        report.section("2. Streams (50 tokens each, one every 100 ms)",
                       Report.table(List.of("streams", "target", "complete", "errors", "first token p50",
                                            "first token p99", "whole stream p99", "HAIA adds to first token p50 / p99",
                                            "HAIA peak RSS", "HAIA peak threads / fds", "HAIA CPU",
                                            "fake upstream / load generator CPU"), rows)
                               + "\nStreams are opened at up to " + (quick ? 200 : 2500) + " per second; each is checked"
                               + " for all 50 tokens in order and a proper end. \"direct\" streams the same replies from"
                               + " the fake upstream itself.");
    }

    /**
     * Gets a fresh HAIA past class loading and JIT compilation (a fresh JVM interprets, then compiles, for its first
     * seconds), so a scenario measures HAIA rather than its start-up: non-streaming requests, then streams on a fast
     * drip, both on their own conversations.
     */
    private void warmUp(Proc haia, Proc upstream) throws Exception {
        LoadClient.closedLoop(haia.port(), 8, Duration.ZERO, warm, (c, s) -> LoadClient.post(
                "/v1/chat/completions", "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":\"warm " + s
                        + "\"}]}", "X-Haia-Conversation: warm-" + c));
        LoadClient.streams(haia.port(), quick ? 100 : 400, 200, Duration.ofSeconds(60), (c, s) -> LoadClient.post(
                "/v1/chat/completions", "{\"model\":\"haia\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"warm stream\"}]}", "X-Haia-Conversation: warm-stream-" + c), 50, true);
    }

    // ---- scenario 3: history ----

    private void history() throws Exception {
        int conversations = quick ? 100 : 1000;
        int perConversation = quick ? 100 : 1000;
        Duration warmup = warm;
        Duration duration = measure;
        Path empty = work.resolve("history-empty/haia.db");
        Path full = work.resolve("history-full/haia.db");
        long fillStart = System.nanoTime();
        prefill(full, conversations, perConversation);
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        List<List<String>> rows = new ArrayList<>();
        LoadClient.Result emptyResult;
        LoadClient.Result fullResult;
        try (Proc upstream = upstream(0, 8, 0)) {
            emptyResult = historyRun(upstream, empty, conversations, warmup, duration);
            fullResult = historyRun(upstream, full, conversations, warmup, duration);
        }
        double emptyWindow = windowQueryMicros(empty, conversations);
        double fullWindow = windowQueryMicros(full, conversations);
        for (var entry : List.of(Map.entry("empty", emptyResult), Map.entry(String.format(Locale.ROOT, "%,d messages",
                (long) conversations * perConversation), fullResult))) {
            LoadClient.Result r = entry.getValue();
            rows.add(List.of(entry.getKey(), Report.num(r.throughput()), Report.ms(r.millis(0.5)), Report.ms(r.millis(0.9)),
                             Report.ms(r.millis(0.99)), Report.ms(r.maxMillis()), Integer.toString(r.errors()),
                             String.format(Locale.ROOT, "%.0f µs", entry.getKey().equals("empty") ? emptyWindow : fullWindow)));
        }
        double ratio = fullResult.millis(0.5) / emptyResult.millis(0.5);
        double windowRatio = fullWindow / emptyWindow;
        report.verdict(String.format(Locale.ROOT, "history: %,d messages within 10%% of empty (request p50)",
                                     (long) conversations * perConversation),
                       String.format(Locale.ROOT, "%.2fx (%s vs %s)", ratio, Report.ms(fullResult.millis(0.5)),
                                     Report.ms(emptyResult.millis(0.5))), ratio <= 1.10);
        report.verdict("history: window query within 10% of empty",
                       String.format(Locale.ROOT, "%.2fx (%.0f µs vs %.0f µs)", windowRatio, fullWindow, emptyWindow),
                       windowRatio <= 1.10);
        report.section("3. History (concurrency 16, conversations spread over the whole database)",
                       Report.table(List.of("database", "requests/s", "p50", "p90", "p99", "max", "errors",
                                            "window query (mean, in-process)"), rows)
                               + String.format(Locale.ROOT, "%nThe full database holds %,d messages in %,d conversations"
                                       + " (prefilled in %.1f s); requests go to random ones of them, so each window read"
                                       + " lands in a different part of the file.", (long) conversations * perConversation,
                                               conversations, fillSeconds));
    }

    private LoadClient.Result historyRun(Proc upstream, Path db, int conversations, Duration warmup, Duration duration)
            throws Exception {
        Files.createDirectories(db.getParent());
        try (Proc haia = haia(upstream, db, Map.of())) {
            return historyLoad(new int[] {haia.port()}, conversations, warmup, duration);
        }
    }

    /** Warms the replicas up, then runs 16 clients on random conversations of a prefilled database. */
    LoadClient.Result historyLoad(int[] ports, int conversations, Duration warmup, Duration duration) throws Exception {
        LoadClient.closedLoop(ports, 8, Duration.ZERO, warm, (c, s) -> LoadClient.post(
                "/v1/chat/completions", "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":\"warm\"}]}",
                "X-Haia-Conversation: warm-" + c));
        return LoadClient.closedLoop(ports, 16, warmup, duration, (c, s) -> LoadClient.post(
                "/v1/chat/completions",
                "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":\"what was the VM id again? " + s + "\"}]}",
                "X-Haia-Conversation: history-" + ThreadLocalRandom.current().nextInt(conversations)));
    }

    /** Fills a SQLite database as HAIA's schema has it: {@code conversations} keyed conversations, whole exchanges. */
    private static void prefill(Path db, int conversations, int perConversation) throws Exception {
        Files.createDirectories(db.getParent());
        ConversationStore.open(db, Clock.systemUTC()).close();   // creates and migrates the schema
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA synchronous=OFF");
                s.execute("BEGIN");
            }
            prefill(c, conversations, perConversation);
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        }
    }

    /** The rows of a prefilled database, on a migrated, empty one, inside the caller's transaction. */
    static void prefill(Connection c, int conversations, int perConversation) throws Exception {
        long now = System.currentTimeMillis() - 365L * 24 * 3600 * 1000;
        try (PreparedStatement conversation = c.prepareStatement(
                "INSERT INTO conversations (kind, external_key, title, created_at, updated_at) VALUES ('keyed', ?, ?, ?, ?)");
             PreparedStatement message = c.prepareStatement(
                "INSERT INTO messages (conversation_id, role, content, content_hash, status, model, created_at)"
                        + " VALUES (?, ?, ?, ?, 'ok', ?, ?)")) {
            for (int k = 0; k < conversations; k++) {
                conversation.setString(1, "history-" + k);
                conversation.setString(2, "history " + k);
                conversation.setLong(3, now);
                conversation.setLong(4, now);
                conversation.executeUpdate();
            }
            // messages interleaved across conversations, as a year of use would write them
            for (int m = 0; m < perConversation; m++) {
                for (int k = 0; k < conversations; k++) {
                    boolean user = m % 2 == 0;
                    String text = (user ? "question " : "answer with a command or two ") + m + " in conversation " + k
                            + " about pve" + (k % 7) + " and its ceph osd." + (m % 13);
                    message.setLong(1, k + 1);
                    message.setString(2, user ? "user" : "assistant");
                    message.setString(3, text);
                    message.setLong(4, ContentHash.of(text));
                    message.setString(5, user ? null : "haia");
                    message.setLong(6, now + (long) m * conversations + k);
                    message.addBatch();
                }
                message.executeBatch();
            }
        }
    }

    /** Mean cost of HAIA's window query (through its store) on random conversations. */
    private static double windowQueryMicros(Path db, int conversations) {
        try (ConversationStore store = ConversationStore.open(db, Clock.systemUTC())) {
            int rounds = 5000;
            for (int i = 0; i < rounds; i++) {   // warm-up
                store.window(1 + ThreadLocalRandom.current().nextInt(conversations), java.util.OptionalLong.empty(), 20);
            }
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                store.window(1 + ThreadLocalRandom.current().nextInt(conversations), java.util.OptionalLong.empty(), 20);
            }
            return (System.nanoTime() - start) / 1000.0 / rounds;
        }
    }

    // ---- scenario 4: start-up and footprint ----

    private void startup() throws Exception {
        boolean haveCache = Files.isRegularFile(aotCache);
        Startup withCache = haveCache ? startupRuns(Map.of()) : null;
        Startup without = startupRuns(Map.of("HAIA_AOT_CACHE", work.resolve("no-such.aot").toString()));
        Startup shipped = haveCache ? withCache : without;
        report.verdict("start-up ≤ 1 s to the first healthy /health (median of " + shipped.times().size()
                               + (haveCache ? ", AOT cache" : ", no AOT cache") + ")",
                       shipped.median() + " ms", shipped.median() <= 1000);
        report.verdict("idle RSS ≤ 128 MB", Report.mb(shipped.idleRss()), shipped.idleRss() <= 128L << 20);
        report.section("4. Start-up and footprint",
                       "Time from process start (bin/start) to the first `200` from `/health`, each run on a new"
                               + " database (migrations included); idle RSS 5 s after start.\n\n"
                               + "| AOT cache | runs (ms) | median | idle RSS |\n| --- | --- | --- | --- |\n"
                               + (haveCache ? withCache.row("yes (bin/aot-train)") : "")
                               + without.row("no"));
    }

    private record Startup(List<Long> times, long idleRss) {
        long median() {
            return times.stream().sorted().toList().get(times.size() / 2);
        }

        String row(String label) {
            return "| " + label + " | " + times + " | " + median() + " ms | " + Report.mb(idleRss) + " |\n";
        }
    }

    private Startup startupRuns(Map<String, String> env) throws Exception {
        List<Long> times = new ArrayList<>();
        long idle = 0;
        try (Proc upstream = upstream(0, 8, 0)) {
            for (int run = 0; run < (quick ? 2 : 5); run++) {
                Path db = work.resolve("startup-" + System.nanoTime() + "/haia.db");
                try (Proc haia = haia(upstream, db, env)) {
                    times.add(haia.awaitHttp200("/health", Duration.ofSeconds(60)).toMillis());
                    if (run == 0) {
                        Thread.sleep(quick ? 1000 : 5000);   // idle: what it holds when nobody talks to it
                        idle = haia.rssBytes();
                    }
                }
            }
        }
        return new Startup(times, idle);
    }

    // ---- scenario 5: every provider protocol ----

    /**
     * The same load through each provider HAIA speaks (the fake upstream answers each in its own protocol):
     * non-streaming at concurrency 16, then concurrent streams. Shows that no provider's client is the slow one.
     */
    private void providers() throws Exception {
        int tokens = 50;
        int streams = quick ? 100 : 500;
        List<List<String>> rows = new ArrayList<>();
        try (Proc upstream = upstream(0, tokens, 100)) {
            String base = "http://127.0.0.1:" + upstream.port();
            Map<String, Map<String, String>> providers = new java.util.LinkedHashMap<>();
            providers.put("anthropic", Map.of("HAIA_PROVIDER", "anthropic"));
            providers.put("ollama", Map.of("HAIA_PROVIDER", "ollama", "OLLAMA_BASE_URL", base, "HAIA_MODEL", "bench"));
            providers.put("openai", Map.of("HAIA_PROVIDER", "openai", "OPENAI_BASE_URL", base + "/v1",
                                           "HAIA_MODEL", "bench"));
            providers.put("gemini", Map.of("HAIA_PROVIDER", "gemini", "GEMINI_BASE_URL", base,
                                           "GEMINI_API_KEY", "bench-key", "HAIA_MODEL", "bench"));
            for (Map.Entry<String, Map<String, String>> provider : providers.entrySet()) {
                Path db = work.resolve("providers-" + provider.getKey() + "/haia.db");
                try (Proc haia = haia(upstream, db, provider.getValue())) {
                    warmUp(haia, upstream);
                    LoadClient.Result load = LoadClient.closedLoop(haia.port(), 16, Duration.ZERO, measure,
                                                                   (c, q) -> haiaRequest(c, q, false));
                    LoadClient.StreamResult streamed = LoadClient.streams(haia.port(), streams, 500,
                                                                          Duration.ofSeconds(60),
                                                                          (c, q) -> haiaRequest(c, q, true), tokens, true);
                    rows.add(List.of(provider.getKey(), Report.num(load.throughput()), Report.ms(load.millis(0.5)),
                                     Report.ms(load.millis(0.99)), Integer.toString(load.errors()),
                                     streamed.streams() + " / " + streams, Integer.toString(streamed.errors()),
                                     Report.ms(streamed.firstToken().millis(0.5)),
                                     Report.ms(streamed.firstToken().millis(0.99))));
                    report.verdict("provider " + provider.getKey() + ": no errors, all streams complete",
                                   load.errors() + " errors, " + streamed.streams() + "/" + streams + " streams",
                                   load.errors() == 0 && streamed.errors() == 0 && streamed.streams() == streams);
                }
            }
        }
        report.section("5. Every provider protocol (concurrency 16 non-streaming, then " + streams + " streams)",
                       Report.table(List.of("provider", "requests/s", "p50", "p99", "errors", "streams complete",
                                            "stream errors", "first token p50", "first token p99"), rows)
                               + "\nThe fake upstream answers each provider's own protocol (Anthropic SSE, Ollama NDJSON,"
                               + " OpenAI SSE chunks, Gemini SSE) with the same 50-token reply.");
    }
}
