package haia.store;

import java.util.Locale;

/** Where a stored message stands; only {@link #OK} and {@link #IMPORTED} messages can enter the context window. */
public enum MessageStatus {
    OK,
    FAILED,
    INCOMPLETE,
    SUPERSEDED,
    IMPORTED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MessageStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public boolean live() {
        return this == OK || this == IMPORTED;
    }
}
