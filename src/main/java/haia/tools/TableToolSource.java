package haia.tools;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A built-in source whose tools are a {@link ToolTable} (Proxmox, the container engine, Prometheus, the watch's
 * findings): its name, its tools and their calls come from here; a source adds its tools in its constructor and says
 * what it is ({@link #status()}) and how it is checked at start ({@link #start()}).
 */
public abstract class TableToolSource implements ToolSource {

    private final String name;
    protected final ToolTable tools;

    /**
     * @param name  the source's name, part of its tools' public names ({@code pve})
     * @param owner how error texts name it ("Proxmox")
     */
    protected TableToolSource(String name, String owner) {
        this.name = name;
        this.tools = new ToolTable(owner);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<ToolSpec> tools() {
        return tools.specs();
    }

    @Override
    public final ToolResult call(String tool, JsonNode arguments) {
        return tools.call(tool, arguments);
    }

    /**
     * A start-up check's outcome: the probe's own problem, or the error it threw with what follows from it (the
     * source stays offered, so the model reads the same error when it calls a tool).
     *
     * @param which how the sentence names the tools ("Proxmox")
     */
    protected static Optional<String> checked(String which, Supplier<Optional<String>> probe) {
        try {
            return probe.get();
        } catch (ToolException e) {
            return Optional.of(e.getMessage() + " The " + which + " tools answer with this error until it is fixed.");
        }
    }
}
