package haia.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every kind of tool source HAIA has, running for a test: the fake Proxmox (HTTPS, pinned), a real Podman engine,
 * and two real MCP servers from npm, the filesystem server over stdio (reading a {@code notes} folder that holds
 * {@code k3s.md}) and the everything server over Streamable HTTP. Configured as a user would: {@link #yaml} for
 * the MCP servers, {@link #env} for the built-in sources.
 */
public final class ToolStack implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final FakeProxmox pve;
    public final PodmanEngine podman;
    public final Path notes;
    private final McpServers.Everything everything;
    private final McpServers servers;

    private ToolStack(Path dir, McpServers servers) throws Exception {
        this.servers = servers;
        this.notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("k3s.md"), "k3s runs on VM 101\n");
        this.pve = FakeProxmox.start(dir);
        PodmanEngine engine = null;
        McpServers.Everything http = null;
        try {
            engine = PodmanEngine.start(dir.resolve("podman"));
            http = servers.everything(0);
        } catch (Exception | Error e) {
            if (engine != null) {
                engine.close();
            }
            pve.close();
            throw e;
        }
        this.podman = engine;
        this.everything = http;
    }

    /** Installs the MCP servers (once per machine) and starts everything in {@code dir}. */
    public static ToolStack start(Path dir) throws Exception {
        return new ToolStack(dir, McpServers.install());
    }

    /** The YAML that adds both MCP servers: {@code notes} (stdio) and {@code demo} (Streamable HTTP). */
    public String yaml() throws IOException {
        return """
                tools:
                  mcp-servers:
                    - name: notes
                      command: %s
                      tools: [read_text_file, list_directory]
                    - name: demo
                      url: %s
                      tools: [echo, get-sum]
                """.formatted(JSON.writeValueAsString(servers.filesystem(notes)), everything.url());
    }

    /** Adds the built-in sources' settings (Proxmox pinned by its fingerprint, the Podman socket) to {@code env}. */
    public Map<String, String> env(Map<String, String> env) {
        env.put("HAIA_PROXMOX_URL", pve.url());
        env.put("HAIA_PROXMOX_TOKEN", FakeProxmox.TOKEN);
        env.put("HAIA_PROXMOX_FINGERPRINT", pve.fingerprint());
        env.put("HAIA_DOCKER_HOST", podman.host());
        return env;
    }

    @Override
    public void close() throws Exception {
        try (FakeProxmox p = pve; PodmanEngine e = podman; McpServers.Everything h = everything) {
            // closed in reverse order, each even when another fails
        }
    }
}
