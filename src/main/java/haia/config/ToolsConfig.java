package haia.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HAIA's own tools (YAML {@code tools:}, read by {@link ToolsConfigLoader}): the built-in read-only Proxmox VE and
 * Docker/Podman sources, the MCP servers, and the bounds for calling them.
 *
 * @param maxSteps       model calls per request in the agent loop ({@code HAIA_TOOLS_MAX_STEPS})
 * @param budget         wall-clock budget of one request's agent loop ({@code HAIA_TOOLS_BUDGET})
 * @param timeout        longest single tool call ({@code HAIA_TOOLS_TIMEOUT})
 * @param maxOutputChars longest tool result handed to the model; longer ones are cut ({@code HAIA_TOOLS_MAX_OUTPUT})
 * @param proxmox        the Proxmox VE API, when configured
 * @param docker         the Docker or Podman engine, when configured
 * @param mcpServers     MCP servers, in configuration order
 * @param mcpRetry       longest pause between reconnection attempts to an MCP server that went away
 */
public record ToolsConfig(int maxSteps,
                          Duration budget,
                          Duration timeout,
                          int maxOutputChars,
                          Optional<Proxmox> proxmox,
                          Optional<Docker> docker,
                          List<McpServer> mcpServers,
                          Duration mcpRetry) {

    public ToolsConfig {
        mcpServers = List.copyOf(mcpServers);
    }

    /** Whether any tool source is configured. */
    public boolean any() {
        return proxmox.isPresent() || docker.isPresent() || !mcpServers.isEmpty();
    }

    /**
     * @param url         {@code https://pve1:8006}
     * @param token       {@code user@realm!tokenid=secret}, sent as {@code Authorization: PVEAPIToken=...}
     * @param fingerprint SHA-256 of the server's leaf certificate (32 bytes); when present exactly that certificate
     *                    is trusted, otherwise the system trust store decides
     */
    public record Proxmox(URI url, Secret token, Optional<byte[]> fingerprint) {
        @Override
        public String toString() {
            return "Proxmox[url=" + url + ", token=" + token + ", pinned=" + fingerprint.isPresent() + "]";
        }
    }

    /** @param socket the engine's unix socket ({@code HAIA_DOCKER_HOST=unix:///run/podman/podman.sock}) */
    public record Docker(Path socket) {
    }

    /**
     * One MCP server: either a command HAIA starts and talks to over stdio, or a Streamable HTTP endpoint.
     *
     * @param name      short name ({@code [a-z][a-z0-9-]*}); its tools are offered as {@code haia_<name>_<tool>}
     * @param transport how to reach it
     * @param allow     the tools to offer (original MCP names); empty offers all of them
     */
    public record McpServer(String name, McpTransport transport, List<String> allow) {
        public McpServer {
            allow = List.copyOf(allow);
        }
    }

    /** How an MCP server is reached. Values in {@code env} and {@code headers} are secrets: never logged. */
    public sealed interface McpTransport {
        /** A process HAIA starts with {@code command} (argv), given only {@code env} and the basics (PATH, HOME, USER...). */
        record Stdio(List<String> command, Map<String, Secret> env) implements McpTransport {
            public Stdio {
                command = List.copyOf(command);
                env = Map.copyOf(env);
            }
        }

        /** A Streamable HTTP endpoint ({@code http://host:3001/mcp}) with extra request headers. */
        record Http(URI url, Map<String, Secret> headers) implements McpTransport {
            public Http {
                headers = Map.copyOf(headers);
            }
        }
    }
}
