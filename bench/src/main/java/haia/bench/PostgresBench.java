package haia.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.store.ConversationStore;

/**
 * Scenario 6: HAIA on PostgreSQL, one replica and two replicas on one database, beside SQLite. A real PostgreSQL
 * server (Debian's, started by {@code bin/pg-scratch} with its default durability: fsync on, synchronous commit)
 * on the same 2 cores as everything else; each replica its own jar process behind the load generator, which
 * spreads its clients over the replicas as a load balancer would.
 */
final class PostgresBench {

    private final Bench bench;
    private final Path script;
    private final Path dir;
    private final int port;
    private String superuserPassword;
    private int databases;
    private final String haiaPassword = "bench-" + Long.toHexString(System.nanoTime());

    PostgresBench(Bench bench, Path home) throws Exception {
        this.bench = bench;
        this.script = home.resolve("bin/pg-scratch");
        // its own directory under /tmp: the server runs as the postgres user, who may not enter the work directory
        this.dir = Files.createTempDirectory("haia-bench-pg-");
        this.port = Proc.freePort();
    }

    void run() throws Exception {
        onServer(() -> {
            throughput();
            history();
            return null;
        });
    }

    // ---- throughput: SQLite, PostgreSQL with one replica, with two ----

    private void throughput() throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Proc upstream = bench.upstream(0, 8, 0)) {
            for (int replicas : new int[] {0, 1, 2}) {   // 0: SQLite
                Map<String, String> env = replicas == 0 ? Map.of() : newDatabase();
                List<Proc> haias = start(upstream, replicas == 0 ? 1 : replicas, env, "throughput-" + replicas);
                try {
                    int[] ports = haias.stream().mapToInt(Proc::port).toArray();
                    LoadClient.closedLoop(ports, 8, Duration.ZERO, bench.warm, (c, s) -> request("warm-" + c, s));
                    for (int concurrency : new int[] {16, 64}) {
                        CpuMeter haiaCpu = new CpuMeter(() -> cpu(haias));
                        CpuMeter dbCpu = new CpuMeter(this::postgresCpu);
                        LoadClient.Result result = LoadClient.closedLoop(ports, concurrency, bench.warm, bench.measure,
                                                                         (c, s) -> request("bench-" + c, s),
                                                                         haiaCpu, dbCpu);
                        long perRequest = Math.round(haiaCpu.microsPerRequest(result));
                        long dbPerRequest = replicas == 0 ? 0 : Math.round(dbCpu.microsPerRequest(result));
                        String database = replicas == 0 ? "SQLite" : "PostgreSQL";
                        String label = replicas == 0 ? "1" : Integer.toString(replicas);
                        rows.add(List.of(database, label, Integer.toString(concurrency), Report.num(result.throughput()),
                                         Report.ms(result.millis(0.5)), Report.ms(result.millis(0.9)),
                                         Report.ms(result.millis(0.99)), Integer.toString(result.errors()),
                                         perRequest + " µs", replicas == 0 ? "" : dbPerRequest + " µs"));
                        if (concurrency == 16) {
                            bench.report.verdict(database + ", " + label + " replica(s), c16: no errors",
                                                 Report.num(result.throughput()) + " requests/s, " + result.errors()
                                                         + " errors", result.errors() == 0);
                        }
                    }
                } finally {
                    for (Proc haia : haias) {
                        haia.close();
                    }
                }
            }
        }
        bench.report.section("6a. PostgreSQL throughput (zero-latency upstream, non-streaming)",
                             Report.table(List.of("database", "replicas", "concurrency", "requests/s", "p50", "p90",
                                                  "p99", "errors", "HAIA CPU per request (all replicas)",
                                                  "PostgreSQL CPU per request"), rows)
                                     + "\nThe same load as scenario 1 (each client its own conversation), through one"
                                     + " HAIA on SQLite, one on PostgreSQL, and two on one PostgreSQL database with the"
                                     + " clients spread over both. Everything shares the same 2 cores.");
    }

    // ---- history: a million stored messages on PostgreSQL ----

    private void history() throws Exception {
        int conversations = bench.quick ? 100 : 1000;
        int perConversation = bench.quick ? 100 : 1000;
        Map<String, String> empty = newDatabase();
        Map<String, String> full = newDatabase();
        long fillStart = System.nanoTime();
        prefill(full, conversations, perConversation);
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        List<List<String>> rows = new ArrayList<>();
        Map<String, LoadClient.Result> results = new HashMap<>();
        try (Proc upstream = bench.upstream(0, 8, 0)) {
            for (var run : List.of(Map.entry("empty, 1 replica", empty), Map.entry("full, 1 replica", full),
                                   Map.entry("full, 2 replicas", full))) {
                int replicas = run.getKey().endsWith("2 replicas") ? 2 : 1;
                List<Proc> haias = start(upstream, replicas, run.getValue(), "history-" + results.size());
                try {
                    LoadClient.Result r = new HistoryBench(bench).historyLoad(
                            haias.stream().mapToInt(Proc::port).toArray(), conversations, bench.warm, bench.measure);
                    results.put(run.getKey(), r);
                    rows.add(List.of(run.getKey(), Report.num(r.throughput()), Report.ms(r.millis(0.5)),
                                     Report.ms(r.millis(0.9)), Report.ms(r.millis(0.99)), Integer.toString(r.errors())));
                } finally {
                    for (Proc haia : haias) {
                        haia.close();
                    }
                }
            }
        }
        double ratio = results.get("full, 1 replica").millis(0.5) / results.get("empty, 1 replica").millis(0.5);
        bench.report.verdict(String.format(Locale.ROOT, "PostgreSQL history: %,d messages vs empty (request p50)",
                                           (long) conversations * perConversation),
                             String.format(Locale.ROOT, "%.2fx", ratio), ratio <= 1.10);
        bench.report.section("6b. PostgreSQL history (concurrency 16, random conversations of the database)",
                             Report.table(List.of("database", "requests/s", "p50", "p90", "p99", "errors"), rows)
                                     + String.format(Locale.ROOT, "%nThe full database holds %,d messages in %,d"
                                             + " conversations (prefilled in %.1f s, then ANALYZE).",
                                                     (long) conversations * perConversation, conversations, fillSeconds));
    }

    // ---- plumbing ----

    private static byte[] request(String conversation, long seq) {
        return LoadClient.post("/v1/chat/completions",
                               "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":"
                                       + "\"How do I check ceph health? request " + seq + "\"}]}",
                               "X-Haia-Conversation: " + conversation);
    }

    private List<Proc> start(Proc upstream, int replicas, Map<String, String> env, String name) throws Exception {
        List<Proc> haias = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            haias.add(bench.haia(upstream, bench.work.resolve(name + "-" + i + "/haia.db"), env));
        }
        return haias;
    }

    /** Runs {@code work} with the server started (and stops it after): for the scenarios that need one. */
    <T> T onServer(java.util.concurrent.Callable<T> work) throws Exception {
        run(script.toString(), "start", dir.toString(), Integer.toString(port));
        try {
            superuserPassword = Files.readString(dir.resolve("superuser-password")).strip();
            admin("CREATE ROLE haia LOGIN PASSWORD '" + haiaPassword + "'");
            return work.call();
        } finally {
            run(script.toString(), "stop", dir.toString());
            run("rm", "-rf", dir.toString());
        }
    }

    /** HAIA's store settings for a database made by {@link #newDatabase}. */
    HaiaConfig.Store storeConfig(Map<String, String> env) {
        return new HaiaConfig.Store(Path.of("unused.db"), OptionalLong.empty(),
                Optional.of(new HaiaConfig.Store.Server(env.get("HAIA_DB_URL"), Optional.of("haia"),
                                                        Optional.of(new Secret(haiaPassword)))),
                HaiaConfig.Store.Pool.DEFAULT);
    }

    /** A JDBC connection to a database made by {@link #newDatabase}, its schema migrated first. */
    Connection connect(Map<String, String> env) throws Exception {
        ConversationStore.open(storeConfig(env), Clock.systemUTC()).close();
        return DriverManager.getConnection(env.get("HAIA_DB_URL") + "?reWriteBatchedInserts=true", "haia",
                                           haiaPassword);
    }

    /** {@link MemoryBench}'s write path on two fresh databases: with the tsvector column and its index, and without. */
    List<String> writeCost(MemoryBench memory) throws Exception {
        double with;
        try (Connection c = connect(newDatabase())) {
            with = memory.exchanges(c);
        }
        double without;
        try (Connection c = connect(newDatabase())) {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE messages DROP COLUMN search");
            }
            without = memory.exchanges(c);
        }
        return MemoryBench.writeRow("PostgreSQL", with, without);
    }

    /** A new database on the server, and the environment that points HAIA at it. */
    Map<String, String> newDatabase() throws Exception {
        String name = "haia_bench_" + ++databases;
        admin("CREATE DATABASE " + name + " OWNER haia");
        return Map.of("HAIA_DB_URL", url(name), "HAIA_DB_USER", "haia", "HAIA_DB_PASSWORD", haiaPassword,
                      "HAIA_DB_POOL_SIZE", "16");
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private void prefill(Map<String, String> env, int conversations, int perConversation) throws Exception {
        try (Connection c = connect(env)) {   // the schema created and migrated first
            c.setAutoCommit(false);
            HistoryBench.prefill(c, conversations, perConversation);
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE");
            }
        }
    }

    private void admin(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", superuserPassword);
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Duration cpu(List<Proc> procs) throws Exception {
        Duration total = Duration.ZERO;
        for (Proc proc : procs) {
            total = total.plus(proc.cpu());
        }
        return total;
    }

    /** CPU time of the PostgreSQL server and all its backends, as far as /proc shows them now. */
    private Duration postgresCpu() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(dir.resolve("data/postmaster.pid")).getFirst().strip());
        long ticks = 0;
        try (Stream<ProcessHandle> all = Stream.concat(Stream.of(ProcessHandle.of(pid).orElseThrow()),
                                                       ProcessHandle.of(pid).orElseThrow().descendants())) {
            for (ProcessHandle process : all.toList()) {
                try {
                    String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                } catch (java.io.IOException gone) {
                    // a backend that just exited
                }
            }
        }
        return Duration.ofMillis(ticks * 10);
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
