package haia.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One problem HAIA's watch knows of: an alert that came in, or something its own checks found.
 *
 * @param id              the row's id
 * @param fingerprint     what identifies the problem across repeats (Alertmanager's fingerprint, a hash of a generic
 *                        alert's source and labels, or a check's own key such as {@code pve/ceph/OSD_DOWN})
 * @param source          where it came from: {@code alertmanager}, {@code alert} (POST /v1/alerts, or its
 *                        {@code source} field), {@code pve}, {@code docker}, {@code prometheus}
 * @param title           one line: what fired, where
 * @param severity        how bad
 * @param firing          firing, or resolved
 * @param firstSeen       when it opened
 * @param lastSeen        when it was last reported (a repeat, or a check round that still saw it)
 * @param resolvedAt      when it was resolved
 * @param detail          the alert as the model reads it: a JSON object with its labels and annotations verbatim
 * @param investigationId the investigation that looked into it, once one started
 * @param summary         that investigation's one-line summary, once it has one
 */
public record Finding(long id, String fingerprint, String source, String title, Severity severity, boolean firing,
                      Instant firstSeen, Instant lastSeen, Optional<Instant> resolvedAt, String detail,
                      OptionalLong investigationId, Optional<String> summary) {

    public Finding {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(resolvedAt, "resolvedAt");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(summary, "summary");
    }

    /** {@code firing} or {@code resolved}, as the API and the database write it. */
    public String status() {
        return firing ? "firing" : "resolved";
    }

    /** The same finding, resolved at {@code at}. */
    public Finding resolved(Instant at) {
        return new Finding(id, fingerprint, source, title, severity, false, firstSeen, lastSeen, Optional.of(at),
                           detail, investigationId, summary);
    }

    /** The same finding, seen again at {@code at}. */
    public Finding seen(Instant at) {
        return new Finding(id, fingerprint, source, title, severity, firing, firstSeen, at, resolvedAt, detail,
                           investigationId, summary);
    }
}
