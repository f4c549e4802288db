package haia.tools;

import java.util.Objects;

/**
 * What a tool call gave, as text for the model: compact, in human units, capped in size by the {@link ToolCatalog}.
 * A failure (unreachable host, refused permission, timeout, bad arguments, unknown tool) is a result too, with
 * {@code error} set and a text that says what went wrong and, where HAIA knows it, how to fix it.
 *
 * @param text  what the model reads; never empty
 * @param error whether the call failed (Anthropic {@code is_error}, MCP {@code isError})
 */
public record ToolResult(String text, boolean error) {

    public ToolResult {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            text = error ? "the tool failed without saying why" : "(no output)";
        }
    }

    public static ToolResult ok(String text) {
        return new ToolResult(text, false);
    }

    public static ToolResult error(String text) {
        return new ToolResult(text, true);
    }
}
