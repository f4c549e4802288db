package haia.observe;

import haia.store.ConversationStore;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/** UP while a trivial query against the conversation database succeeds. */
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
        try {
            store.ping();
            return HealthCheckResponse.builder()
                    .status(HealthCheckResponse.Status.UP)
                    .detail("latencyMs", (System.nanoTime() - start) / 1_000_000)
                    .build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.builder()
                    .status(HealthCheckResponse.Status.DOWN)
                    .detail("error", e.getMessage())
                    .build();
        }
    }
}
