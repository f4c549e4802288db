package haia.tools.mcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.config.ToolsConfig;
import haia.tools.SourceStatus;
import haia.tools.ToolException;
import haia.tools.ToolResult;
import haia.tools.ToolSource;
import haia.tools.ToolSpec;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * One configured MCP server as a tool source. It connects in the background at start (a server that is not there is
 * a warning, never a start-up failure), keeps the last tool list it saw (so tool names stay stable while the server
 * is away), and reconnects: a supervisor thread retries with growing pauses (1 s doubling up to
 * {@code tools.mcp-retry}) while the server is down and pings it at that interval while it is up; a call that finds
 * the server down tries to connect at once, and a call that loses the connection marks it down and wakes the
 * supervisor. A failed call is never retried behind the model's back: an MCP tool may not be idempotent.
 */
public final class McpServerSource implements ToolSource {

    private static final System.Logger LOG = System.getLogger(McpServerSource.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private final ToolsConfig.McpServer config;
    private final McpConnector connector;
    private final Duration retryMax;
    private final Object connecting = new Object();
    private final Semaphore wake = new Semaphore(0);
    private volatile McpSyncClient client;
    private volatile List<ToolSpec> tools = List.of();
    private volatile String state = "connecting";
    private volatile String problem = "";
    private volatile boolean closed;
    private volatile Thread supervisor;

    public McpServerSource(ToolsConfig.McpServer config, Duration timeout, Duration retryMax) {
        this.config = config;
        this.connector = new McpConnector(config, timeout);
        this.retryMax = retryMax;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public List<ToolSpec> tools() {
        return tools;
    }

    @Override
    public SourceStatus status() {
        return new SourceStatus(state, connector.describe() + (problem.isEmpty() ? "" : ", " + problem));
    }

    /** Connects once, then leaves reconnecting to the supervisor; the problem, if any, with its fix. */
    @Override
    public Optional<String> start() {
        Optional<String> result = connect();
        supervisor = Thread.ofVirtual().name("haia-mcp-" + config.name()).start(this::supervise);
        return result;
    }

    @Override
    public ToolResult call(String tool, JsonNode arguments) {
        if (!config.allow().isEmpty() && !config.allow().contains(tool)) {
            throw new ToolException("The tool " + tool + " of MCP server '" + config.name() + "' is not allowed"
                                            + " (tools.mcp-servers: tools).");
        }
        McpSyncClient current = client;
        if (current == null) {
            connect();
            current = client;
        }
        if (current == null) {
            throw new ToolException("The MCP server '" + config.name() + "' is not connected (" + problem
                                            + "). HAIA keeps trying to reconnect; try again in a moment.");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> args = JSON.convertValue(arguments, Map.class);
        try {
            return McpContent.toResult(current.callTool(McpSchema.CallToolRequest.builder(tool).arguments(args).build()));
        } catch (McpError e) {
            if (e.getJsonRpcError() != null) {
                // the server answered with a JSON-RPC error (unknown tool, invalid arguments): it is alive
                throw new ToolException("MCP server '" + config.name() + "' refused the call to " + tool + ": "
                                                + e.getJsonRpcError().message());
            }
            throw lost(current, e);
        } catch (RuntimeException e) {
            throw lost(current, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        wake.release();
        Thread running = supervisor;
        if (running != null) {
            running.interrupt();
        }
        synchronized (connecting) {
            disconnect();
        }
    }

    // ---- connection handling ----

    private ToolException lost(McpSyncClient broken, RuntimeException e) {
        markDown(broken, message(e));
        return new ToolException("The MCP server '" + config.name() + "' failed or went away during the call ("
                                         + problem + "). HAIA reconnects in the background; calling again retries.");
    }

    private Optional<String> connect() {
        synchronized (connecting) {
            if (closed) {
                return Optional.empty();
            }
            if (client != null) {
                return Optional.empty();
            }
            McpSyncClient candidate = null;
            try {
                Optional<String> unstartable = connector.commandProblem();
                if (unstartable.isPresent()) {
                    throw new IllegalStateException(unstartable.get());
                }
                McpConnector.Connection connection = connector.connect(this::toolsChanged);
                candidate = connection.client();
                candidate.initialize();
                List<McpSchema.Tool> listed = candidate.listTools().tools();
                toolsChanged(listed);
                client = candidate;
                McpSyncClient connected = candidate;
                connection.process().ifPresent(process -> Thread.ofVirtual().name("haia-mcp-exit-" + config.name())
                        .start(() -> {
                            process.awaitForExit();
                            markDown(connected, "the server process exited");
                        }));
                state = "connected";
                problem = "";
                List<String> offered = listed.stream().map(McpSchema.Tool::name).toList();
                List<String> unknown = config.allow().stream().filter(n -> !offered.contains(n)).toList();
                LOG.log(System.Logger.Level.INFO, "MCP server '" + config.name() + "' connected: "
                        + tools.size() + " tool(s) offered");
                return unknown.isEmpty() ? Optional.empty() : Optional.of("MCP server '" + config.name()
                        + "' has no tool(s) " + unknown + " from its allow-list; it offers " + offered);
            } catch (RuntimeException e) {
                if (candidate != null) {
                    candidate.close();
                }
                state = "down";
                problem = message(e);
                return Optional.of("MCP server '" + config.name() + "' (" + connector.describe()
                        + ") is not available: " + problem + ". " + fix()
                        + " HAIA keeps retrying in the background; until then its tools answer with an error.");
            }
        }
    }

    private void markDown(McpSyncClient broken, String why) {
        synchronized (connecting) {
            if (client == broken) {
                disconnect();
                state = "down";
                problem = why;
                LOG.log(System.Logger.Level.WARNING, "MCP server '" + config.name() + "' went away: " + why
                        + "; reconnecting");
            }
        }
        wake.release();
    }

    /** Drops the client; a broken connection is closed at once (a graceful close waits up to 10 s for it). */
    private void disconnect() {
        McpSyncClient old = client;
        client = null;
        if (old != null) {
            if (closed) {
                closeQuietly(old);
            } else {
                old.close();
            }
        }
    }

    /** Reconnects while down (growing pauses), pings while up; ends when the source closes. */
    private void supervise() {
        Duration pause = FIRST_RETRY;
        while (!closed) {
            McpSyncClient current = client;
            try {
                if (current == null) {
                    wake.tryAcquire(pause.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                    if (!closed && connect().isEmpty() && client != null) {
                        pause = FIRST_RETRY;
                    } else if (client == null) {
                        pause = pause.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : pause.multipliedBy(2);
                    }
                } else {
                    wake.tryAcquire(retryMax.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                    if (!closed && client == current) {
                        try {
                            current.ping();
                        } catch (RuntimeException e) {
                            markDown(current, message(e));
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void toolsChanged(List<McpSchema.Tool> listed) {
        List<ToolSpec> specs = new ArrayList<>();
        for (McpSchema.Tool tool : listed) {
            if (config.allow().isEmpty() || config.allow().contains(tool.name())) {
                specs.add(spec(tool));
            }
        }
        tools = List.copyOf(specs);
    }

    private ToolSpec spec(McpSchema.Tool tool) {
        JsonNode schema = tool.inputSchema() == null ? JSON.createObjectNode() : JSON.valueToTree(tool.inputSchema());
        if (schema instanceof ObjectNode object && !object.has("type")) {
            object.put("type", "object");
        }
        String description = tool.description() != null ? tool.description()
                : tool.title() != null ? tool.title() : tool.name();
        // readOnlyHint is the server's claim, untrusted (MCP spec): shown, never relied on
        boolean readOnly = tool.annotations() != null && Boolean.TRUE.equals(tool.annotations().readOnlyHint());
        return new ToolSpec(tool.name(), "[MCP server " + config.name() + "] " + description, schema, readOnly);
    }

    private String fix() {
        return switch (config.transport()) {
            case ToolsConfig.McpTransport.Stdio stdio -> "Check that '" + stdio.command().getFirst()
                    + "' is installed where HAIA runs and that the command works when run by hand"
                    + (connector.lastStderr().isEmpty() ? "" : " (it said: " + connector.lastStderr() + ")") + ".";
            case ToolsConfig.McpTransport.Http http -> "Check that the server runs and that HAIA can reach "
                    + http.url() + ".";
        };
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }

    private static void closeQuietly(McpSyncClient c) {
        try {
            c.closeGracefully();
        } catch (RuntimeException e) {
            c.close();
        }
    }
}
