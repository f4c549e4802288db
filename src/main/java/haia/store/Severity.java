package haia.store;

import java.util.Locale;
import java.util.Optional;

/**
 * How bad a finding is, in three steps every source maps to: Alertmanager's {@code severity} label, a generic alert's
 * {@code severity} (Proxmox VE's notification severities too), HAIA's own checks. It sets a notification's priority.
 */
public enum Severity {
    CRITICAL,
    WARNING,
    INFO;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Severity fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /**
     * A sender's word for a severity: {@code critical}, {@code error}, {@code page}, {@code high}, {@code emergency}
     * and the like are critical; {@code warning}, {@code warn}, {@code major}, {@code medium} a warning; {@code info},
     * {@code notice}, {@code low}, {@code none}, {@code ok}, {@code unknown} information. Empty for a word none of
     * these is (the sender's default applies).
     */
    public static Optional<Severity> of(String word) {
        String w = word == null ? "" : word.strip().toLowerCase(Locale.ROOT);
        return switch (w) {
            case "critical", "crit", "error", "err", "page", "high", "emergency", "alert", "fatal", "disaster" ->
                    Optional.of(CRITICAL);
            case "warning", "warn", "major", "medium", "average", "minor" -> Optional.of(WARNING);
            case "info", "information", "informational", "notice", "low", "none", "ok", "unknown", "debug" ->
                    Optional.of(INFO);
            default -> Optional.empty();
        };
    }
}
