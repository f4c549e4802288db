package haia.store;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Background work of the store ({@link SearchIndex}'s batches, {@link Checkpoints}' WAL checkpoints): a task run on a
 * virtual thread of its own {@code delay} after it is {@linkplain #due() due}, once for however many writes told it
 * meanwhile, until closed. Idle (no writes), the thread is parked and costs nothing. The task handles its own
 * failures.
 */
final class Upkeep implements AutoCloseable {

    private final String name;
    private final Duration delay;
    private final Runnable task;
    /** Work is waiting: set by writes, cleared before each run (so a write during a run sets it again). */
    private final AtomicBoolean due;
    private volatile boolean closed;
    private Thread thread;

    /** @param dueAtStart whether the task runs once after start, without a write (work a crash may have left) */
    Upkeep(String name, Duration delay, boolean dueAtStart, Runnable task) {
        this.name = name;
        this.delay = delay;
        this.task = task;
        this.due = new AtomicBoolean(dueAtStart);
    }

    /** Starts the thread: called once its owner is fully built, since the task may run from then on. */
    Upkeep start() {
        thread = Thread.ofVirtual().name(name).start(this::run);
        return this;
    }

    /** There is work: run the task soon. Cheap: called by every write. */
    void due() {
        if (!due.get() && due.compareAndSet(false, true)) {
            LockSupport.unpark(thread);
        }
    }

    /** Closing: a task doing several steps stops between them. */
    boolean closed() {
        return closed;
    }

    private void run() {
        while (!closed) {
            if (!due.get()) {
                LockSupport.park(this);
                continue;
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;   // closing
            }
            due.set(false);
            task.run();
        }
    }

    /** Stops the thread, waiting up to five seconds for a task that is running. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
