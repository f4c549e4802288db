package haia.store;

/**
 * The database could not do what was asked: disk full, read-only file system, corruption, or a bug. The message
 * says which in words an operator can act on.
 */
public class StoreException extends RuntimeException {

    /** Whether the condition is the environment's (disk full, read-only) and may clear by itself. */
    private final boolean unavailable;

    public StoreException(String message, boolean unavailable, Throwable cause) {
        super(message, cause);
        this.unavailable = unavailable;
    }

    public boolean unavailable() {
        return unavailable;
    }
}
