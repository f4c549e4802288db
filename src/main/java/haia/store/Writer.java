package haia.store;

import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * The write path: short transactions of plain SQL. The store's write code is the same for every dialect; how a
 * transaction gets its connection is not (SQLite: one writer connection, one transaction at a time; PostgreSQL:
 * any pooled connection, transactions in parallel).
 */
interface Writer extends AutoCloseable {

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    <T> T transaction(Work<T> work) throws SQLException;

    /**
     * Runs {@code work} in one transaction that must not be lost to a passing outage (an answered exchange): where
     * the database is a server that can be unreachable for a moment, tried again while it is, within a bounded
     * time, and never applied twice. {@code beforeRetry} runs before each further try (renewing the conversation's
     * claim). By default, one try: a local file's failures (a full disk) do not pass in seconds.
     */
    default <T> T transactionRetried(Work<T> work, Runnable beforeRetry) throws SQLException {
        return transaction(work);
    }

    @Override
    void close();

    /**
     * Work done inside one write transaction. It may run more than once, each time in a fresh transaction after the
     * last one was rolled back (SQLite runs a group's works again one by one when one of them failed; PostgreSQL tries
     * an exchange again while the server is away), so it writes only through its {@link Tx}, and whatever else
     * follows from it (a cache told) happens after the transaction returns.
     */
    @FunctionalInterface
    interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    /** The statements a transaction can run. */
    interface Tx {
        /** Runs an INSERT, UPDATE or DELETE; returns the number of rows it changed. */
        int update(String sql, Object... params) throws SQLException;

        /** Runs a query whose first column of the first row is a number. */
        OptionalLong queryLong(String sql, Object... params) throws SQLException;
    }
}
