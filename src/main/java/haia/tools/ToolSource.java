package haia.tools;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Something that offers tools: the built-in Proxmox VE and Docker/Podman clients, or one MCP server. Sources name
 * their tools locally; the {@link ToolCatalog} gives them public names, bounds each call in time and size, redacts
 * secrets and turns every failure into an error result.
 *
 * <p>Implementations must be safe to call from many virtual threads at once.
 */
public interface ToolSource extends AutoCloseable {

    /** The source's name, part of its tools' public names: {@code pve}, {@code docker} or an MCP server's name. */
    String name();

    /** The tools offered now, with local names. May change (an MCP server that reconnected). */
    List<ToolSpec> tools();

    /**
     * Runs a tool.
     *
     * @param tool      a local name from {@link #tools()}
     * @param arguments the model's arguments, a JSON object
     * @throws ToolException for failures the model should read as they are (its text becomes the error result)
     */
    ToolResult call(String tool, JsonNode arguments);

    /** Runs a tool that may read the request's context (HAIA's memory); the others ignore it. */
    default ToolResult call(String tool, JsonNode arguments, ToolContext context) {
        return call(tool, arguments);
    }

    /** What {@code /health} says about the source: its state and address, never a secret. */
    SourceStatus status();

    /**
     * Called once after start-up, off the request path: connects (MCP) or checks that the source answers.
     *
     * @return a problem with its fix, for a warning in the log; empty when the source works
     */
    default Optional<String> start() {
        return Optional.empty();
    }

    @Override
    void close();
}
