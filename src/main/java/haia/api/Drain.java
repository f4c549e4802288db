package haia.api;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import haia.openai.OpenAiWriter;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Counts requests in flight and, once shutdown starts, refuses new {@code /v1} requests with 503 while the running
 * ones (streams included) finish.
 */
public final class Drain implements Filter {

    private final AtomicInteger inflight = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean draining;

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (draining && req.path().path().startsWith("/v1")) {
            res.status(Status.SERVICE_UNAVAILABLE_503);
            res.header(HeaderNames.RETRY_AFTER, "5");
            res.header(HeaderValues.CONNECTION_CLOSE);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(OpenAiWriter.error("HAIA is shutting down; try again in a moment", "server_error",
                                        Optional.empty(), Optional.of("shutting_down")));
            return;
        }
        inflight.incrementAndGet();
        try {
            chain.proceed();
        } finally {
            if (inflight.decrementAndGet() == 0) {
                lock.lock();
                try {
                    idle.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    public void start() {
        draining = true;
    }

    /** Whether shutdown has started. */
    public boolean draining() {
        return draining;
    }

    public int inflight() {
        return inflight.get();
    }

    /** Waits until no request is in flight; false when the grace period ran out first. */
    public boolean awaitIdle(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        lock.lock();
        try {
            while (inflight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return inflight.get() == 0;
        } finally {
            lock.unlock();
        }
    }
}
