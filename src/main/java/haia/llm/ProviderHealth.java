package haia.llm;

import java.time.Instant;
import java.util.Optional;

/**
 * What HAIA last saw of a provider, from real calls (health probes never call providers).
 *
 * @param provider     provider name
 * @param reachable    whether the last call got an answer from it (empty: not called since start)
 * @param lastSuccess  when a call last succeeded
 * @param lastFailure  when a call last failed because of the provider
 * @param lastError    what that failure was
 * @param breakerState {@code closed}, {@code open} or {@code half_open}
 */
public record ProviderHealth(String provider,
                             Optional<Boolean> reachable,
                             Optional<Instant> lastSuccess,
                             Optional<Instant> lastFailure,
                             Optional<String> lastError,
                             String breakerState) {
}
