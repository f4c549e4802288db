package haia.store;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Claims on conversations that hold across HAIA processes sharing one database, so that requests on the same
 * conversation through different replicas run one after another, each seeing the exchange before it. A claim is
 * taken and given back in short statements of their own: no connection is held while the model answers.
 */
public interface ConversationLeases extends AutoCloseable {

    /** A held claim; closing gives it back. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** For a database only one process uses (SQLite): claims are always granted at once, and cost nothing. */
    ConversationLeases NONE = new ConversationLeases() {
        @Override
        public Optional<Lease> acquire(ConversationIdentity identity, Duration timeout, BooleanSupplier stop) {
            return Optional.of(() -> { });
        }

        @Override
        public void close() {
        }
    };

    /**
     * Claims the conversation, waiting up to {@code timeout} while another replica holds it, and only while
     * {@code stop} says false (the request's client is still there). The caller already serializes the
     * conversation inside its own process.
     *
     * @return the claim, or empty when the timeout passed or {@code stop} said so first
     * @throws StoreException when the database cannot be used
     */
    Optional<Lease> acquire(ConversationIdentity identity, Duration timeout, BooleanSupplier stop);

    /**
     * Extends every claim this process holds now, as the heartbeat does (before a write that waited for the
     * database to come back: the claims must outlast it). Best effort: a failure is the heartbeat's to report.
     */
    default void renew() {
    }

    @Override
    void close();
}
