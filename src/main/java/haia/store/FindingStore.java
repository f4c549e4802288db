package haia.store;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Stream;

import io.helidon.dbclient.DbRow;

/**
 * The findings of HAIA's watch and their investigations ({@code findings}, {@code investigations}; V6): a part of
 * the store, on the same {@link Database} (pool and writer) as the conversations. Sightings are written in short
 * transactions of at most {@value #CHUNK} each, so a webhook of thousands of alerts never holds SQLite's one writer
 * for long: a chat's commit waits for one chunk at most.
 */
public final class FindingStore extends StorePart {

    /** Sightings per write transaction. */
    static final int CHUNK = 200;
    /** How the conversations of investigations are keyed ({@code X-Haia-Conversation}), the finding's id after it. */
    public static final String CONVERSATION_PREFIX = "haia-watch-";

    private static final String SELECT = """
            SELECT f.id, f.fingerprint, f.source, f.title, f.severity, f.status, f.first_seen, f.last_seen,
                   f.resolved_at, f.detail, f.investigation_id, i.summary
            FROM findings f LEFT JOIN investigations i ON i.id = f.investigation_id
            """;

    FindingStore(Database database) {
        super(database);
    }

    /**
     * What a batch of sightings changed.
     *
     * @param opened   findings that are new (each starts an investigation and a notification)
     * @param resolved findings that were firing and are resolved now (each a notification)
     * @param repeats  sightings of findings already firing (or already resolved): nothing new
     */
    public record Changes(List<Finding> opened, List<Finding> resolved, int repeats) {
        public static final Changes NONE = new Changes(List.of(), List.of(), 0);

        public boolean any() {
            return !opened.isEmpty() || !resolved.isEmpty();
        }
    }

    /**
     * Records sightings, in order: a firing one opens its finding or, when it is firing already, updates when it was
     * last seen (and its title and detail); a resolved one resolves its firing finding. Replicas sharing the database
     * may record the same alert at once: exactly one of them opens it.
     */
    public Changes record(List<Sighting> sightings) {
        List<Long> opened = new ArrayList<>();
        List<Long> resolved = new ArrayList<>();
        int repeats = 0;
        for (int from = 0; from < sightings.size(); from += CHUNK) {
            List<Sighting> chunk = sightings.subList(from, Math.min(sightings.size(), from + CHUNK));
            Chunk done = write("record findings", tx -> recordChunk(tx, chunk));
            opened.addAll(done.opened());
            resolved.addAll(done.resolved());
            repeats += done.repeats();
        }
        return new Changes(byIds(opened), byIds(resolved), repeats);
    }

    private record Chunk(List<Long> opened, List<Long> resolved, int repeats) {
    }

    private Chunk recordChunk(Writer.Tx tx, List<Sighting> chunk) throws SQLException {
        long now = clock.millis();
        List<Long> opened = new ArrayList<>();
        List<Long> resolved = new ArrayList<>();
        int repeats = 0;
        for (Sighting s : chunk) {
            if (!s.firing()) {
                int closed = tx.update("UPDATE findings SET status = 'resolved', resolved_at = ?, last_seen = ?"
                                               + " WHERE fingerprint = ? AND status = 'firing'", now, now, s.fingerprint());
                if (closed > 0) {
                    resolved.add(tx.queryLong("SELECT max(id) FROM findings WHERE fingerprint = ? AND status ="
                                                      + " 'resolved' AND resolved_at = ?", s.fingerprint(), now)
                                         .orElseThrow());
                } else {
                    repeats++;
                }
                continue;
            }
            String title = dialect.encode(s.title());
            String detail = dialect.encode(s.detail());
            if (tx.update("UPDATE findings SET last_seen = ?, title = ?, detail = ? WHERE fingerprint = ?"
                                  + " AND status = 'firing'", now, title, detail, s.fingerprint()) > 0) {
                repeats++;
                continue;
            }
            // a replica that inserted it a moment ago wins: nothing comes back here, and it is a repeat
            OptionalLong id = tx.queryLong("INSERT INTO findings (fingerprint, source, title, severity, status,"
                                                   + " first_seen, last_seen, detail) VALUES (?, ?, ?, ?, 'firing', ?,"
                                                   + " ?, ?) ON CONFLICT DO NOTHING RETURNING id", s.fingerprint(),
                                           s.source(), title, s.severity().dbValue(), now, now, detail);
            if (id.isPresent()) {
                opened.add(id.getAsLong());
            } else {
                repeats++;
            }
        }
        return new Chunk(opened, resolved, repeats);
    }

