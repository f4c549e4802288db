package haia.tools.mcp;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import haia.config.ToolsConfig;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Builds an MCP client for one configured server with the official Java SDK: stdio (HAIA starts the command) or
 * Streamable HTTP. A stdio server gets a clean environment: only the SDK's basics (PATH, HOME, USER, LOGNAME, SHELL,
 * TERM) and the configured {@code env}, never HAIA's own variables (API keys, the Proxmox token).
 */
final class McpConnector {

    private static final System.Logger LOG = System.getLogger(McpConnector.class.getName());
    private static final String VERSION = "0.1";

    private final ToolsConfig.McpServer server;
    private final Duration timeout;
    /** The server's last few stderr lines (stdio), for the error text when it fails to start. */
    private final Deque<String> stderr = new ArrayDeque<>();

    McpConnector(ToolsConfig.McpServer server, Duration timeout) {
        this.server = server;
        this.timeout = timeout;
    }

    /**
     * A client and, for stdio, its transport (whose {@code awaitForExit} tells when the server process dies: the SDK
     * itself would only notice when a request times out).
     */
    record Connection(McpSyncClient client, java.util.Optional<StdioClientTransport> process) {
    }

    /** A new, not yet initialized client; {@code onToolsChanged} hears the server's list_changed notifications. */
    Connection connect(java.util.function.Consumer<List<McpSchema.Tool>> onToolsChanged) {
        McpClientTransport transport = transport();
        McpSyncClient client = McpClient.sync(transport)
                .toolsChangeConsumer(onToolsChanged)
                .requestTimeout(timeout)
                .initializationTimeout(timeout)
                .clientInfo(McpSchema.Implementation.builder("haia", VERSION).build())
                .build();
        return new Connection(client, transport instanceof StdioClientTransport stdio ? java.util.Optional.of(stdio)
                : java.util.Optional.empty());
    }

    /**
     * Why the stdio command cannot be started, before trying (the SDK would wait for its initialization timeout):
     * a program that is neither an executable file nor found on PATH.
     */
    java.util.Optional<String> commandProblem() {
        if (!(server.transport() instanceof ToolsConfig.McpTransport.Stdio stdio)) {
            return java.util.Optional.empty();
        }
        String program = stdio.command().getFirst();
        if (program.contains("/")) {
            return java.nio.file.Files.isExecutable(java.nio.file.Path.of(program)) ? java.util.Optional.empty()
                    : java.util.Optional.of(program + " is not an executable file");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String folder : path.split(java.io.File.pathSeparator)) {
            if (!folder.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(folder, program))) {
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.of(program + " is not found on PATH");
    }

    /** Where the server is, for {@code /health} and messages: no arguments, headers or environment (secrets). */
    String describe() {
        return switch (server.transport()) {
            case ToolsConfig.McpTransport.Stdio stdio -> "MCP over stdio, command " + stdio.command().getFirst();
            case ToolsConfig.McpTransport.Http http -> "MCP over Streamable HTTP at " + http.url().getScheme() + "://"
                    + http.url().getHost() + (http.url().getPort() < 0 ? "" : ":" + http.url().getPort())
                    + http.url().getPath();
        };
    }

    /** What the server wrote to stderr lately, one line, or empty. */
    String lastStderr() {
        synchronized (stderr) {
            return String.join(" | ", stderr);
        }
    }

    private McpClientTransport transport() {
        return switch (server.transport()) {
            case ToolsConfig.McpTransport.Stdio stdio -> stdio(stdio);
            case ToolsConfig.McpTransport.Http http -> http(http);
        };
    }

    private McpClientTransport stdio(ToolsConfig.McpTransport.Stdio stdio) {
        Map<String, String> env = new LinkedHashMap<>();
        stdio.env().forEach((name, value) -> env.put(name, value.reveal()));
        List<String> command = stdio.command();
        ServerParameters parameters = ServerParameters.builder(command.getFirst())
                .args(command.subList(1, command.size()))
                .env(env)
                .build();
        StdioClientTransport transport = new StdioClientTransport(parameters, McpJsonDefaults.getMapper()) {
            @Override
            protected ProcessBuilder getProcessBuilder() {
                ProcessBuilder builder = new ProcessBuilder();
                builder.environment().clear();   // the SDK then adds only its basics and the configured env
                return builder;
            }
        };
        transport.setStdErrorHandler(line -> {
            synchronized (stderr) {
                stderr.addLast(line.length() > 200 ? line.substring(0, 200) + "…" : line);
                while (stderr.size() > 3) {
                    stderr.removeFirst();
                }
            }
            LOG.log(System.Logger.Level.DEBUG, "MCP server " + server.name() + " stderr: " + line);
        });
        return transport;
    }

    private McpClientTransport http(ToolsConfig.McpTransport.Http http) {
        URI url = http.url();
        String base = url.getScheme() + "://" + url.getRawAuthority();
        String endpoint = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        Map<String, String> headers = new LinkedHashMap<>();
        http.headers().forEach((name, value) -> headers.put(name, value.reveal()));
        return HttpClientStreamableHttpTransport.builder(base)
                .endpoint(endpoint)
                .jsonMapper(McpJsonDefaults.getMapper())
                .connectTimeout(Duration.ofSeconds(Math.max(1, Math.min(5, timeout.toSeconds()))))
                .addHttpRequestCustomizer((request, method, uri, body, context) -> headers.forEach(request::header))
                .build();
    }
}
