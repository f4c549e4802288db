package haia.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stops a streaming model call from another thread: when the client goes away, or a deadline passes.
 *
 * <p>Providers register a hook that closes their upstream connection; a thread blocked reading the upstream then
 * fails at once instead of waiting for the next token, so nothing more is generated (or paid for).
 */
public final class Cancellation {

    /** Why a call was cancelled. */
    public enum Reason {
        CLIENT_GONE,
        FIRST_TOKEN_TIMEOUT,
        OVERALL_TIMEOUT,
        SHUTDOWN,
        /** A client took longer than {@code HAIA_CLIENT_READ_TIMEOUT} to send its request. */
        CLIENT_TOO_SLOW
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Runnable> hooks = new ArrayList<>();
    private volatile Reason reason;

    public boolean isCancelled() {
        return reason != null;
    }

    public Optional<Reason> reason() {
        return Optional.ofNullable(reason);
    }

    /** Cancels (the first reason wins) and runs every registered hook once. */
    public void cancel(Reason why) {
        List<Runnable> toRun;
        lock.lock();
        try {
            if (reason != null) {
                return;
            }
            reason = why;
            toRun = List.copyOf(hooks);
            hooks.clear();
        } finally {
            lock.unlock();
        }
        toRun.forEach(Cancellation::runQuietly);
    }

    /**
     * Registers what to do on cancellation. Runs the hook at once when the call is already cancelled.
     *
     * @return a handle that unregisters the hook (call it when the resource is closed normally)
     */
    public Runnable onCancel(Runnable hook) {
        lock.lock();
        try {
            if (reason == null) {
                hooks.add(hook);
                return () -> remove(hook);
            }
        } finally {
            lock.unlock();
        }
        runQuietly(hook);
        return () -> { };
    }

    /**
     * A cancellation that fires with this one (same reason) but can also fire on its own, e.g. for one attempt of
     * a retried call. Close the returned handle's registration by calling {@link Child#detach()} when done.
     */
    public Child child() {
        Cancellation child = new Cancellation();
        Runnable unregister = onCancel(() -> child.cancel(reason));
        return new Child(child, unregister);
    }

    /**
     * Lets this cancellation interrupt the calling thread until the returned handle is closed. For waits that have
     * no connection to close yet: a virtual thread blocked reading a socket (an upstream that never sends its
     * headers) gets the socket closed and an exception at once; one waiting for a lock or a semaphore gets an
     * {@link InterruptedException}. Closing the handle clears any interrupt it caused, so none leaks into later
     * work (a database write, the next wait). Use with try-with-resources around the blocking call only.
     */
    public Interruption interruptOnCancel() {
        return new Interruption(this);
    }

    /** A thread that a cancellation may interrupt, until {@link #close()}. */
    public static final class Interruption implements AutoCloseable {

        private final Thread thread = Thread.currentThread();
        private final ReentrantLock lock = new ReentrantLock();
        private final Runnable unregister;
        private boolean active = true;
        private boolean fired;

        private Interruption(Cancellation cancellation) {
            this.unregister = cancellation.onCancel(this::interrupt);
        }

        private void interrupt() {
            lock.lock();
            try {
                // under the lock: once close() has it, no interrupt can arrive any more
                if (active) {
                    fired = true;
                    thread.interrupt();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Whether the cancellation interrupted the thread. */
        public boolean interrupted() {
            lock.lock();
            try {
                return fired;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            unregister.run();
            lock.lock();
            try {
                active = false;
                if (fired) {
                    Thread.interrupted();   // ours, not the caller's: clear it
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** A child cancellation and the handle that detaches it from its parent. */
    public record Child(Cancellation cancellation, Runnable unregister) {
        /** Stops listening to the parent (call when the child's work is over). */
        public void detach() {
            unregister.run();
        }
    }

    private void remove(Runnable hook) {
        lock.lock();
        try {
            hooks.remove(hook);
        } finally {
            lock.unlock();
        }
    }

    private static void runQuietly(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException ignored) {
            // closing an already broken connection may throw; the cancellation itself has happened
        }
    }
}
