package haia.chat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import haia.llm.Cancellation;
import haia.llm.ErrorCategory;
import haia.llm.LlmException;

/**
 * A bound on the bytes that requests hold at once in the two places where one request can hold megabytes: its
 * body (pictures come inline as base64, and OpenWebUI sends every picture of a chat again with each message) and
 * the pictures HAIA fetches from URLs for it. Each request reserves what it holds, for as long as it runs; a
 * request that finds the budget spent waits a short while for others to finish, then gets a 429 with
 * {@code Retry-After}, instead of the JVM running out of heap (16 concurrent chats with ten 1080p screenshots each
 * did that at the shipped {@code -Xmx368m}).
 *
 * <p>Counted in KiB (a {@link Semaphore}'s permits), fair, so a large request is not starved by small ones. A
 * request reserves once, all it may need, and only gives back from then on: a request never waits while holding
 * part of the budget (many such would hold it all and wait for each other). A reservation larger than the whole
 * budget takes the whole budget: it runs alone rather than never.
 */
public final class MemoryBudget {

    private static final long UNIT = 1024;

    private final Semaphore permits;
    private final int capacity;
    private final Duration wait;

    /**
     * @param bytes what all requests together may hold
     * @param wait  how long a request waits for others to free what it needs
     */
    public MemoryBudget(long bytes, Duration wait) {
        this.capacity = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / UNIT));
        this.permits = new Semaphore(capacity, true);
        this.wait = wait;
    }

    /** A quarter of the JVM's maximum heap: what HAIA lets requests hold in bodies and fetched pictures. */
    public static long defaultBytes() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** The budget in bytes. */
    public long bytes() {
        return capacity * UNIT;
    }

    /**
     * Reserves {@code bytes} (at most the whole budget) for as long as the reservation is open.
     *
     * @param what what the bytes are for, in the refusal's words ("receive this request's body")
     * @throws LlmException {@link ErrorCategory#BUSY} when they did not free up in time (or the request was
     *                      cancelled while it waited: nobody reads that answer)
     */
    public Reservation reserve(long bytes, String what, Cancellation cancellation) {
        int needed = units(bytes);
        boolean granted = false;
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            granted = needed == 0 || permits.tryAcquire(needed, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            if (!cancellation.isCancelled()) {
                Thread.currentThread().interrupt();   // not ours: keep it for whoever interrupted
            }
        }
        if (!granted) {
            throw new LlmException(ErrorCategory.BUSY, "haia", 0, "HAIA is holding as much as it may of other"
                    + " requests' pictures and bodies right now and cannot " + what + "; try again in a moment",
                    Optional.of(Duration.ofSeconds(2)), Optional.empty(), null);
        }
        return new Reservation(needed);
    }

    private int units(long bytes) {
        return (int) Math.min(capacity, (Math.max(0, bytes) + UNIT - 1) / UNIT);
    }

    /** Bytes held by a request; closing gives back what is left. */
    public final class Reservation implements AutoCloseable {

        private int held;

        private Reservation(int held) {
            this.held = held;
        }

        /** Gives back all but {@code bytes} (pictures that turned out smaller than they could have been). */
        public synchronized void keepOnly(long bytes) {
            int keep = Math.min(held, units(bytes));
            permits.release(held - keep);
            held = keep;
        }

        @Override
        public synchronized void close() {
            permits.release(held);
            held = 0;
        }
    }
}