    /**
     * Resolves the firing findings whose fingerprint starts with {@code prefix} and that nobody reported since
     * {@code before} (alerts from senders that never say "resolved").
     */
    public List<Finding> expire(String prefix, Instant before) {
        List<Finding> stale = rows("find stale findings", this::finding, SELECT + " WHERE f.status = 'firing'"
                + " AND f.fingerprint LIKE ? AND f.last_seen < ?", prefix + "%", before.toEpochMilli());
        if (stale.isEmpty()) {
            return List.of();
        }
        List<Sighting> resolutions = stale.stream().map(f -> new Sighting(f.fingerprint(), f.source(), f.title(),
                                                                           f.severity(), f.detail(), false)).toList();
        return record(resolutions).resolved();
    }

    /** One finding. */
    public Optional<Finding> get(long id) {
        return rows("read a finding", this::finding, SELECT + " WHERE f.id = ?", id).stream().findFirst();
    }

    /**
     * Findings, most recently seen first.
     *
     * @param firing only firing ones (true), only resolved ones (false), or all
     */
    public List<Finding> list(Optional<Boolean> firing, int limit) {
        return list(firing, Instant.EPOCH, limit);
    }

    /** The same, seen at or after {@code since}. */
    public List<Finding> list(Optional<Boolean> firing, Instant since, int limit) {
        String status = firing.map(f -> " AND f.status = '" + (f ? "firing" : "resolved") + "'").orElse("");
        return rows("list findings", this::finding, SELECT + " WHERE f.last_seen >= ?" + status
                + " ORDER BY f.last_seen DESC, f.id DESC LIMIT ?", since.toEpochMilli(), limit);
    }

    /**
     * Closes investigations still running that started before {@code before}: their process stopped during them (an
     * investigation is bounded by the agent loop's budget, minutes at most).
     */
    public int abandon(Instant before) {
        // read first: a start with nothing to close writes nothing (and opens no write connection)
        int running = rows("find abandoned investigations", row -> (int) longOf(row, "n"), "SELECT count(*) AS n FROM"
                + " investigations WHERE result = 'running' AND started_at < ?", before.toEpochMilli()).getFirst();
        if (running == 0) {
            return 0;
        }
        return write("close abandoned investigations", tx -> tx.update(
                "UPDATE investigations SET result = 'failed', finished_at = ?, answer = ?, summary = ? WHERE result ="
                        + " 'running' AND started_at < ?", clock.millis(), "HAIA stopped during this investigation.",
                "HAIA stopped during this investigation.", before.toEpochMilli()));
    }

    /** Findings resolved at or after {@code since}, most recent first. */
    public List<Finding> resolvedSince(Instant since, int limit) {
        return rows("list resolved findings", this::finding, SELECT + " WHERE f.status = 'resolved'"
                + " AND f.resolved_at >= ? ORDER BY f.resolved_at DESC LIMIT ?", since.toEpochMilli(), limit);
    }

    /** How many findings are firing, by source and severity. */
    public record Count(String source, Severity severity, long findings) {
    }

    public List<Count> firingCounts() {
        return rows("count findings", row -> new Count(row.column("source").get(String.class),
                                                      Severity.fromDb(row.column("severity").get(String.class)),
                                                      longOf(row, "n")),
                    "SELECT source, severity, count(*) AS n FROM findings WHERE status = 'firing' GROUP BY source,"
                            + " severity");
    }

    /** The fingerprints of the findings from {@code source} that are firing: what a check round may resolve. */
    public java.util.Set<String> firing(String source) {
        return java.util.Set.copyOf(rows("list firing findings", row -> row.column("fingerprint").get(String.class),
                                         "SELECT fingerprint FROM findings WHERE status = 'firing' AND source = ?",
                                         source));
    }

    /** Whether any finding ever came from {@code source} (has Alertmanager ever sent alerts?). */
    public boolean heardFrom(String source) {
        return !rows("look up a source", row -> 1, "SELECT id FROM findings WHERE source = ? LIMIT 1", source)
                .isEmpty();
    }

    // ---- investigations ----

    /** How an investigation ended. */
    public enum Result {
        RUNNING, ANSWERED, FAILED, LIMITED;

