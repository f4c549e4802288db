package haia.store;

import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

import io.helidon.dbclient.DbClient;

/**
 * The one database every part of the store works on: its {@link Dialect}, its pool ({@link DbClient}), its one
 * {@link Writer}, the clock that dates rows, and whether writes currently fail. Reads and writes go through here, so
 * a failure is always a {@link StoreException} saying what was being done, and {@code /health} sees every write.
 */
final class Database {

    final Dialect dialect;
    final DbClient db;
    final Writer writer;
    final Clock clock;
    /** The newest messages of the conversations in use, where this store is the database's only writer. */
    final WindowCache windows;
    /** Who copies the write-ahead log into the database file, told of each write (SQLite: off the writer's path). */
    final Checkpoints checkpoints;
    /** Why the last write failed, while no write has succeeded since (for {@code /health}). */
    private volatile Optional<String> writeProblem = Optional.empty();

    Database(Dialect dialect, DbClient db, Writer writer, Clock clock) {
        this.dialect = dialect;
        this.db = db;
        this.writer = writer;
        this.clock = clock;
        this.windows = dialect.soleWriter() ? WindowCache.soleWriter() : WindowCache.none();
        this.checkpoints = dialect.checkpoints();
    }

    Optional<String> writeProblem() {
        return writeProblem;
    }

    <T> T read(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw dialect.translate(what, e);
        }
    }

    <T> T write(String what, Writer.Work<T> work) {
        return write(what, writer::transaction, work);
    }

    /** How a write transaction is run: once, or retried through an outage. */
    @FunctionalInterface
    interface Transaction<T> {
        T run(Writer.Work<T> work) throws SQLException;
    }

    <T> T write(String what, Transaction<T> transaction, Writer.Work<T> work) {
        try {
            T result = translated(what, transaction, work);
            writeProblem = Optional.empty();
            checkpoints.written();
            return result;
        } catch (StoreException failure) {
            if (failure.unavailable()) {
                writeProblem = Optional.of(failure.getMessage());
            }
            throw failure;
        }
    }

    /**
     * Upkeep, not a write anyone asked for (the search index's batches): its failure says what was being done, as
     * any write's, but it neither sets nor clears {@code /health}'s write problem (the exchanges' writes say how
     * writing goes), so an empty batch cannot turn it green on a full disk.
     */
    <T> T upkeep(String what, Writer.Work<T> work) {
        return translated(what, writer::transaction, work);
    }

    private <T> T translated(String what, Transaction<T> transaction, Writer.Work<T> work) {
        try {
            return transaction.run(work);
        } catch (SQLException e) {
            throw dialect.translate(what, new IllegalStateException(e.getMessage(), e));
        } catch (RuntimeException e) {
            throw dialect.translate(what, e);
        }
    }
}
