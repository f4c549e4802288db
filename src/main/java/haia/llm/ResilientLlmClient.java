package haia.llm;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import haia.config.HaiaConfig;

import io.helidon.faulttolerance.Retry;
import io.helidon.faulttolerance.RetryTimeoutException;

/**
 * Wraps a provider client with what every upstream call needs: retries with exponential backoff and jitter
 * (honouring the provider's retry-after), a circuit breaker, and deadlines.
 *
 * <p>Deadlines are wall-clock deadlines on the whole call, blocking and streaming: {@code HAIA_REQUEST_TIMEOUT}
 * from the first attempt to the end of the last (retries and backoff included: no retry starts that could not
 * finish in time), and for streams {@code HAIA_FIRST_TOKEN_TIMEOUT} per attempt until its first token. They fire
 * through a {@link Cancellation}, which ends a call wherever it is: waiting for the upstream's headers, or trickling
 * a body byte by byte.
 *
 * <p>Retries use Helidon's {@link Retry}. A call, all its attempts together, is admitted by the provider's
 * {@link ProviderBreaker} and tells it how it ended: only a call that failed because of the provider counts, once,
 * however many attempts it made, and not when it was an OpenWebUI background task's; a rejected request, a client
 * that left or a shutdown do not count. A stream is retried only while nothing has reached the client: once a token
 * is out, a failure ends the stream.
 */
public final class ResilientLlmClient implements LlmClient {

    /** Told about every retry, for metrics. */
    public interface RetryListener {
        void retrying(String provider, LlmException cause, Duration delay);
    }

    private final LlmClient delegate;
    private final HaiaConfig.Resilience settings;
    private final ScheduledExecutorService timers;
    private final RetryListener listener;
    private final ProviderBreaker breaker;
    private final ProviderSightings sightings;
    /**
     * The call running on the current thread. Helidon's {@link Retry} asks its policy for the next delay without
     * the exception or the call, and the delay depends on both (retry-after, retryable or not, time left); calls run
     * synchronously on their (virtual) thread, so a thread-local hands them over. One {@code Retry} then serves all
     * calls.
     */
    private final ThreadLocal<Call> currentCall = new ThreadLocal<>();
    private final Retry retry;

    public ResilientLlmClient(LlmClient delegate, HaiaConfig.Resilience settings, ScheduledExecutorService timers,
                              RetryListener listener, Clock clock) {
        this.delegate = delegate;
        this.settings = settings;
        this.timers = timers;
        this.listener = listener;
        this.breaker = new ProviderBreaker(settings.breakerFailures(), settings.breakerDelay(), clock);
        this.sightings = new ProviderSightings(clock);
        this.retry = Retry.builder()
                .name("retry-" + delegate.provider())
                .overallTimeout(settings.retryDeadline())
                .retryPolicy((firstCallMillis, lastDelay, callIndex) -> {
                    Call call = currentCall.get();
                    return call == null ? Optional.empty() : nextDelay(call, callIndex);
                })
                .build();
    }

    @Override
    public String provider() {
        return delegate.provider();
    }

    /**
     * One call, retries included: its overall deadline (a child of the caller's cancellation that also fires at
     * {@code HAIA_REQUEST_TIMEOUT}) and the failure its last attempt saw.
     */
    private final class Call implements AutoCloseable {

        final Cancellation.Child overall;
        final long endNanos;
        final ScheduledFuture<?> deadline;
        LlmException lastFailure;

