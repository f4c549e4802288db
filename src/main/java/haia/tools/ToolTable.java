package haia.tools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tools of a built-in source by local name: their specs (all read-only) and what each runs. Arguments reach a
 * tool through {@link Args}, so a bad one becomes a {@link ToolException} naming it.
 */
public final class ToolTable {

    private record Entry(ToolSpec spec, Function<Args, String> run) {
    }

    private final String owner;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private List<ToolSpec> specs = List.of();

    /** @param owner how error texts name the source, e.g. "Proxmox" */
    public ToolTable(String owner) {
        this.owner = owner;
    }

    /**
     * Adds a read-only tool.
     *
     * @param properties the JSON Schema properties of its arguments, as a JSON object text
     */
    public ToolTable add(String name, String description, String properties, List<String> required,
                         Function<Args, String> run) {
        entries.put(name, new Entry(new ToolSpec(name, description, Schemas.object(properties, required), true), run));
        specs = entries.values().stream().map(Entry::spec).toList();
        return this;
    }

    /** The same list each time (a table is built once): the catalog lists a source again only when its list changes. */
    public List<ToolSpec> specs() {
        return specs;
    }

    public ToolResult call(String name, JsonNode arguments) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new ToolException(owner + " has no tool " + name + ".");
        }
        return ToolResult.ok(entry.run().apply(new Args(name, arguments)));
    }
}
