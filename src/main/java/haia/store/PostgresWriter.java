package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * PostgreSQL's write path: each transaction borrows a connection from the pool for its few statements and gives it
 * back at once, so writes to different conversations run in parallel and nothing is held between transactions.
 * A connection that broke (the server restarted) is dropped by the pool, which opens a fresh one next time.
 *
 * <p>An answered exchange's write is retried ({@link #transactionRetried}) while the server cannot be reached (it
 * hangs, restarts, is unreachable for a moment), with backoff, for up to {@code retryFor} (the lease's time: the
 * conversation stays this replica's that long). A write whose {@code COMMIT} got no answer may have landed: its
 * transaction's id, taken at its start, is looked up ({@code txid_status}) before anything is written again, so an
 * exchange is never stored twice.
 *
 * <p>Statements are prepared per transaction: the driver keeps server-side prepared statements per connection,
 * keyed by their SQL, so a repeated statement is not parsed again.
 */
final class PostgresWriter implements Writer {

    private static final System.Logger LOG = System.getLogger(PostgresWriter.class.getName());
    private static final long FIRST_PAUSE_MILLIS = 50;
    private static final long MAX_PAUSE_MILLIS = 1000;

    private final Supplier<Connection> connections;
    private final Duration retryFor;

    PostgresWriter(Supplier<Connection> connections, Duration retryFor) {
        this.connections = connections;
        this.retryFor = retryFor;
    }

    @Override
    public <T> T transaction(Work<T> work) throws SQLException {
        return attempt(work, false).result();
    }

    /** A transaction's result, and its id when it was asked for (to look it up after a lost answer). */
    private record Attempt<T>(T result, long txid) {
    }

    /** A {@code COMMIT} that got no answer: the transaction may have landed. */
    private static final class InDoubt extends SQLException {
        final Attempt<?> attempt;

        InDoubt(Attempt<?> attempt, SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause);
            this.attempt = attempt;
        }
    }

    private <T> Attempt<T> attempt(Work<T> work, boolean withId) throws SQLException {
        try (Connection connection = connections.get()) {
            connection.setAutoCommit(false);
            Attempt<T> done;
            try {
                long txid = withId ? txid(connection) : 0;
                done = new Attempt<>(work.run(new Statements(connection)), txid);
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException broken) {
                    // the connection is gone; the server rolls the transaction back on its own
                    e.addSuppressed(broken);
                }
                throw e;
            }
            try {
                connection.commit();
            } catch (SQLException e) {
                throw withId && PostgresDialect.connectionLost(e) ? new InDoubt(done, e) : e;
            }
            return done;
            // the pool restores auto-commit when the connection comes back
        }
    }

    @Override
    public <T> T transactionRetried(Work<T> work, Runnable beforeRetry) throws SQLException {
        long start = System.nanoTime();
        long deadline = start + retryFor.toNanos();
        long pause = FIRST_PAUSE_MILLIS;
        Attempt<?> inDoubt = null;
        for (int tries = 1; ; tries++) {
            try {
                if (inDoubt != null) {
                    Optional<Boolean> committed = committed(inDoubt.txid());
                    if (committed.isEmpty()) {
                        throw new SQLException("the earlier try is still in progress", "08000");
                    }
                    if (committed.get()) {
                        @SuppressWarnings("unchecked") T result = (T) inDoubt.result();
                        settled(tries, start, "its earlier try had been committed");
                        return result;
                    }
                    inDoubt = null;   // rolled back: written again below
                }
                if (tries > 1) {
                    beforeRetry.run();
                }
                T result = attempt(work, true).result();
                if (tries > 1) {
                    settled(tries, start, "written");
                }
                return result;
            } catch (InDoubt e) {
                inDoubt = e.attempt;
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
            } catch (SQLException | RuntimeException e) {
                if (!PostgresDialect.connectionLost(e) || System.nanoTime() >= deadline) {
                    throw e;
                }
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                Thread.sleep(Math.max(1, Math.min(pause, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for the database to come back", "08000", e);
            }
            pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
        }
    }

    private static void settled(int tries, long start, String how) {
        LOG.log(System.Logger.Level.INFO, "An exchange's write succeeded (" + how + ") after " + tries + " tries over "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms while the PostgreSQL server could"
                + " not be reached");
    }

    private static long txid(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT txid_current()");
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Whether a transaction committed: true, false (rolled back, or unknown to the server), empty while running. */
    private Optional<Boolean> committed(long txid) throws SQLException {
        try (Connection connection = connections.get();
             PreparedStatement statement = connection.prepareStatement("SELECT txid_status(?)")) {
            statement.setLong(1, txid);
            try (ResultSet rows = statement.executeQuery()) {
                String status = rows.next() ? rows.getString(1) : null;
                return "in progress".equals(status) ? Optional.empty() : Optional.of("committed".equals(status));
            }
        }
    }

    @Override
    public void close() {
        // nothing held: connections belong to the pool
    }

    private record Statements(Connection connection) implements Tx {

        @Override
        public int update(String sql, Object... params) throws SQLException {
            try (PreparedStatement statement = prepare(sql, params)) {
                return statement.executeUpdate();
            }
        }

        @Override
        public OptionalLong queryLong(String sql, Object... params) throws SQLException {
            try (PreparedStatement statement = prepare(sql, params); ResultSet rows = statement.executeQuery()) {
                return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
            }
        }

        private PreparedStatement prepare(String sql, Object... params) throws SQLException {
            PreparedStatement statement = connection.prepareStatement(sql);
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement;
        }
    }
}
