package haia.tools;

import java.util.Objects;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool as the model sees it: the name it calls, what the tool returns and when to use it, and the JSON Schema of
 * its arguments (always {@code "type": "object"}). Sources describe their tools with their own (local) names; the
 * {@link ToolCatalog} hands them out under public names.
 *
 * @param name        a name every provider accepts: {@code ^[a-zA-Z0-9_-]{1,64}$} once public
 * @param description written for the model: what it returns, when to call it
 * @param inputSchema JSON Schema of the arguments object
 * @param readOnly    whether the tool only reads; true for HAIA's built-in tools, an untrusted hint for MCP tools
 */
public record ToolSpec(String name, String description, JsonNode inputSchema, boolean readOnly) {

    /** What OpenAI and Anthropic accept as a tool name (MCP and Gemini allow more; see {@link ToolNames}). */
    public static final Pattern PUBLIC_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(inputSchema, "inputSchema");
    }

    ToolSpec withName(String publicName) {
        return new ToolSpec(publicName, description, inputSchema, readOnly);
    }
}
