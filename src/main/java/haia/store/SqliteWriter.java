package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * SQLite's single writer: one connection of its own, outside DbClient's pool, that performs every write in an
 * explicit {@code BEGIN IMMEDIATE ... COMMIT}, one transaction at a time, with its prepared statements cached.
 * Writes that queue while one is committed share the next transaction (a group commit: {@link #commitQueued()}).
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
    private final Queue<Pending<?>> queue = new ConcurrentLinkedQueue<>();
    private Connection connection;
    /** Transactions committed (guarded by the lock; for tests: groups are fewer than their works). */
    private long transactions;

    /** The most exchanges one transaction takes, so a transaction stays short when many wait. */
    static final int MAX_GROUP = 32;

    /** A work waiting for its transaction, and how it came out (written by the writer holding the lock). */
    private static final class Pending<T> {
        private final Work<T> work;
        private T result;
        private Exception failure;
        /** Committed or failed: read by its own thread after taking the lock, so no further fence is needed. */
        boolean done;

        Pending(Work<T> work) {
            this.work = work;
        }

        void run(Writer.Tx tx) throws SQLException {
            result = work.run(tx);
        }

        void commit() {
            done = true;
        }

        /** The group's transaction failed: whatever this work wrote is gone with it (no-op once it is done). */
        void failAll(Exception e) {
            if (done) {
                return;
            }
            if (failure == null) {
                failure = e;
            }
            done = true;
        }

        T result() throws SQLException {
            return switch (failure) {
                case null -> result;
                case SQLException sql -> throw sql;
                case RuntimeException runtime -> throw runtime;
                default -> throw new IllegalStateException(failure);
            };
        }
    }

    SqliteWriter(Supplier<Connection> connections) {
        this.connections = connections;
    }

    @Override
    public <T> T transaction(Work<T> work) throws SQLException {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("a write transaction inside another one");
        }
        Pending<T> mine = new Pending<>(work);
        queue.add(mine);
        lock.lock();
        try {
            while (!mine.done) {
                // mine among the queued (or in a later group of them); the writers that queued meanwhile find theirs
                // done when they get the lock
                if (!commitQueued()) {
                    throw new IllegalStateException("a queued write transaction was lost");
                }
            }
        } finally {
            lock.unlock();
        }
        return mine.result();
    }

    /**
     * One transaction for the work queued now (at most {@value #MAX_GROUP}): when several exchanges wait for the
     * file, they share one {@code BEGIN ... COMMIT} and one write of the log, where the lock used to pass them through
     * one by one. When a work of a group fails, the whole transaction is undone and each work of the group is run
     * again in a transaction of its own, so only the failing one fails (a work may run more than once, as
     * {@link Writer.Work} allows); a failed commit fails the whole group. Not a savepoint per work: SQLite copies
     * every page a savepoint changes into its statement journal, about a fifth of an exchange's write, for failures
     * that hardly happen.
     */
    private boolean commitQueued() {
        List<Pending<?>> group = new ArrayList<>();
        for (Pending<?> next; group.size() < MAX_GROUP && (next = queue.poll()) != null; ) {
            group.add(next);
        }
        if (group.isEmpty()) {
            return false;
        }
        try {
            Optional<Exception> failed = commit(group);
            if (failed.isPresent()) {
                close();   // the next write starts on a fresh connection (see the class comment)
                if (group.size() == 1) {
                    group.getFirst().failAll(failed.get());
                } else {
                    group.forEach(this::commitAlone);
                }
            }
        } catch (SQLException | RuntimeException e) {
            close();   // the next write starts on a fresh connection (see the class comment)
            group.forEach(pending -> pending.failAll(e));
        } catch (Error e) {
            // thrown by a work (out of memory): its group fails with it, so no writer waits for a result that never
            // comes
            close();
            IllegalStateException failed = new IllegalStateException("the write transaction failed: " + e, e);
            group.forEach(pending -> pending.failAll(failed));
            throw e;
        }
        return true;
    }

    /**
     * A work of a group that failed, in a transaction of its own: its failure is its alone, an Error too (the works
     * before it are committed, so their callers must not see it).
     */
    private void commitAlone(Pending<?> pending) {
        try {
            commit(List.of(pending)).ifPresent(failure -> {
                close();
                pending.failAll(failure);
            });
        } catch (SQLException | RuntimeException e) {
            close();
            pending.failAll(e);
        } catch (Error e) {
            close();
            pending.failAll(new IllegalStateException("the write transaction failed: " + e, e));
        }
    }

    /**
     * Runs the works in one transaction and commits it.
     *
     * @return what a work threw, after the transaction was rolled back; empty when all of them were committed
     * @throws SQLException when the transaction could not begin or commit (rolled back: all of them failed)
     */
    private Optional<Exception> commit(List<Pending<?>> group) throws SQLException {
        Connection c = connection();
        try {
            prepared("BEGIN IMMEDIATE").execute();
        } catch (SQLException | RuntimeException e) {
            closeStatements();
            throw e;
        }
        try {
            for (Pending<?> pending : group) {
                pending.run(this);
            }
        } catch (SQLException | RuntimeException e) {
            rollback(c, e);
            closeStatements();   // a statement that failed mid-step is not reused: prepare afresh next time
            return Optional.of(e);
        }
        try {
            prepared("COMMIT").execute();
        } catch (SQLException | RuntimeException e) {
            rollback(c, e);
            closeStatements();
            throw e;
        }
        transactions++;
        group.forEach(Pending::commit);
        return Optional.empty();
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

    long transactions() {
        lock.lock();
        try {
            return transactions;
        } finally {
            lock.unlock();
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
