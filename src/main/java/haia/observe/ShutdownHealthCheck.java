package haia.observe;

import java.util.function.BooleanSupplier;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * DOWN from the moment HAIA starts shutting down: it refuses new chat requests and only lets running ones finish,
 * so a load balancer or container health check should stop sending it traffic.
 */
public final class ShutdownHealthCheck implements HealthCheck {

    private final BooleanSupplier shuttingDown;

    public ShutdownHealthCheck(BooleanSupplier shuttingDown) {
        this.shuttingDown = shuttingDown;
    }

    @Override
    public String name() {
        return "shutdown";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        return shuttingDown.getAsBoolean()
                ? HealthCheckResponse.builder().status(HealthCheckResponse.Status.DOWN)
                        .detail("state", "shutting down: new requests are refused, running ones are finishing").build()
                : HealthCheckResponse.builder().status(HealthCheckResponse.Status.UP).detail("state", "serving").build();
    }
}
