package haia.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/**
 * Versioned schema migrations, applied once each at start, in order, each in its own transaction and recorded in
 * {@code schema_version}. A migration is never edited after release; changes go into a new file.
 *
 * <p>Every version exists once per dialect, under the same name: {@code db/migration/sqlite/V2__x.sql} and
 * {@code db/migration/postgresql/V2__x.sql}, so both databases always have the same schema version.
 */
final class Migrations {

    /** Every migration, oldest first. File names are {@code V<version>__<description>.sql}, one per dialect folder. */
    static final List<String> FILES = List.of(
            "V1__conversations.sql",
            "V2__parts.sql",
            "V3__model_calls.sql",
            "V4__live_count.sql",
            "V5__estimated_usage.sql",
            "V6__findings.sql",
            "V7__responses.sql",
            "V8__recall.sql",
            "V9__owners.sql",
            "V10__reasoning_tokens.sql",
            "V11__search_index_in_batches.sql",
            "V12__one_index_of_a_conversations_messages.sql");

    /** The schema version a migration file brings the database to. */
    static int version(String file) {
        return Integer.parseInt(file.substring(1, file.indexOf("__")));
    }

    /** The newest schema version. */
    static int latest() {
        return FILES.stream().mapToInt(Migrations::version).max().orElseThrow();
    }

    private static final System.Logger LOG = System.getLogger(Migrations.class.getName());

    private Migrations() {
    }

    /**
     * Applies the dialect's pending migrations, under its migration lock (PostgreSQL: replicas starting together
     * on an empty database take turns; the second finds everything applied).
     */
    static void apply(Dialect dialect, DbClient db, Writer writer) {
        try (AutoCloseable lock = dialect.migrationLock(db)) {
            applyLocked(dialect, db, writer);
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw dialect.translate("apply database migrations", e instanceof RuntimeException r ? r
                    : new IllegalStateException(e.getMessage(), e));
        }
    }

    private static void applyLocked(Dialect dialect, DbClient db, Writer writer) {
        db.execute().dml("""
                CREATE TABLE IF NOT EXISTS schema_version (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT    NOT NULL,
                    applied_at BIGINT  NOT NULL
                )""");
        Set<Integer> applied = new HashSet<>();
        try (var rows = db.execute().query("SELECT version FROM schema_version")) {
            rows.forEach((DbRow row) -> applied.add(row.column("version").get(Number.class).intValue()));
        }
        for (String file : pending(FILES, applied)) {
            int version = version(file);
            String resource = "/db/migration/" + dialect.name() + "/" + file;
            try {
                writer.transaction(tx -> {
                    for (String statement : statements(read(resource))) {
                        tx.update(statement);
                    }
                    tx.update("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                              version, file, System.currentTimeMillis());
                    return null;
                });
                LOG.log(System.Logger.Level.INFO, "Applied database migration " + dialect.name() + "/" + file);
            } catch (SQLException | RuntimeException e) {
                throw new StoreException("Database migration " + dialect.name() + "/" + file + " failed: "
                                                 + e.getMessage(), false, e);
            }
        }
    }

    /**
     * The migrations a database still needs, in order: every one whose version it has not recorded. Versions are
     * taken by issues in flight and land in any order, so a version below the newest applied one (V6 landing after a
     * database got V7) is applied when it arrives; migrations that land out of order touch separate tables.
     */
    static List<String> pending(List<String> files, Set<Integer> applied) {
        return files.stream().filter(file -> !applied.contains(version(file))).toList();
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("migration " + resource + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration " + resource, e);
        }
    }

    /** Splits a migration into statements: drops {@code --} comments, splits on {@code ;} at line ends. */
    static List<String> statements(String sql) {
        StringBuilder cleaned = new StringBuilder();
        for (String line : sql.split("\n")) {
            int comment = line.indexOf("--");
            cleaned.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
        }
        return Arrays.stream(cleaned.toString().split(";\\s*\n"))
                .map(String::strip)
                .map(s -> s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
