package haia.llm;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
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

import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import io.helidon.faulttolerance.Retry;
import io.helidon.faulttolerance.RetryTimeoutException;

/**
 * Wraps a provider client with what every upstream call needs: retries with exponential backoff and jitter
 * (honouring the provider's retry-after), a circuit breaker, a first-token timeout and an overall deadline.
 *
 * <p>Retries use Helidon's {@link Retry}; each attempt runs inside the provider's {@link CircuitBreaker}. Only
 * failures that say the provider is unhealthy count against the breaker; a rejected request does not. A stream is
 * retried only while nothing has reached the client: once a token is out, a failure ends the stream.
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
    private final Clock clock;
    private final CircuitBreaker breaker;
    private final AtomicReference<Instant> lastSuccess = new AtomicReference<>();
    private final AtomicReference<Instant> lastFailure = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Boolean> reachable = new AtomicReference<>();
    /**
     * The failure the current thread's call last saw. Helidon's {@link Retry} asks its policy for the next delay
     * without the exception, and the delay depends on it (retry-after, retryable or not); calls run synchronously on
     * their (virtual) thread, so a thread-local hands it over. One {@code Retry} then serves all calls.
     */
    private final ThreadLocal<LlmException> callFailure = new ThreadLocal<>();
    private final Retry retry;

    public ResilientLlmClient(LlmClient delegate, HaiaConfig.Resilience settings, ScheduledExecutorService timers,
                              RetryListener listener, Clock clock) {
        this.delegate = delegate;
        this.settings = settings;
        this.timers = timers;
        this.listener = listener;
        this.clock = clock;
        this.breaker = CircuitBreaker.builder()
                .name("upstream-" + delegate.provider())
                .volume(settings.breakerVolume())
                .errorRatio(settings.breakerErrorRatio())
                .delay(settings.breakerDelay())
                .successThreshold(1)
                .build();
        this.retry = Retry.builder()
                .name("retry-" + delegate.provider())
                .overallTimeout(settings.retryDeadline())
                .retryPolicy((firstCallMillis, lastDelay, callIndex) -> nextDelay(callFailure.get(), callIndex))
                .build();
    }

    @Override
    public String provider() {
        return delegate.provider();
    }

    @Override
    public LlmResponse chat(LlmRequest request) {
        return withRetries(() -> guarded(() -> delegate.chat(request)));
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        Cancellation.Child overall = cancellation.child();
        ScheduledFuture<?> deadline = timers.schedule(() -> overall.cancellation().cancel(Cancellation.Reason.OVERALL_TIMEOUT),
                                                      settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        AtomicBoolean started = new AtomicBoolean();
        try {
            withRetries(() -> guarded(() -> {
                streamAttempt(request, overall.cancellation(), events, started);
                return Boolean.TRUE;
            }));
        } catch (LlmException beforeFirstToken) {
            events.accept(new LlmEvent.Failed(beforeFirstToken));
        } finally {
            deadline.cancel(false);
            overall.detach();
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
                    case LlmEvent.TextDelta delta -> {
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
        LlmException failure;
        switch (terminal.get()) {
            case LlmEvent.Completed completed -> {
                events.accept(completed);
                return;
            }
            case LlmEvent.Failed failed -> failure = failed.error();
            case null -> {
                Cancellation.Reason reason = attempt.cancellation().reason().orElse(Cancellation.Reason.CLIENT_GONE);
                switch (reason) {
                    case FIRST_TOKEN_TIMEOUT -> failure = LlmException.of(ErrorCategory.TIMEOUT, provider(),
                            "The " + provider() + " upstream sent no reply within " + human(settings.firstTokenTimeout()));
                    case OVERALL_TIMEOUT -> failure = LlmException.of(ErrorCategory.TIMEOUT, provider(),
                            "The " + provider() + " upstream did not finish within " + human(settings.requestTimeout()));
                    default -> {
                        return;   // the client left or HAIA is shutting down: nothing to report to anyone
                    }
                }
            }
            default -> throw new IllegalStateException("unexpected terminal event " + terminal.get());
        }
        if (!started.get()) {
            throw failure;
        }
        events.accept(new LlmEvent.Failed(failure));
    }

    /** Runs one attempt inside the circuit breaker; failures that are not the provider's fault do not count. */
    private <T> T guarded(Supplier<T> attempt) {
        AtomicReference<LlmException> notProviderFault = new AtomicReference<>();
        T result;
        try {
            result = breaker.invoke(() -> {
                try {
                    return attempt.get();
                } catch (LlmException e) {
                    if (e.category().providerFault()) {
                        throw e;
                    }
                    notProviderFault.set(e);
                    return null;
                }
            });
        } catch (CircuitBreakerOpenException e) {
            throw new LlmException(ErrorCategory.CIRCUIT_OPEN, provider(), 0,
                                   "The " + provider() + " upstream failed repeatedly; HAIA stops calling it for up to "
                                           + human(settings.breakerDelay()) + " (last error: "
                                           + Optional.ofNullable(lastError.get()).orElse("unknown") + ")",
                                   Optional.of(settings.breakerDelay()), Optional.empty(), null);
        } catch (LlmException e) {
            record(e);
            throw e;
        }
        if (notProviderFault.get() != null) {
            record(notProviderFault.get());
            throw notProviderFault.get();
        }
        lastSuccess.set(clock.instant());
        reachable.set(true);
        return result;
    }

    private void record(LlmException e) {
        if (e.category() == ErrorCategory.CIRCUIT_OPEN || e.category() == ErrorCategory.BUSY) {
            return;
        }
        boolean answered = e.upstreamStatus() > 0;
        reachable.set(answered);
        if (e.category().providerFault()) {
            lastFailure.set(clock.instant());
            lastError.set(e.getMessage());
        }
    }

    private <T> T withRetries(Supplier<T> call) {
        try {
            return retry.invoke(() -> {
                try {
                    return call.get();
                } catch (LlmException e) {
                    callFailure.set(e);
                    throw e;
                }
            });
        } catch (RetryTimeoutException e) {
            LlmException last = callFailure.get();
            throw last != null ? last : LlmException.of(ErrorCategory.TIMEOUT, provider(),
                    "The " + provider() + " upstream kept failing for " + human(settings.retryDeadline()));
        } finally {
            callFailure.remove();
        }
    }

    /**
     * Delay before the next attempt, or empty to give up.
     *
     * @param attempts attempts made so far (Helidon's Retry counts from 1 when it asks after the first failure)
     */
    private Optional<Long> nextDelay(LlmException error, int attempts) {
        if (error == null || !error.category().retryable() || attempts >= settings.maxAttempts()) {
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
        listener.retrying(provider(), error, delay);
        return Optional.of(delay.toMillis());
    }

    /**
     * The provider's start-up model check, outside the circuit breaker and without retries (it is not a chat call
     * and must not tip the breaker either way); its outcome counts as a sighting of the provider for {@code /health}.
     */
    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        try {
            Optional<String> problem = delegate.modelProblem(upstreamModel);
            lastSuccess.set(clock.instant());
            reachable.set(true);
            return problem;
        } catch (LlmException e) {
            record(e);
            throw e;
        }
    }

    /** What HAIA last saw of this provider, for {@code /health}. */
    public ProviderHealth health() {
        return new ProviderHealth(provider(),
                                  Optional.ofNullable(reachable.get()),
                                  Optional.ofNullable(lastSuccess.get()),
                                  Optional.ofNullable(lastFailure.get()),
                                  Optional.ofNullable(lastError.get()),
                                  breaker.state().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public void close() {
        delegate.close();
    }

    public boolean breakerOpen() {
        return breaker.state() == CircuitBreaker.State.OPEN;
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 != 0 ? ms + " ms" : ms % 60_000 != 0 ? ms / 1000 + " s" : ms / 60_000 + " min";
    }
}
