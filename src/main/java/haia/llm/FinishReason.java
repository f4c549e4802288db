package haia.llm;

/** Why the model stopped, in provider-neutral terms; each provider maps its own reasons onto these. */
public enum FinishReason {
    /** Natural end of turn or a stop sequence. */
    STOP,
    /** The token limit (or the model's context window) cut the reply short. */
    LENGTH,
    /** The provider refused or filtered the content. */
    CONTENT_FILTER,
    /** The model wants to call a tool. */
    TOOL_CALLS
}