        Call(Cancellation caller) {
            this.overall = caller.child();
            this.endNanos = System.nanoTime() + settings.requestTimeout().toNanos();
            this.deadline = timers.schedule(() -> overall.cancellation().cancel(Cancellation.Reason.OVERALL_TIMEOUT),
                                            settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        Cancellation cancellation() {
            return overall.cancellation();
        }

        Duration left() {
            return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
        }

        @Override
        public void close() {
            deadline.cancel(false);
            overall.detach();
        }
    }

    @Override
    public Optional<RequestProblem> problem(LlmRequest request) {
        return delegate.problem(request);
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        ProviderBreaker.Ticket ticket = admit();
        try (Call call = new Call(cancellation)) {
            LlmResponse response = withRetries(call, () -> sightings.attempt(() -> {
                try {
                    return delegate.chat(request, call.cancellation());
                } catch (LlmException e) {
                    throw e.category() == ErrorCategory.CANCELLED ? stopped(call.cancellation()) : e;
                }
            }));
            breaker.answered(ticket);
            return response;
        } catch (LlmException e) {
            settle(ticket, e, request);
            throw e;
        } catch (RuntimeException e) {
            breaker.released(ticket);
            throw e;
        }
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        ProviderBreaker.Ticket ticket;
        try {
            ticket = admit();
        } catch (LlmException open) {
            events.accept(new LlmEvent.Failed(open));
            return;
        }
        AtomicBoolean started = new AtomicBoolean();
        AtomicReference<LlmException> cutShort = new AtomicReference<>();   // a failure after the first token
        Consumer<LlmEvent> watched = event -> {
            if (event instanceof LlmEvent.Failed failed) {
                cutShort.set(failed.error());
            }
            events.accept(event);
        };
        try (Call call = new Call(cancellation)) {
            withRetries(call, () -> sightings.attempt(() -> {
                streamAttempt(request, call.cancellation(), watched, started);
                return Boolean.TRUE;
            }));
            if (cutShort.get() == null) {
                breaker.answered(ticket);
            } else {
                settle(ticket, cutShort.get(), request);
            }
        } catch (LlmException beforeFirstToken) {
            settle(ticket, beforeFirstToken, request);
            if (beforeFirstToken.category() != ErrorCategory.CANCELLED) {
                events.accept(new LlmEvent.Failed(beforeFirstToken));
            }
            // a stream stopped for its client or for shutdown ends without a terminal event, as LlmClient says
        } catch (RuntimeException e) {
            breaker.released(ticket);
            throw e;
        }
    }

    /** The breaker's leave to call the provider. @throws LlmException {@link ErrorCategory#CIRCUIT_OPEN} when not */
    private ProviderBreaker.Ticket admit() {
        return breaker.admit().orElseThrow(() -> {
            Duration left = breaker.remaining().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                    : breaker.remaining();
            return new LlmException(ErrorCategory.CIRCUIT_OPEN, provider(), 0,
                                    "The " + provider() + " upstream failed repeatedly; HAIA stops calling it for up"
                                            + " to " + human(settings.breakerDelay()) + " (last error: "
                                            + sightings.lastError().orElse("unknown") + ")",
                                    Optional.of(Duration.ofSeconds(left.toSeconds() + (left.toMillisPart() > 0 ? 1 : 0))),
                                    Optional.empty(), null);
        });
    }

    /**
     * Tells the breaker how a call ended that did not succeed: the provider's fault counts (unless a background
     * task's), the provider refusing the request shows it is up, a call stopped by HAIA or its client says nothing.
     */
    private void settle(ProviderBreaker.Ticket ticket, LlmException e, LlmRequest request) {
        switch (e.category()) {
            case CANCELLED, BUSY, CIRCUIT_OPEN -> breaker.released(ticket);
            default -> {
                if (e.category().providerFault()) {
                    breaker.failed(ticket, !request.background());
                } else {
                    breaker.answered(ticket);
                }
            }
        }
    }

    /**
     * One streaming attempt. Throws when it failed before anything reached the client (so it may be retried);
     * otherwise reports the outcome as events.
     */
    private void streamAttempt(LlmRequest request, Cancellation overall, Consumer<LlmEvent> events,
                               AtomicBoolean started) {
        Cancellation.Child attempt = overall.child();
        ScheduledFuture<?> firstToken = timers.schedule(
                () -> attempt.cancellation().cancel(Cancellation.Reason.FIRST_TOKEN_TIMEOUT),
                settings.firstTokenTimeout().toMillis(), TimeUnit.MILLISECONDS);
        AtomicReference<LlmEvent> terminal = new AtomicReference<>();
        try {
            delegate.stream(request, attempt.cancellation(), event -> {
                switch (event) {
                    case LlmEvent.Delta delta -> {
                        firstToken.cancel(false);
                        started.set(true);
                        events.accept(delta);
                    }
                    case LlmEvent.Completed completed -> {
                        firstToken.cancel(false);
                        terminal.set(completed);
                    }
                    case LlmEvent.Failed failed -> terminal.set(failed);
                }
            });
        } finally {
            firstToken.cancel(false);
            attempt.detach();
        }
        LlmException failure = switch (terminal.get()) {
            case LlmEvent.Completed completed -> {
                events.accept(completed);
                yield null;
            }
            case LlmEvent.Failed failed -> failed.error();
            case null -> stopped(attempt.cancellation());
            default -> throw new IllegalStateException("unexpected terminal event " + terminal.get());
        };
        if (failure == null) {
            return;
        }
        if (!started.get() || failure.category() == ErrorCategory.CANCELLED) {
            throw failure;
        }
        events.accept(new LlmEvent.Failed(failure));
    }

    /** Why a call was stopped, as the failure its caller sees: a deadline is a timeout, anything else a cancellation. */
    private LlmException stopped(Cancellation cancellation) {
        Cancellation.Reason reason = cancellation.reason().orElse(Cancellation.Reason.CLIENT_GONE);
        return switch (reason) {
            case FIRST_TOKEN_TIMEOUT -> LlmException.of(ErrorCategory.TIMEOUT, provider(),
                    "The " + provider() + " upstream sent no reply within " + human(settings.firstTokenTimeout()));
            case OVERALL_TIMEOUT -> LlmException.of(ErrorCategory.TIMEOUT, provider(),
                    "The " + provider() + " upstream did not finish within " + human(settings.requestTimeout()));
            case SHUTDOWN -> LlmException.of(ErrorCategory.CANCELLED, provider(),
                    "The call was stopped: HAIA is shutting down");
            case CLIENT_GONE, CLIENT_TOO_SLOW -> LlmException.of(ErrorCategory.CANCELLED, provider(),
                    "The call was stopped: the client went away");
        };
    }

    private <T> T withRetries(Call call, Supplier<T> attempt) {
        currentCall.set(call);
        try {
            return retry.invoke(() -> {
                try {
                    return attempt.get();
                } catch (LlmException e) {
                    call.lastFailure = e;
                    throw e;
                }
            });
        } catch (RetryTimeoutException e) {
            LlmException last = call.lastFailure;
            throw last != null ? last : LlmException.of(ErrorCategory.TIMEOUT, provider(),
                    "The " + provider() + " upstream kept failing for " + human(settings.retryDeadline()));
        } finally {
            currentCall.remove();
        }
    }

    /**
     * Delay before the next attempt, or empty to give up: when the failure is not worth retrying, the attempts are
     * used up, the call was stopped, or the wait would leave no time before the call's deadline.
     *
     * @param attempts attempts made so far (Helidon's Retry counts from 1 when it asks after the first failure)
     */
    private Optional<Long> nextDelay(Call call, int attempts) {
        LlmException error = call.lastFailure;
        if (error == null || !error.category().retryable() || attempts >= settings.maxAttempts()
                || call.cancellation().isCancelled()) {
            return Optional.empty();
        }
        Duration delay;
        if (error.retryAfter().isPresent()) {
            delay = error.retryAfter().get();
            if (delay.compareTo(settings.retryDeadline()) > 0) {
                return Optional.empty();   // the client is better served by our 429 and its retry-after
            }
        } else {
            long base = settings.initialBackoff().toMillis() << Math.min(Math.max(attempts - 1, 0), 20);
            long capped = Math.min(base, settings.maxBackoff().toMillis());
            delay = Duration.ofMillis((long) (capped * (1 - 0.25 * ThreadLocalRandom.current().nextDouble())));
        }
        if (delay.compareTo(call.left()) >= 0) {
            return Optional.empty();       // the retry could not even start before the deadline
        }
        listener.retrying(provider(), error, delay);
        return Optional.of(delay.toMillis());
    }

    /**
     * The provider's start-up model check, outside the circuit breaker and without retries (it is not a chat call
     * and must not tip the breaker either way); its outcome counts as a sighting of the provider for {@code /health}.
     */
    @Override
    public Optional<ContextQuery.Found> contextTokens(String upstreamModel) {
        return delegate.contextTokens(upstreamModel);
    }

    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        try {
            Optional<String> problem = delegate.modelProblem(upstreamModel);
            sightings.answered();
            return problem;
        } catch (LlmException e) {
            sightings.record(e);
            throw e;
        }
    }

    /** What HAIA last saw of this provider, for {@code /health}. */
    public ProviderHealth health() {
        return sightings.health(provider(), breaker.describe());
    }

    @Override
    public void close() {
        delegate.close();
    }

    public boolean breakerOpen() {
        return breaker.open();
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 != 0 ? ms + " ms" : ms % 60_000 != 0 ? ms / 1000 + " s" : ms / 60_000 + " min";
    }
}
