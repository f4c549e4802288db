package haia.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import haia.config.HaiaConfig;

import io.helidon.dbclient.DbClient;

import com.zaxxer.hikari.HikariPoolMXBean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The request path's prepared reads ({@link PreparedReads}) on a real SQLite file and its real pool: statements kept per
 * connection stay correct when the data and the schema change, a failed statement is prepared afresh, and
 * connections the pool has retired are let go.
 */
class PreparedReadsTest {

    private static final HaiaConfig.Store.Pool POOL = new HaiaConfig.Store.Pool(3, Duration.ofMillis(300),
                                                                                Duration.ofSeconds(30),
                                                                                Duration.ofSeconds(30));
    @TempDir
    Path dir;

    private static void sql(DbClient db, String sql) throws Exception {
        try (Connection c = db.unwrap(Connection.class); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<String> names(PreparedReads reads, long above) {
        return reads.query("SELECT name FROM t WHERE id > ? ORDER BY id", s -> s.setLong(1, above), rows -> {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            return names;
        });
    }

    @Test
    void keptStatementsFollowTheDataTheSchemaAFailureAndTheRetiredConnections() throws Exception {
        SqliteDialect dialect = new SqliteDialect(dir.resolve("haia.db"), OptionalLong.empty(), POOL);
        DbClient db = dialect.connect();
        try {
            sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
            sql(db, "INSERT INTO t (name) VALUES ('pve1'), ('pve2')");
            PreparedReads reads = new PreparedReads(db);
            assertEquals(List.of("pve1", "pve2"), names(reads, 0));
            sql(db, "INSERT INTO t (name) VALUES ('pve3')");
            assertEquals(List.of("pve2", "pve3"), names(reads, 1), "a kept statement reads what was written since");

            sql(db, "DROP TABLE t");
            IllegalStateException gone = assertThrows(IllegalStateException.class, () -> names(reads, 0));
            assertEquals(true, gone.getMessage().contains("no such table"), gone.getMessage());
            sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, name TEXT)");
            sql(db, "INSERT INTO t (label, name) VALUES ('a', 'ceph1')");
            assertEquals(List.of("ceph1"), names(reads, 0), "the failed statement was prepared afresh");

            int held = reads.connections();
            HikariPoolMXBean pool = HikariPool.running(dialect.poolName()).orElseThrow().getHikariPoolMXBean();
            for (int round = 0; round < 3; round++) {
                pool.softEvictConnections();   // the pool closes its connections and opens new ones
                assertEquals(List.of("ceph1"), names(reads, 0));
            }
            assertEquals(true, reads.connections() <= held + 1,
                         "statements of retired connections are let go: " + reads.connections() + " kept");
        } finally {
            db.close();
        }
    }
}
