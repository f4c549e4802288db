package haia.observe;

import java.util.List;

import haia.llm.ProviderHealth;
import haia.llm.ResilientLlmClient;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Reports what HAIA last saw of each provider, from real calls only: probes never call a provider (that would
 * cost money and rate limit). Informational: a provider being down does not make HAIA itself unhealthy, since
 * other models, history and management keep working.
 */
public final class ProvidersHealthCheck implements HealthCheck {

    private final List<ResilientLlmClient> clients;
    private final Redactor redactor;

    public ProvidersHealthCheck(List<ResilientLlmClient> clients, Redactor redactor) {
        this.clients = List.copyOf(clients);
        this.redactor = redactor;
    }

    @Override
    public String name() {
        return "providers";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(HealthCheckResponse.Status.UP);
        for (ResilientLlmClient client : clients) {
            ProviderHealth health = client.health();
            String reachable = health.reachable().map(r -> r ? "yes" : "no").orElse("not called yet");
            StringBuilder summary = new StringBuilder("reachable=").append(reachable)
                    .append(", circuit=").append(health.breakerState());
            health.lastSuccess().ifPresent(t -> summary.append(", lastSuccess=").append(t));
            health.lastFailure().ifPresent(t -> summary.append(", lastFailure=").append(t));
            health.lastError().ifPresent(e -> summary.append(", lastError=").append(e));
            response.detail(health.provider(), redactor.redact(summary.toString()));
        }
        return response.build();
    }
}
