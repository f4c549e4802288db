package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.dbclient.DbClient;

/**
 * The request path's reads on plain JDBC, each SQL prepared once per pooled connection and kept.
 *
 * <p>Why not DbClient here: for every row it builds the columns' metadata anew (a class looked up by name, the
 * type name and the label of each column) and it prepares the statement on every call. Profiled under
 * {@code bin/bench overhead}, that was two thirds of the window read's CPU, and the window read a quarter of the
 * request's (docs/performance.md). The rest of the store stays on DbClient: its reads are rare.
 *
 * <p>A connection is borrowed from the same pool for each read and given back at once. Its statements are kept
 * against the physical connection behind the pool's proxy (one borrower at a time uses it, so its statements are
 * never shared between threads), and dropped when the pool has closed that connection. A statement whose
 * execution failed is closed, so the next read prepares it afresh.
 */
final class PreparedReads {

    /** Binds a statement's parameters. */
    @FunctionalInterface
    interface Params {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Reads the rows (the result set is closed afterwards). */
    @FunctionalInterface
    interface Rows<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private final DbClient db;
    private final ReentrantLock lock = new ReentrantLock();
    /** Per physical connection, its prepared statements by SQL. */
    private final Map<Connection, Map<String, PreparedStatement>> statements = new IdentityHashMap<>();

    PreparedReads(DbClient db) {
        this.db = db;
    }

    /** Runs one query (a SQLException comes out as an unchecked exception the dialect translates). */
    <T> T query(String sql, Params params, Rows<T> reader) {
        try (Connection pooled = db.unwrap(Connection.class)) {
            Connection physical = pooled.unwrap(Connection.class);
            PreparedStatement statement = statement(physical, sql);
            try {
                statement.clearParameters();
                params.bind(statement);
                try (ResultSet rows = statement.executeQuery()) {
                    return reader.read(rows);
                }
            } catch (SQLException | RuntimeException e) {
                forget(physical, sql, statement);
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** How many connections' statements are kept (for tests: the pool's retired ones are let go). */
    int connections() {
        lock.lock();
        try {
            return statements.size();
        } finally {
            lock.unlock();
        }
    }

    private PreparedStatement statement(Connection physical, String sql) throws SQLException {
        Map<String, PreparedStatement> mine;
        lock.lock();
        try {
            mine = statements.get(physical);
            if (mine == null) {
                // a connection not seen before: the pool may have closed others since (their lifetime ended)
                statements.keySet().removeIf(PreparedReads::closed);
                mine = new HashMap<>();
                statements.put(physical, mine);
            }
        } finally {
            lock.unlock();
        }
        // only the borrower of this connection touches its map from here on
        PreparedStatement statement = mine.get(sql);
        if (statement == null) {
            statement = physical.prepareStatement(sql);
            mine.put(sql, statement);
        }
        return statement;
    }

    private void forget(Connection physical, String sql, PreparedStatement statement) {
        lock.lock();
        try {
            Map<String, PreparedStatement> mine = statements.get(physical);
            if (mine != null) {
                mine.remove(sql);
            }
        } finally {
            lock.unlock();
        }
        try {
            statement.close();
        } catch (SQLException ignored) {
            // dropped anyway
        }
    }

    private static boolean closed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