        public String dbValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Starts an investigation of {@code findings} (or records one that will not run, {@link Result#LIMITED}, with its
     * reason as the answer), linking them to it.
     *
     * @return its id
     */
    public long startInvestigation(List<Long> findings, Result result, Optional<String> answer) {
        return write("start an investigation", tx -> {
            long now = clock.millis();
            long id = tx.queryLong("INSERT INTO investigations (started_at, finished_at, result, answer, summary)"
                                           + " VALUES (?, ?, ?, ?, ?) RETURNING id", now,
                                   result == Result.RUNNING ? null : now, result.dbValue(),
                                   answer.map(dialect::encode).orElse(null),
                                   answer.map(FindingStore::firstLine).map(dialect::encode).orElse(null))
                    .orElseThrow();
            for (int from = 0; from < findings.size(); from += CHUNK) {
                List<Long> chunk = findings.subList(from, Math.min(findings.size(), from + CHUNK));
                Object[] params = new Object[chunk.size() + 1];
                params[0] = id;
                for (int i = 0; i < chunk.size(); i++) {
                    params[i + 1] = chunk.get(i);
                }
                tx.update("UPDATE findings SET investigation_id = ? WHERE id IN (" + marks(chunk.size()) + ")", params);
            }
            return id;
        });
    }

    /** The investigation's end: its answer (Markdown) and the conversation that holds the whole loop. */
    public void finishInvestigation(long id, Result result, String answer, OptionalLong conversationId) {
        write("finish an investigation", tx -> tx.update(
                "UPDATE investigations SET finished_at = ?, result = ?, answer = ?, summary = ?, conversation_id = ?"
                        + " WHERE id = ?", clock.millis(), result.dbValue(), dialect.encode(answer),
                dialect.encode(firstLine(answer)), conversationId.isPresent() ? conversationId.getAsLong() : null, id));
    }

    /** Investigations that ran (or run) since {@code since}: what the hourly limit counts. */
    public int investigationsSince(Instant since) {
        return rows("count investigations", row -> (int) longOf(row, "n"), "SELECT count(*) AS n FROM"
                + " investigations WHERE started_at >= ? AND result <> 'limited'", since.toEpochMilli()).getFirst();
    }

    /** An investigation's answer, once it has one. */
    public Optional<String> answer(long investigationId) {
        return rows("read an investigation", row -> Optional.ofNullable(text(row, "answer")),
                    "SELECT answer FROM investigations WHERE id = ?", investigationId).stream().findFirst()
                .flatMap(a -> a);
    }

    /**
     * When someone last chatted (a conversation's last update, investigations' own conversations left out): where
     * "since you last looked" starts after a restart.
     */
    public Optional<Instant> lastChat() {
        return rows("find the last chat", row -> Optional.ofNullable(row.column("t").get(Number.class)),
                    "SELECT max(updated_at) AS t FROM conversations WHERE kind <> 'keyed' OR external_key NOT LIKE ?",
                    CONVERSATION_PREFIX + "%").getFirst().map(t -> Instant.ofEpochMilli(t.longValue()));
    }

    /** The first non-empty line of an answer, cut to 200 characters: a finding's summary. */
    static String firstLine(String answer) {
        String line = answer.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        line = line.replaceFirst("^#+\\s*", "");
        return line.length() <= 200 ? line : line.substring(0, 199) + "…";
    }

    // ---- plumbing ----

    private List<Finding> byIds(List<Long> ids) {
        List<Finding> found = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += CHUNK) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
            found.addAll(rows("read findings", this::finding, SELECT + " WHERE f.id IN (" + marks(chunk.size())
                    + ") ORDER BY f.id", chunk.toArray()));
        }
        return found;
    }

    private Finding finding(DbRow row) {
        Number resolvedAt = row.column("resolved_at").get(Number.class);
        Number investigation = row.column("investigation_id").get(Number.class);
        String summary = row.column("summary").get(String.class);
        return new Finding(longOf(row, "id"), row.column("fingerprint").get(String.class),
                           row.column("source").get(String.class), text(row, "title"),
                           Severity.fromDb(row.column("severity").get(String.class)),
                           "firing".equals(row.column("status").get(String.class)),
                           Instant.ofEpochMilli(longOf(row, "first_seen")),
                           Instant.ofEpochMilli(longOf(row, "last_seen")),
                           Optional.ofNullable(resolvedAt).map(t -> Instant.ofEpochMilli(t.longValue())),
                           text(row, "detail"),
                           investigation == null ? OptionalLong.empty() : OptionalLong.of(investigation.longValue()),
                           Optional.ofNullable(summary).map(dialect::decode));
    }

    private static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** A query's rows, mapped; a failure is a {@link StoreException} saying what was being done. */
    private <T> List<T> rows(String what, Function<DbRow, T> map, String sql, Object... params) {
        return read(what, () -> {
            try (Stream<DbRow> rows = db.execute().query(sql, params)) {
                return rows.map(map).toList();
            }
        });
    }
}
