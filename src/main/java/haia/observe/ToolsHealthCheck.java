package haia.observe;

import haia.tools.ToolCatalog;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Each tool source's state in {@code /health}: built-in sources with their address and the outcome of their last
 * call, MCP servers connected, connecting or down (and why). Informational, like the providers check: a tool source
 * that is away does not make HAIA unhealthy, chats go on and the tool answers with an error. Never calls a source.
 */
public final class ToolsHealthCheck implements HealthCheck {

    private final ToolCatalog tools;

    public ToolsHealthCheck(ToolCatalog tools) {
        this.tools = tools;
    }

    @Override
    public String name() {
        return "tools";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(HealthCheckResponse.Status.UP);
        tools.status().forEach(response::detail);   // already redacted by the catalog
        return response.build();
    }
}
