package haia.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * SQLite's WAL checkpoints, off the writer's path: a thread with a connection of its own copies the log's pages into
 * the database file ({@code PRAGMA wal_checkpoint(PASSIVE)}, which waits for no reader or writer) {@link #EVERY} after
 * writes, while the writer goes on committing. Left to itself, SQLite checkpoints inside the commit that takes the log
 * past 1,000 pages, with the writer's lock held: every exchange queued behind it waited for the copy and two
 * {@code fsync}s (a checkpoint 8 times as large doubled p99 at concurrency 16). The writer still checkpoints itself
 * past {@value #WRITER_PAGES} pages ({@code wal_autocheckpoint}), so the log stays bounded when this one falls behind,
 * and only the writer, between transactions, can start the log over.
 *
 * <p>Only for SQLite ({@link #none()} elsewhere: PostgreSQL checkpoints itself).
 */
abstract sealed class Checkpoints implements AutoCloseable {

    /** How long after a write the log is checkpointed (and how often, while writes go on). */
    static final Duration EVERY = Duration.ofMillis(50);

    /** The log's size in pages past which the writer checkpoints in its own commit, as SQLite would by itself. */
    static final int WRITER_PAGES = 4_000;

    static Checkpoints none() {
        return new None();
    }

    /** A checkpointer on a connection of its own (opened on the first write after start). */
    static Checkpoints background(Supplier<Connection> connections) {
        return new Background(connections);
    }

    /** A write was committed: checkpoint soon. Cheap: called by every exchange. */
    abstract void written();

    @Override
    public abstract void close();

    private static final class None extends Checkpoints {
        @Override
        void written() {
        }

        @Override
        public void close() {
        }
    }

    private static final class Background extends Checkpoints {

        private static final System.Logger LOG = System.getLogger(Checkpoints.class.getName());

        private final Supplier<Connection> connections;
        private final Upkeep checkpointer;
        private Connection connection;
        private boolean failing;

        Background(Supplier<Connection> connections) {
            this.connections = connections;
            this.checkpointer = new Upkeep("haia-wal-checkpoint", EVERY, false, this::checkpoint).start();
        }

        @Override
        void written() {
            checkpointer.due();
        }

        private void checkpoint() {
            try {
                if (connection == null) {
                    connection = connections.get();
                }
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
                }
                failing = false;
            } catch (SQLException | RuntimeException e) {
                // a full or read-only disk: the writer's own checkpoints and the next write try again
                if (!failing) {
                    LOG.log(System.Logger.Level.WARNING, "WAL checkpoint failed (tried again after the next write): "
                            + e.getMessage());
                }
                failing = true;
                closeConnection();   // a fresh connection next time, as the writer does
            }
        }

        private void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
                connection = null;
            }
        }

        @Override
        public void close() {
            checkpointer.close();
            closeConnection();
        }
    }
}
