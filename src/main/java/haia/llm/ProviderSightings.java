package haia.llm;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What HAIA last saw of one provider in its calls, for {@code /health}: whether it answered, when a call last
 * succeeded, when and why one last failed because of the provider.
 */
final class ProviderSightings {

    private final Clock clock;
    private final AtomicReference<Instant> lastSuccess = new AtomicReference<>();
    private final AtomicReference<Instant> lastFailure = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Boolean> reachable = new AtomicReference<>();

    ProviderSightings(Clock clock) {
        this.clock = clock;
    }

    /** Runs one attempt and notes what it showed of the provider, for {@code /health}. */
    <T> T attempt(Supplier<T> attempt) {
        T result;
        try {
            result = attempt.get();
        } catch (LlmException e) {
            record(e);
            throw e;
        }
        answered();
        return result;
    }

    void record(LlmException e) {
        if (e.category() == ErrorCategory.CIRCUIT_OPEN || e.category() == ErrorCategory.BUSY
                || e.category() == ErrorCategory.CANCELLED) {
            return;   // says nothing about the provider
        }
        boolean answered = e.upstreamStatus() > 0;
        reachable.set(answered);
        if (e.category().providerFault()) {
            lastFailure.set(clock.instant());
            lastError.set(e.getMessage());
        }
    }

    /** The provider answered (a chat attempt, or the start-up model check). */
    void answered() {
        lastSuccess.set(clock.instant());
        reachable.set(true);
    }

    /** The last failure's message, if a call failed because of the provider. */
    Optional<String> lastError() {
        return Optional.ofNullable(lastError.get());
    }

    ProviderHealth health(String provider, String breakerState) {
        return new ProviderHealth(provider,
                                  Optional.ofNullable(reachable.get()),
                                  Optional.ofNullable(lastSuccess.get()),
                                  Optional.ofNullable(lastFailure.get()),
                                  Optional.ofNullable(lastError.get()),
                                  breakerState);
    }
}
