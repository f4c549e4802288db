package haia.store;

import java.sql.SQLException;
import java.time.Duration;

/**
 * SQLite's full-text index brought up to date in batches (migration V11): an exchange stores its messages without
 * indexing them, and an indexer thread adds the messages stored since its last batch {@link #DELAY} after the first of
 * them, a few hundred per transaction. FTS5 writes a segment of its own per transaction, so indexing inside every
 * exchange cost about a third of SQLite's work per exchange; one batch writes one segment for hundreds.
 *
 * <p>Nothing is found later than before: {@link #catchUp()} runs before every search, so a search sees every message
 * stored until then. {@code search_indexed.through} says how far the index goes; it moves in the transaction that
 * indexes, so a crash leaves the index and its mark in step, and the next start indexes the rest.
 *
 * <p>PostgreSQL's search column is computed with its row ({@link #none()}: nothing to do).
 */
abstract sealed class SearchIndex implements AutoCloseable {

    /** How long the indexer gathers stored messages before it indexes them. */
    static final Duration DELAY = Duration.ofMillis(250);

    /**
     * The most messages one indexing transaction takes: an exchange waiting for the writer waits for at most one
     * batch (a few milliseconds), where one transaction for a second's messages under load would hold it for tens.
     */
    static final int BATCH = 256;

    /** A database whose index keeps itself in step (PostgreSQL). */
    static SearchIndex none() {
        return new InStep();
    }

    /** SQLite's, with its indexer thread started (a first batch scheduled: a crash may have left messages behind). */
    static SearchIndex inBatches(Database database) {
        return new InBatches(database);
    }

    /** Messages were committed: index them soon. Cheap: called by every exchange. */
    abstract void stored();

    /** Indexes every message committed so far: a search that follows finds all of them. */
    abstract void catchUp();

    /** Stops the indexer, after indexing what is left (a failure is logged: the next start indexes it). */
    @Override
    public abstract void close();

    private static final class InStep extends SearchIndex {
        @Override
        void stored() {
        }

        @Override
        void catchUp() {
        }

        @Override
        public void close() {
        }
    }

    private static final class InBatches extends SearchIndex {

        private static final System.Logger LOG = System.getLogger(SearchIndex.class.getName());

        private final Database database;
        private final Upkeep indexer;
        /** A failure was logged and no batch has succeeded since: the next failures are not (each exchange wakes it). */
        private boolean failing;

        InBatches(Database database) {
            this.database = database;
            this.indexer = new Upkeep("haia-search-index", DELAY, true, this::indexInBackground).start();
        }

        @Override
        void stored() {
            indexer.due();
        }

        private void indexInBackground() {
            try {
                indexUpTo(newest(), true);
                failing = false;
            } catch (RuntimeException e) {
                if (!failing) {
                    LOG.log(System.Logger.Level.WARNING, "Search index not brought up to date (tried again "
                            + "after the next stored message): " + e.getMessage());
                }
                failing = true;
            }
        }

        @Override
        void catchUp() {
            indexUpTo(newest(), false);
        }

        /** The newest stored message and the index's mark, read without the writer. */
        private Mark newest() {
            return database.read("read the search index's mark", () -> database.db.execute().get(
                            "SELECT coalesce((SELECT max(id) FROM messages), 0) AS newest,"
                                    + " (SELECT through FROM search_indexed WHERE id = 1) AS through")
                    .map(row -> new Mark(StorePart.longOf(row, "newest"), StorePart.longOf(row, "through")))
                    .orElseThrow());
        }

        private record Mark(long newest, long through) {
        }

        /**
         * Indexes batches until the mark reaches {@code mark.newest()}: bounded, however fast exchanges store more.
         * Nothing to index writes nothing, so a search on a database that cannot be written (a read-only volume)
         * still runs. The background indexer stops between batches once the store closes.
         */
        private void indexUpTo(Mark mark, boolean background) {
            long through = mark.through();
            while (through < mark.newest() && !(background && indexer.closed())) {
                through = database.upkeep("bring the search index up to date", tx -> indexBatch(tx, mark.newest()));
            }
        }

        /**
         * Indexes up to {@value #BATCH} messages past the mark, up to {@code newest}, and moves the mark past them
         * (to {@code newest} when none are left below it: deleted since); returns the mark.
         */
        private static long indexBatch(Writer.Tx tx, long newest) throws SQLException {
            long through = tx.queryLong("SELECT through FROM search_indexed WHERE id = 1").orElseThrow();
            if (through >= newest) {
                return through;
            }
            // max() of no rows is NULL, which reads as 0: nothing left up to newest
            long upTo = tx.queryLong("SELECT max(id) FROM (SELECT id FROM messages WHERE id > ? AND id <= ?"
                                             + " ORDER BY id LIMIT " + BATCH + ")", through, newest).orElse(0);
            if (upTo <= through) {
                upTo = newest;   // a message stored later under one of these ids is indexed by its insert's trigger
            } else {
                tx.update("INSERT INTO messages_fts (rowid, content) SELECT id, content FROM messages"
                                  + " WHERE id > ? AND id <= ?", through, upTo);
            }
            tx.update("UPDATE search_indexed SET through = ? WHERE id = 1", upTo);
            return upTo;
        }

        @Override
        public void close() {
            indexer.close();   // it stops after its batch: no write once the writer is closed
            try {
                catchUp();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Search index not brought up to date at shutdown (done at the "
                        + "next start): " + e.getMessage());
            }
        }
    }
}
