package haia.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import haia.store.ConversationStore;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * UP while HAIA can both read and write its conversation database: a trivial query succeeds, the database's own
 * file system is not read-only, and the last write did not fail for lack of room or permission (that clears with
 * the next write that succeeds). A full disk is also reported by the disk space check, which HAIA points at the
 * database's folder. DOWN makes {@code /health} answer 503, so a container health check sees it.
 */
public final class DatabaseHealthCheck implements HealthCheck {

    private final ConversationStore store;

    public DatabaseHealthCheck(ConversationStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "database";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        long start = System.nanoTime();
        try {
            store.ping();
        } catch (RuntimeException e) {
            return down(e.getMessage());
        }
        long latency = (System.nanoTime() - start) / 1_000_000;
        Optional<String> problem = readOnlyFileSystem().or(store::writeProblem);
        if (problem.isPresent()) {
            return down(problem.get() + " (reads still work)");
        }
        return HealthCheckResponse.builder()
                .status(HealthCheckResponse.Status.UP)
                .detail("latencyMs", latency)
                .build();
    }

    private Optional<String> readOnlyFileSystem() {
        Path folder = store.file().getParent();
        try {
            return Files.getFileStore(folder).isReadOnly()
                    ? Optional.of("the database's file system (" + folder + ") is mounted read-only")
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.of("the database's folder " + folder + " cannot be examined: " + e.getMessage());
        }
    }

    private static HealthCheckResponse down(String why) {
        return HealthCheckResponse.builder()
                .status(HealthCheckResponse.Status.DOWN)
                .detail("error", why)
                .build();
    }
}
