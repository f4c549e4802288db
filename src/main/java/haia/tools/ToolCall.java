package haia.tools;

import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One call the model asked for.
 *
 * @param name      the tool's public name
 * @param arguments the arguments object as the model sent it; see {@link ToolCatalog#arguments(String)} for
 *                  providers that send a string
 * @param context   the request it was made in
 */
public record ToolCall(String name, JsonNode arguments, ToolContext context) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
        Objects.requireNonNull(context, "context");
    }

    /** A call outside any request's context. */
    public ToolCall(String name, JsonNode arguments) {
        this(name, arguments, ToolContext.NONE);
    }
}
