package haia.observe;

import haia.store.ConversationStore;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * UP while a trivial query against the conversation database succeeds; says which database (dialect), how long
 * the query took, and how busy the connection pool is. DOWN (and {@code /health} 503) while it fails: with
 * PostgreSQL, while the server is unreachable; HAIA reconnects by itself when it is back.
 */
public final class DatabaseHealthCheck implements HealthCheck {

    private final ConversationStore store;

    public DatabaseHealthCheck(ConversationStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "database";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        long start = System.nanoTime();
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().detail("dialect", store.dialect());
        try {
            store.ping();
            response.status(HealthCheckResponse.Status.UP)
                    .detail("latencyMs", (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            response.status(HealthCheckResponse.Status.DOWN)
                    .detail("error", e.getMessage());
        }
        store.poolStats().ifPresent(pool -> response
                .detail("poolActive", pool.active())
                .detail("poolIdle", pool.idle())
                .detail("poolMax", pool.max())
                .detail("poolWaiting", pool.waiting()));
        return response.build();
    }
}
