package haia.config;

import java.util.Objects;

/**
 * A credential. Its {@code toString()} never reveals the value, so secrets stay masked in config dumps, log lines
 * and exception messages that print a config record.
 */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a secret cannot be blank");
        }
    }

    /** The real value: only for the one place that sends it (an HTTP header) or compares it. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
