package haia.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import haia.store.ContentHash;
import haia.store.ConversationStore;
import haia.store.MessageSearch;
import haia.store.SearchHit;
import haia.store.SearchQuery;

/**
 * Scenario 8 ({@code bin/bench memory}): recall past the window. On SQLite (FTS5) and PostgreSQL (tsvector + GIN),
 * each filled with a generated homelab corpus (seeded, so every run has the same one; {@code --messages}, default
 * 1,000,000) in which facts are planted at random places:
 * <ul>
 * <li>search latency, p50 and p99, through HAIA's own {@link MessageSearch}, for the planted facts' questions and
 *     for words of the corpus (target: p99 under 50 ms);</li>
 * <li>the write path's cost of the index: exchanges (a user message and a reply, one transaction each, as HAIA
 *     writes them) per second with the index and without it (target: within 10 %);</li>
 * <li>recall@5: for each planted fact, questions that paraphrase it (none names the answer), and whether the planted
 *     message is among the first five hits. Reported, not tuned: the questions are written once, the corpus is
 *     generated.</li>
 * </ul>
 */
final class MemoryBench {

    static final long SEED = 24;

    /** A planted fact: the message stored, and questions a person would ask for it later. */
    record Fact(String message, List<String> questions) {
    }

    static final List<Fact> FACTS = List.of(
            new Fact("for the record: the backup NAS is nas-heron-17 at 192.168.1.20, it takes the nightly vzdump",
                     List.of("what was the backup NAS again?", "where do the nightly vzdump backups go?",
                             "which box holds my backups?")),
            new Fact("the UPS is an APC Smart-UPS 1500 on 192.168.1.9, NUT runs on pve3",
                     List.of("what UPS do I have?", "which host runs NUT for the UPS?", "what's the UPS address?")),
            new Fact("k3s control plane lives on vm-105 on pve2, the workers are vm-106 and vm-107",
                     List.of("where is the k3s control plane?", "which VM runs k3s?", "what are the k3s workers?")),
            new Fact("the wireguard endpoint is vpn.example.net port 51820, peers in /etc/wireguard/wg0.conf",
                     List.of("what port does wireguard use?", "where is the wireguard config?",
                             "what's my VPN endpoint?")),
            new Fact("grafana admin password is in vaultwarden under homelab/grafana, not in the compose file",
                     List.of("where is the grafana password?", "how do I log into grafana as admin?",
                             "where did I keep the grafana credentials?")),
            new Fact("the ceph cluster network is 10.10.10.0/24 on the 10G switch, public network 192.168.1.0/24",
                     List.of("what is the ceph cluster network?", "which subnet does ceph replicate on?",
                             "is ceph on the 10G switch?")),
            new Fact("pihole runs as LXC 120 on pve1 and is the DNS for the whole LAN, upstream unbound",
                     List.of("which container runs pihole?", "what is my DNS server?", "where is pihole?")),
            new Fact("the ZFS pool tank on pve1 is a raidz2 of six 8TB disks, scrub on the first Sunday",
                     List.of("how is the tank pool laid out?", "when does the ZFS scrub run?",
                             "what disks are in tank?")));

    private static final String[] NODES = {"pve1", "pve2", "pve3", "pve4", "nas", "router", "vm-101", "vm-204"};
    private static final String[] THINGS = {"ceph osd", "corosync link", "zfs pool", "nginx proxy", "k3s pod",
            "traefik route", "postgres replica", "grafana panel", "prometheus target", "backup job", "lxc container",
            "docker volume", "certificate", "disk", "network bridge", "VM", "UPS battery", "DNS record"};
    private static final String[] HAPPENINGS = {"failed after the reboot", "is degraded", "was restarted",
            "shows high latency", "ran out of space", "came back", "was migrated", "was upgraded",
            "logs timeouts", "needs a new disk", "throws permission denied", "is flapping"};
    private static final String[] ANSWERS = {"check journalctl -u", "run pvecm status and look at", "try systemctl restart",
            "look at ceph health detail for", "zpool status will show", "podman logs --tail 100 for",
            "compare the config of", "roll back the last change to"};

    private final Bench bench;
    private final Path home;
    private final int messages;
    private final int conversations;

    MemoryBench(Bench bench, Path home) {
        this.bench = bench;
        this.home = home;
        this.messages = Integer.parseInt(bench.option("--messages", bench.quick ? "20000" : "1000000"));
        this.conversations = Math.max(1, messages / 1000);
    }

    /** The corpus's i-th message (the same for every run): noise, or a planted fact at its place. */
    static final class Corpus {
        final int messages;
        final int[] plantedAt;

