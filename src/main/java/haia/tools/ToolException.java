package haia.tools;

/**
 * A tool call that failed for a reason the model (and the user reading along) should see as it is: bad arguments,
 * a refused permission, an unreachable host. The message is the whole error text of the {@link ToolResult}, so it
 * says what happened and, where known, what fixes it. It must never contain a secret.
 */
public class ToolException extends RuntimeException {

    public ToolException(String message) {
        super(message);
    }

    public ToolException(String message, Throwable cause) {
        super(message, cause);
    }
}
