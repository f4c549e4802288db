package haia.tools;

import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One call the model asked for.
 *
 * @param name      the tool's public name
 * @param arguments the arguments object as the model sent it; see {@link ToolCatalog#arguments(String)} for
 *                  providers that send a string
 */
public record ToolCall(String name, JsonNode arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
