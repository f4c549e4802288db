package haia.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A real Podman engine for tests, run by {@code src/test/scripts/podman-engine.sh} in its own directory (its own
 * storage, four busybox containers, the Docker-compatible API on a socket there) and stopped by its pid. Where Podman
 * cannot run at all (not installed, no usable runtime) the tests that need it are skipped with a loud message;
 * any other failure fails them.
 */
public final class PodmanEngine implements AutoCloseable {

    private static final Path SCRIPT = Path.of("src/test/scripts/podman-engine.sh");
    private final Path dir;
    private final Path socket;

    private PodmanEngine(Path dir, Path socket) {
        this.dir = dir;
        this.socket = socket;
    }

    public static PodmanEngine start(Path dir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", SCRIPT.toString(), "start", dir.toString()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("podman-engine.sh start did not finish in 120 s");
        }
        if (process.exitValue() == 3) {
            String banner = "\n" + "!".repeat(100) + "\nSKIPPING the real-Podman tests: " + err
                    + "\n(.ci/run installs podman, runc and busybox-static; see src/test/scripts/podman-engine.sh)\n"
                    + "!".repeat(100);
            System.err.println(banner);
            Assumptions.abort(banner);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("podman-engine.sh start failed (" + process.exitValue() + "): " + err);
        }
        return new PodmanEngine(dir, Path.of(out));
    }

    /** {@code unix:///...} for HAIA_DOCKER_HOST. */
    public String host() {
        return "unix://" + socket;
    }

    public Path socket() {
        return socket;
    }

    /** Adds the containers the watch must find: "sick" (unhealthy), "crasher" (exit 2), "hog" (exit 137). */
    public void trouble() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", SCRIPT.toString(), "trouble", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("podman-engine.sh trouble failed: " + out);
        }
    }

    @Override
    public void close() {
        try {
            Process stop = new ProcessBuilder("bash", SCRIPT.toString(), "stop", dir.toString())
                    .redirectErrorStream(true).start();
            stop.getInputStream().readAllBytes();
            stop.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
