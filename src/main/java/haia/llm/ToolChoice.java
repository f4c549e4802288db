package haia.llm;

import java.util.Objects;

/** Whether and which tool the model must call (OpenAI's {@code tool_choice}). */
public sealed interface ToolChoice {

    /** The model decides (the default when tools are offered). */
    record Auto() implements ToolChoice {
    }

    /** The model must not call a tool. */
    record None() implements ToolChoice {
    }

    /** The model must call at least one tool. */
    record Required() implements ToolChoice {
    }

    /** The model must call this tool. */
    record Named(String name) implements ToolChoice {
        public Named {
            Objects.requireNonNull(name, "name");
        }
    }

    ToolChoice AUTO = new Auto();
    ToolChoice NONE = new None();
    ToolChoice REQUIRED = new Required();

    /** Whether the model is made to call a tool (Claude cannot think then). */
    default boolean forced() {
        return this instanceof Required || this instanceof Named;
    }
}