        Corpus(int messages) {
            this.messages = messages;
            Random random = new Random(SEED);
            plantedAt = new int[FACTS.size()];
            for (int f = 0; f < plantedAt.length; f++) {
                plantedAt[f] = random.nextInt(Math.max(1, messages * 3 / 4));   // older than the last quarter
            }
        }

        String text(int i) {
            for (int f = 0; f < plantedAt.length; f++) {
                if (plantedAt[f] == i) {
                    return FACTS.get(f).message();
                }
            }
            Random random = new Random(SEED * 31 + i);
            String node = NODES[random.nextInt(NODES.length)];
            String thing = THINGS[random.nextInt(THINGS.length)];
            return i % 2 == 0
                    ? "the " + thing + " on " + node + " " + HAPPENINGS[random.nextInt(HAPPENINGS.length)]
                      + ", since about " + random.nextInt(24) + ":" + (10 + random.nextInt(50))
                    : ANSWERS[random.nextInt(ANSWERS.length)] + " the " + thing + " on " + node + " first";
        }
    }

    void run() throws Exception {
        Corpus corpus = new Corpus(messages);
        List<List<String>> latency = new ArrayList<>();
        List<List<String>> writes = new ArrayList<>();
        List<List<String>> recall = new ArrayList<>();
        Path sqlite = bench.work.resolve("memory/haia.db");
        Files.createDirectories(sqlite.getParent());
        ConversationStore.open(sqlite, java.time.Clock.systemUTC()).close();
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + sqlite)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA synchronous=OFF");
            }
            c.setAutoCommit(false);
            fill(c, corpus);
            c.commit();
        }
        try (ConversationStore store = ConversationStore.open(sqlite, java.time.Clock.systemUTC())) {
            measure("SQLite (FTS5, bm25)", store.search(), corpus, latency, recall);
        }
        writes.add(writeCost("SQLite", bench.work.resolve("memory-writes")));
        PostgresBench postgres = new PostgresBench(bench, home);
        postgres.onServer(() -> {
            var env = postgres.newDatabase();
            try (Connection c = postgres.connect(env)) {
                c.setAutoCommit(false);
                fill(c, corpus);
                c.commit();
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("ANALYZE");
                }
            }
            try (ConversationStore store = ConversationStore.open(postgres.storeConfig(env),
                                                                  java.time.Clock.systemUTC())) {
                measure("PostgreSQL (tsvector + GIN, ts_rank)", store.search(), corpus, latency, recall);
            }
            writes.add(postgres.writeCost(this));
            return null;
        });
        String scale = String.format(Locale.ROOT, "%,d messages in %,d conversations, %d planted facts, seed %d",
                                     messages, conversations, FACTS.size(), SEED);
        bench.report.section("Memory: search over every stored message (" + scale + ")",
                             Report.table(List.of("database", "queries", "p50", "p99", "max"), latency)
                             + "\n\n" + Report.table(List.of("database", "planted facts", "questions", "recall@5",
                                                             "recall@1"), recall)
                             + "\n\nWrite path: the database alone, one transaction per exchange (a user message and a "
                             + "reply, HAIA's durability settings), on an empty database, with the index and without "
                             + "it. A chat request's cost is mostly elsewhere (HTTP, the model call, the window): the "
                             + "index's share of chat throughput is bin/bench overhead's comparison.\n\n"
                             + Report.table(List.of("database", "exchanges/s with the index",
                                                    "exchanges/s without", "cost of the index"), writes));
    }

    /** Fills a migrated, empty database with the corpus, inside the caller's transaction. */
    void fill(Connection c, Corpus corpus) throws Exception {
        long start = System.currentTimeMillis() - 365L * 24 * 3600 * 1000;
        try (PreparedStatement conversation = c.prepareStatement(
                "INSERT INTO conversations (kind, external_key, title, created_at, updated_at) VALUES ('openwebui', ?, ?, ?, ?)");
             PreparedStatement message = c.prepareStatement(
                     "INSERT INTO messages (conversation_id, role, content, content_hash, status, model, created_at)"
                             + " VALUES (?, ?, ?, ?, 'ok', ?, ?)")) {
            for (int k = 0; k < conversations; k++) {
                conversation.setString(1, "memory-" + k);
                conversation.setString(2, "homelab chat " + k);
                conversation.setLong(3, start);
                conversation.setLong(4, start);
                conversation.executeUpdate();
            }
            for (int i = 0; i < corpus.messages; i++) {
                String text = corpus.text(i);
                message.setLong(1, 1 + (i / 2) % conversations);
                message.setString(2, i % 2 == 0 ? "user" : "assistant");
                message.setString(3, text);
                message.setLong(4, ContentHash.of(text));
                message.setString(5, i % 2 == 0 ? null : "haia");
                message.setLong(6, start + i * 30_000L);
                message.addBatch();
                if (i % 10_000 == 9_999) {
                    message.executeBatch();
                }
            }
            message.executeBatch();
        }
    }

    private void measure(String database, MessageSearch search, Corpus corpus, List<List<String>> latency,
                         List<List<String>> recall) {
        List<String> queries = new ArrayList<>();
        FACTS.forEach(fact -> queries.addAll(fact.questions()));
        Random random = new Random(SEED);
        while (queries.size() < 200) {
            queries.add(random.nextBoolean() ? THINGS[random.nextInt(THINGS.length)]
                                : NODES[random.nextInt(NODES.length)] + " " + HAPPENINGS[random.nextInt(HAPPENINGS.length)]);
        }
        for (String q : queries.subList(0, 20)) {   // warm-up
            search.search(SearchQuery.of(q));
        }
        long[] nanos = new long[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            long t0 = System.nanoTime();
            search.search(new SearchQuery(queries.get(i), java.util.OptionalLong.empty(), java.util.Optional.empty(),
                                          java.util.Optional.empty(), 5));
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        double p99 = nanos[(int) (nanos.length * 0.99)] / 1e6;
        latency.add(List.of(database, Integer.toString(nanos.length), Report.ms(nanos[nanos.length / 2] / 1e6),
                            Report.ms(p99), Report.ms(nanos[nanos.length - 1] / 1e6)));
        bench.report.verdict(String.format(Locale.ROOT, "memory search p99 under 50 ms, %s, %,d messages", database,
                                           messages), Report.ms(p99), p99 < 50);
        int questions = 0;
        int top5 = 0;
        int top1 = 0;
        for (int f = 0; f < FACTS.size(); f++) {
            long planted = corpus.plantedAt[f] + 1L;   // ids count from 1 in insertion order, on both databases
            for (String question : FACTS.get(f).questions()) {
                questions++;
                List<SearchHit> hits = search.search(new SearchQuery(question, java.util.OptionalLong.empty(),
                        java.util.Optional.empty(), java.util.Optional.empty(), 5));
                top5 += hits.stream().anyMatch(hit -> hit.messageId() == planted) ? 1 : 0;
                top1 += !hits.isEmpty() && hits.getFirst().messageId() == planted ? 1 : 0;
            }
        }
        recall.add(List.of(database, Integer.toString(FACTS.size()), Integer.toString(questions),
                           String.format(Locale.ROOT, "%d / %d (%.0f %%)", top5, questions, 100.0 * top5 / questions),
                           String.format(Locale.ROOT, "%d / %d", top1, questions)));
    }

    /**
     * Exchanges per second on a fresh SQLite database, with its FTS5 triggers and with them dropped: each exchange
     * one transaction of two inserts, as HAIA's write path has it.
     */
    private List<String> writeCost(String database, Path dir) throws Exception {
        double with = sqliteExchanges(dir.resolve("with/haia.db"), false);
        double without = sqliteExchanges(dir.resolve("without/haia.db"), true);
        return writeRow(database, with, without);
    }

    static List<String> writeRow(String database, double with, double without) {
        return List.of(database, Report.num(with), Report.num(without),
                       String.format(Locale.ROOT, "%.0f %% fewer exchanges/s", 100.0 * (1 - with / without)));
    }

    private double sqliteExchanges(Path db, boolean dropIndex) throws Exception {
        Files.createDirectories(db.getParent());
        ConversationStore.open(db, java.time.Clock.systemUTC()).close();
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");   // HAIA's own setting
                if (dropIndex) {
                    s.execute("DROP TRIGGER messages_fts_insert");
                    s.execute("DROP TRIGGER messages_fts_delete");
                }
            }
            return exchanges(c);
        }
    }

    /** Exchanges per second: two inserts, one commit each, for the corpus's first messages. */
    double exchanges(Connection c) throws Exception {
        int count = bench.quick ? 2000 : 20_000;
        Corpus corpus = new Corpus(count * 2);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO conversations (kind, external_key, title, created_at, updated_at)"
                              + " VALUES ('keyed', 'writes', 'writes', 0, 0)");
        }
        c.commit();
        long t0 = System.nanoTime();
        try (PreparedStatement message = c.prepareStatement(
                "INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                        + " VALUES ((SELECT max(id) FROM conversations), ?, ?, ?, 'ok', ?)")) {
            for (int i = 0; i < count * 2; i++) {
                String text = corpus.text(i);
                message.setString(1, i % 2 == 0 ? "user" : "assistant");
                message.setString(2, text);
                message.setLong(3, ContentHash.of(text));
                message.setLong(4, i);
                message.executeUpdate();
                if (i % 2 == 1) {
                    c.commit();
                }
            }
        }
        c.setAutoCommit(true);
        return count / ((System.nanoTime() - t0) / 1e9);
    }
}
