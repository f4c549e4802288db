package haia.store;

import java.util.Objects;

/**
 * A problem as a source reports it, before the store knows whether it is new: an alert in a webhook, or what a
 * check round found. {@code firing} false reports it resolved.
 *
 * @param fingerprint identifies it across repeats
 * @param source      where it came from
 * @param title       one line (no control characters: see {@code haia.observe.SafeText#oneLine})
 * @param severity    how bad
 * @param detail      the alert as the model reads it, a JSON object
 * @param firing      firing, or resolved
 */
public record Sighting(String fingerprint, String source, String title, Severity severity, String detail,
                       boolean firing) {

    public Sighting {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(detail, "detail");
    }
}
