package haia.chat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import haia.llm.Cancellation;
import haia.llm.ErrorCategory;
import haia.llm.LlmException;
import haia.store.ConversationIdentity;
import haia.store.ConversationLeases;

/**
 * Serializes requests on the same conversation, so concurrent requests are stored whole and in order and each
 * sees the previous exchange in its window; requests on different conversations run in parallel. Locks exist only
 * while someone holds or waits for them.
 *
 * <p>Two levels: a fair lock inside this process, then the store's lease on the conversation, which holds across
 * replicas sharing one database (and costs nothing where there is one process, as with SQLite). Requests of one
 * replica queue in-process, so only one of them at a time waits for the lease.
 */
final class ConversationLocks {

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock(true);
        int users;
    }

    private final ConcurrentHashMap<ConversationIdentity, Entry> locks = new ConcurrentHashMap<>();
    private final ConversationLeases leases;

    ConversationLocks(ConversationLeases leases) {
        this.leases = leases;
    }

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits for the conversation's lock and lease, at most {@code timeout} in all, and no longer than
     * {@code cancellation} allows.
     *
     * @return the held lock, or empty when the request was cancelled while it waited
     * @throws LlmException {@link ErrorCategory#BUSY} when the wait timed out
     * @throws haia.store.StoreException when the database cannot be asked for the lease
     */
    Optional<Held> acquire(ConversationIdentity identity, Duration timeout, Cancellation cancellation) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Entry entry = locks.compute(identity, (key, existing) -> {
            Entry e = existing != null ? existing : new Entry();
            e.users++;
            return e;
        });
        boolean acquired = false;
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            acquired = entry.lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            if (!cancellation.isCancelled()) {
                Thread.currentThread().interrupt();   // not ours: keep it for whoever interrupted
            }
        } finally {
            if (!acquired) {
                release(identity, entry, false);
            }
        }
        if (!acquired) {
            return gaveUp(cancellation);
        }
        Optional<ConversationLeases.Lease> lease;
        try {
            lease = leases.acquire(identity, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                                   cancellation::isCancelled);
        } catch (RuntimeException e) {
            release(identity, entry, true);
            throw e;
        }
        if (lease.isEmpty()) {
            release(identity, entry, true);
            return gaveUp(cancellation);
        }
        return Optional.of(() -> {
            try {
                lease.get().close();
            } finally {
                release(identity, entry, true);
            }
        });
    }

    private static Optional<Held> gaveUp(Cancellation cancellation) {
        if (cancellation.isCancelled()) {
            return Optional.empty();
        }
        throw new LlmException(ErrorCategory.BUSY, "haia", 0,
                               "Another request in this conversation is still running; try again when it is done",
                               Optional.of(Duration.ofSeconds(5)), Optional.empty(), null);
    }

    private void release(ConversationIdentity identity, Entry entry, boolean unlock) {
        if (unlock) {
            entry.lock.unlock();
        }
        locks.computeIfPresent(identity, (key, e) -> --e.users == 0 ? null : e);
    }

    /** Conversations with a lock held or awaited (for tests). */
    int size() {
        return locks.size();
    }
}
