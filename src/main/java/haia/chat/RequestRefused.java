package haia.chat;

import java.util.Objects;

/**
 * A request the chosen model cannot serve as asked: it lacks a capability (images for a text-only local model,
 * tools, thinking, JSON), or its provider refuses the combination. The client gets a 400 naming the field, the
 * model and what to do; nothing is stored and no model is called.
 */
public final class RequestRefused extends RuntimeException {

    private final String param;

    public RequestRefused(String param, String message) {
        super(message, null, false, false);
        this.param = Objects.requireNonNull(param, "param");
    }

    /** The request field at fault, OpenAI's {@code param}. */
    public String param() {
        return param;
    }
}
