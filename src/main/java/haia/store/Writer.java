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

    @Override
    void close();

    /** Work done inside one write transaction. */
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
