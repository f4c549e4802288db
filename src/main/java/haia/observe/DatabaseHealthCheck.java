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
 * file system is not read-only (SQLite), and the last write did not fail for lack of room or permission or a
 * server that was gone (that clears with the next write that succeeds). A full disk is also reported by the disk
 * space check, which HAIA points at the database's folder. Says which database (dialect), how long the query took
 * and how busy the connection pool is. DOWN makes {@code /health} answer 503, so a container health check or a load
 * balancer sees it; with PostgreSQL, HAIA reconnects by itself when the server is back.
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
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().detail("dialect", store.dialect());
        Optional<String> problem;
        try {
            store.ping();
            response.detail("latencyMs", (System.nanoTime() - start) / 1_000_000);
            problem = readOnlyFileSystem().or(store::writeProblem).map(p -> p + " (reads still work)");
        } catch (RuntimeException e) {
            problem = Optional.of(e.getMessage());
        }
        problem.ifPresentOrElse(why -> response.status(HealthCheckResponse.Status.DOWN).detail("error", why),
                                () -> response.status(HealthCheckResponse.Status.UP));
        store.poolStats().ifPresent(pool -> response
                .detail("poolActive", pool.active())
                .detail("poolIdle", pool.idle())
                .detail("poolMax", pool.max())
                .detail("poolWaiting", pool.waiting()));
        return response.build();
    }

    private Optional<String> readOnlyFileSystem() {
        Optional<Path> file = store.file();
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path folder = file.get().getParent();
        try {
            return Files.getFileStore(folder).isReadOnly()
                    ? Optional.of("the database's file system (" + folder + ") is mounted read-only")
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.of("the database's folder " + folder + " cannot be examined: " + e.getMessage());
        }
    }
}
