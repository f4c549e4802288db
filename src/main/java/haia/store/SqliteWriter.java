package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * SQLite's single writer: one connection of its own, outside DbClient's pool, that performs every write in an
 * explicit {@code BEGIN IMMEDIATE ... COMMIT}, one transaction at a time, with its prepared statements cached.
 *
 * <p>After a failed write the connection is closed, for real, and the next write opens a fresh one. A database
 * that was read-only (a read-only volume, a full or failing disk) when SQLite opened its file keeps that handle
 * read-only for good: only a fresh connection sees that the volume is writable again, so HAIA recovers by itself.
 * (A pooled connection would go back to the pool, still read-only, which is why the writer has its own.)
 *
 * <p>Why not DbClient's transactions: sqlite-jdbc's {@code commit()} and {@code rollback()} immediately issue a new
 * {@code BEGIN}, and when SQLite has already rolled a transaction back by itself (disk full, I/O error), the
 * failed {@code rollback()} leaves the driver believing a transaction is open. The pooled connection then goes back
 * to the pool in that state, and its next user either fails or, worse, writes without a transaction. Here the
 * connection stays in auto-commit mode and the transaction boundaries are plain SQL, so a failure always ends in a
 * known state: whatever SQLite rolled back is gone, and a {@code ROLLBACK} that finds nothing to roll back is fine.
 */
final class SqliteWriter implements Writer, Writer.Tx {

    private final Supplier<Connection> connections;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private Connection connection;

    SqliteWriter(Supplier<Connection> connections) {
        this.connections = connections;
    }

    @Override
    public <T> T transaction(Work<T> work) throws SQLException {
        lock.lock();
        try {
            Connection c = connection();
            try (Statement begin = c.createStatement()) {
                begin.execute("BEGIN IMMEDIATE");
            }
            try {
                T result = work.run(this);
                try (Statement commit = c.createStatement()) {
                    commit.execute("COMMIT");
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                closeStatements();   // a statement that failed mid-step is not reused: prepare afresh next time
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            close();   // the next write starts on a fresh connection (see the class comment)
            throw e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int update(String sql, Object... params) throws SQLException {
        PreparedStatement statement = prepared(sql);
        bind(statement, params);
        return statement.executeUpdate();
    }

    @Override
    public OptionalLong queryLong(String sql, Object... params) throws SQLException {
        PreparedStatement statement = prepared(sql);
        bind(statement, params);
        try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
        }
    }

    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return statement;
    }

    private static void bind(PreparedStatement statement, Object... params) throws SQLException {
        statement.clearParameters();
        for (int i = 0; i < params.length; i++) {
            statement.setObject(i + 1, params[i]);
        }
    }

    private Connection connection() {
        if (connection == null) {
            connection = connections.get();
        }
        return connection;
    }

    private static void rollback(Connection c, Exception cause) {
        try (Statement rollback = c.createStatement()) {
            rollback.execute("ROLLBACK");
        } catch (SQLException alreadyRolledBack) {
            // SQLite ends the transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR): nothing left to undo
            cause.addSuppressed(alreadyRolledBack);
        }
    }

    private void closeStatements() {
        statements.values().forEach(statement -> {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        });
        statements.clear();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closeStatements();
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
                connection = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
