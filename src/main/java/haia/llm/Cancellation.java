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
        SHUTDOWN
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
