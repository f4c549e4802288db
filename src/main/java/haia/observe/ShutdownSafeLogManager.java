package haia.observe;

import java.util.logging.LogManager;

/**
 * The JDK's {@link LogManager} closes all handlers in its own shutdown hook, which races HAIA's graceful shutdown
 * and swallows its last log lines ("waiting for N requests", "HAIA stopped"). This manager ignores that reset and
 * resets only when HAIA says it is done. Installed by {@code Main} before anything logs.
 */
public final class ShutdownSafeLogManager extends LogManager {

    /**
     * Set this as {@code java.util.logging.manager} before anything touches java.util.logging. As a string:
     * loading this class would initialize {@link LogManager} itself, too early.
     */
    public static final String CLASS_NAME = "haia.observe.ShutdownSafeLogManager";

    private volatile boolean finished;

    @Override
    public void reset() {
        if (finished || !inShutdown()) {
            super.reset();
        }
    }

    /** HAIA has logged its last line: now let the manager close its handlers. */
    public static void finish() {
        if (LogManager.getLogManager() instanceof ShutdownSafeLogManager manager) {
            manager.finished = true;
            manager.reset();
        }
    }

    private static boolean inShutdown() {
        for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
            if (frame.getClassName().startsWith("java.lang.ApplicationShutdownHooks")
                    || frame.getClassName().contains("LogManager$Cleaner")) {
                return true;
            }
        }
        return false;
    }
}
