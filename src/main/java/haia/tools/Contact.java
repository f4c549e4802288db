package haia.tools;

import java.util.concurrent.atomic.AtomicReference;

/**
 * What a built-in tool source's last contact with its host showed, for {@code /health}: whether the host could be
 * used (it answered, whatever it answered), or why not (unreachable, TLS or its pinned certificate refused, the
 * token rejected). A bad argument the model chose (an unknown guest, a missing container) says nothing about the
 * host and is not a contact failure. The start-up check is the first contact, so {@code /health} tells the truth
 * from then on, not only after a chat used a tool.
 */
public final class Contact {

    private record Last(boolean up, String problem) {
    }

    private final AtomicReference<Last> last = new AtomicReference<>();

    /** The host answered. */
    public void up() {
        last.set(new Last(true, ""));
    }

    /** The host could not be used, and why (a text without secrets: it is shown in {@code /health}). */
    public void down(String problem) {
        last.set(new Last(false, problem));
    }

    /**
     * The source's state: {@code ready} before any contact, then {@code up}, or {@code down} with the reason.
     *
     * @param detail the source's kind and address
     */
    public SourceStatus status(String detail) {
        Last now = last.get();
        if (now == null) {
            return new SourceStatus("ready", detail);
        }
        return now.up() ? new SourceStatus("up", detail) : new SourceStatus("down", detail + ": " + now.problem());
    }
}
