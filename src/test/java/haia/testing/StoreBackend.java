package haia.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

import haia.config.HaiaConfig;

/** The databases HAIA runs on, for tests that run once on each: a SQLite file, or the shared PostgreSQL server. */
public enum StoreBackend {
    SQLITE,
    POSTGRESQL;

    /** A fresh, empty database: its store configuration, and a way in around HAIA for checks. */
    public record Fresh(HaiaConfig.Store config, Raw raw) {
    }

    /** A plain JDBC connection to the same database. */
    @FunctionalInterface
    public interface Raw {
        Connection connect() throws SQLException;
    }

    /** A new file under {@code dir}, or a new database on the test server. */
    public Fresh fresh(Path dir) {
        return switch (this) {
            case SQLITE -> {
                Path file = dir.resolve("nested/folder/haia.db");
                yield new Fresh(new HaiaConfig.Store(file, OptionalLong.empty()),
                                () -> DriverManager.getConnection("jdbc:sqlite:" + file));
            }
            case POSTGRESQL -> {
                PostgresServer.Database database = PostgresServer.shared().newDatabase();
                yield new Fresh(database.store(HaiaConfig.Store.Pool.DEFAULT), database::connect);
            }
        };
    }

    /** Environment for a HAIA server on a fresh, empty database ({@code dir} holds the SQLite file). */
    public Map<String, String> env(Path dir) {
        Map<String, String> env = new HashMap<>();
        switch (this) {
            case SQLITE -> env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
            case POSTGRESQL -> env.putAll(PostgresServer.shared().newDatabase().env());
        }
        return env;
    }
}
