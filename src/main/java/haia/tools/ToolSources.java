package haia.tools;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import haia.config.ToolsConfig;
import haia.tools.docker.DockerClient;
import haia.tools.docker.DockerTools;
import haia.tools.mcp.McpServerSource;
import haia.tools.proxmox.ProxmoxTools;
import haia.tools.proxmox.PveClient;

/** Builds the {@link ToolCatalog} HAIA's configuration asks for: built-in sources first, then MCP servers. */
public final class ToolSources {

    private ToolSources() {
    }

    /** The catalog; nothing connects until {@link ToolCatalog#start()}. Empty when no tools are configured. */
    public static ToolCatalog catalog(ToolsConfig config, UnaryOperator<String> redactor, Clock clock) {
        return catalog(config, redactor, clock, ToolCatalog.CallListener.NONE);
    }

    /** The catalog, telling {@code listener} of every call (HAIA's metrics). */
    public static ToolCatalog catalog(ToolsConfig config, UnaryOperator<String> redactor, Clock clock,
                                      ToolCatalog.CallListener listener) {
        return catalog(config, java.util.Optional.empty(), List.of(), redactor, clock, listener);
    }

    /**
     * The catalog with HAIA's memory tools first (offered to every tool-capable model, with or without the
     * infrastructure's), then the built-in sources, then {@code more} of HAIA's own (Prometheus, the watch), then the
     * MCP servers.
     */
    public static ToolCatalog catalog(ToolsConfig config, java.util.Optional<ToolSource> memory,
                                      List<ToolSource> more, UnaryOperator<String> redactor,
                                      Clock clock, ToolCatalog.CallListener listener) {
        List<ToolSource> sources = new ArrayList<>();
        memory.ifPresent(sources::add);
        config.proxmox().ifPresent(p -> sources.add(new ProxmoxTools(new PveClient(p, config.timeout()))));
        config.docker().ifPresent(d -> sources.add(new DockerTools(new DockerClient(d.socket(), config.timeout()))));
        sources.addAll(more);
        config.mcpServers().forEach(s -> sources.add(new McpServerSource(s, config.timeout(), config.mcpRetry())));
        return new ToolCatalog(sources, config.timeout(), config.maxOutputChars(), redactor, clock, listener);
    }
}
