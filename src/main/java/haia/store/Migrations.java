package haia.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/**
 * Versioned schema migrations, applied once each at start, in order, each in its own transaction and recorded in
 * {@code schema_version}. A migration is never edited after release; changes go into a new file.
 */
final class Migrations {

    /** Every migration, oldest first. File names are {@code V<version>__<description>.sql}. */
    private static final List<String> FILES = List.of(
            "V1__conversations.sql");

    private static final System.Logger LOG = System.getLogger(Migrations.class.getName());

    private Migrations() {
    }

    static void apply(DbClient db) {
        db.execute().dml("""
                CREATE TABLE IF NOT EXISTS schema_version (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT    NOT NULL,
                    applied_at INTEGER NOT NULL
                )""");
        Set<Integer> applied = new HashSet<>();
        try (var rows = db.execute().query("SELECT version FROM schema_version")) {
            rows.forEach((DbRow row) -> applied.add(row.column("version").get(Number.class).intValue()));
        }
        for (String file : FILES) {
            int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
            if (applied.contains(version)) {
                continue;
            }
            DbTransaction tx = db.transaction();
            try {
                for (String statement : statements(read(file))) {
                    tx.dml(statement);
                }
                tx.insert("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                          version, file, System.currentTimeMillis());
                tx.commit();
                LOG.log(System.Logger.Level.INFO, "Applied database migration " + file);
            } catch (RuntimeException e) {
                tx.rollback();
                throw new StoreException("Database migration " + file + " failed: " + e.getMessage(), false, e);
            }
        }
    }

    private static String read(String file) {
        try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + file)) {
            if (in == null) {
                throw new IllegalStateException("migration " + file + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration " + file, e);
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
