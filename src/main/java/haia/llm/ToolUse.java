package haia.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The tools a request offers and how they may be used.
 *
 * @param tools    the tools, in the order they are offered (a provider mapping may mark the last one for caching)
 * @param choice   whether and which tool the model must call
 * @param parallel whether the model may call several at once, when the client said either way
 */
public record ToolUse(List<ToolDefinition> tools, ToolChoice choice, Optional<Boolean> parallel) {

    /** No tools. */
    public static final ToolUse NONE = new ToolUse(List.of(), ToolChoice.AUTO, Optional.empty());

    public ToolUse {
        tools = List.copyOf(tools);
        Objects.requireNonNull(choice, "choice");
        Objects.requireNonNull(parallel, "parallel");
    }

    /** Whether tools are offered at all (with {@code tool_choice: none} they are offered, but must not be called). */
    public boolean offered() {
        return !tools.isEmpty();
    }
}
