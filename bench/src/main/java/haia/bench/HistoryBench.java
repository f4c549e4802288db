package haia.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import haia.store.ContentHash;
import haia.store.ConversationStore;
import haia.store.WindowReads;

/**
 * Scenario 3: requests on an empty database against one prefilled with a year of conversations, and HAIA's
 * window query on each: history must not slow the request path. PostgresBench reuses the prefill and the load.
 */
final class HistoryBench {

    private final Bench bench;

    HistoryBench(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int conversations = bench.quick ? 100 : 1000;
        int perConversation = bench.quick ? 100 : 1000;
        Duration warmup = bench.warm;
        Duration duration = bench.measure;
        Path empty = bench.work.resolve("history-empty/haia.db");
        Path full = bench.work.resolve("history-full/haia.db");
        long fillStart = System.nanoTime();
        prefill(full, conversations, perConversation);
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        List<List<String>> rows = new ArrayList<>();
        LoadClient.Result emptyResult;
        LoadClient.Result fullResult;
        try (Proc upstream = bench.upstream(0, 8, 0)) {
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
        bench.report.verdict(String.format(Locale.ROOT, "history: %,d messages within 10%% of empty (request p50)",
                                     (long) conversations * perConversation),
                       String.format(Locale.ROOT, "%.2fx (%s vs %s)", ratio, Report.ms(fullResult.millis(0.5)),
                                     Report.ms(emptyResult.millis(0.5))), ratio <= 1.10);
        bench.report.verdict("history: window query within 10% of empty",
                       String.format(Locale.ROOT, "%.2fx (%.0f µs vs %.0f µs)", windowRatio, fullWindow, emptyWindow),
                       windowRatio <= 1.10);
        bench.report.section("3. History (concurrency 16, conversations spread over the whole database)",
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
        try (Proc haia = bench.haia(upstream, db, Map.of())) {
            return historyLoad(new int[] {haia.port()}, conversations, warmup, duration);
        }
    }

    /** Warms the replicas up, then runs 16 clients on random conversations of a prefilled database. */
    LoadClient.Result historyLoad(int[] ports, int conversations, Duration warmup, Duration duration) throws Exception {
        LoadClient.closedLoop(ports, 8, Duration.ZERO, bench.warm, (c, s) -> LoadClient.post(
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
            WindowReads windows = store.windows();
            int rounds = 5000;
            for (int i = 0; i < rounds; i++) {   // warm-up
                windows.window(1 + ThreadLocalRandom.current().nextInt(conversations), java.util.OptionalLong.empty(), 20);
            }
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                windows.window(1 + ThreadLocalRandom.current().nextInt(conversations), java.util.OptionalLong.empty(), 20);
            }
            return (System.nanoTime() - start) / 1000.0 / rounds;
        }
    }
}
