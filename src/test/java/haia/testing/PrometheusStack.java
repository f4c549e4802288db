package haia.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus and a real Alertmanager for tests: Debian's packages ({@code prometheus},
 * {@code prometheus-alertmanager}), unpacked by {@code .ci/run} into {@code ~/.cache/haia/prometheus} (or found on
 * {@code PATH}), each started on a loopback port of its own with its own storage in the test's directory, and stopped
 * by its pid. Where the binaries (or Debian's Alertmanager templates in /usr/share/prometheus/alertmanager, which
 * .ci/run copies there) are missing, the tests that need them are skipped with a loud message.
 */
public final class PrometheusStack {

    private PrometheusStack() {
    }

    /** One running server. */
    public static final class Server implements AutoCloseable {
        private final Process process;
        private final int port;
        private final Path log;

        private Server(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        public int port() {
            return port;
        }

        /** {@code http://127.0.0.1:<port>} */
        public String url() {
            return "http://127.0.0.1:" + port;
        }

        public URI uri(String path) {
            return URI.create(url() + path);
        }

        public long pid() {
            return process.pid();
        }

        public String log() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        /** Stops it by its pid (SIGTERM, then SIGKILL after 10 s). */
        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Starts Prometheus with {@code config} (its YAML, where {@code %PORT%} stands for its own port, to scrape
     * itself), scraping and evaluating as fast as the config says, resending alerts to Alertmanager every second.
     */
    public static Server prometheus(Path dir, String config) throws Exception {
        return prometheus(dir, config, Optional.empty());
    }

    /** The password of {@link #prometheusBehindBasicAuth}'s user. */
    public static final String BASIC_PASSWORD = "test";

    /**
     * Prometheus as {@link #prometheus}, in a folder of its own below {@code dir}, with its web configuration
     * asking every request for HTTP basic authentication as {@code user} with {@link #BASIC_PASSWORD} (Prometheus
     * keeps a bcrypt hash: this one is of "test", checked against Prometheus 2.42).
     */
    public static Server prometheusBehindBasicAuth(Path dir, String config, String user) throws Exception {
        Path home = Files.createDirectories(dir.resolve("basic-auth"));
        Path web = Files.writeString(home.resolve("web.yml"), """
                basic_auth_users:
                  %s: $2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay
                """.formatted(user));
        return prometheus(home, config, Optional.of(web));
    }

    private static Server prometheus(Path dir, String config, Optional<Path> webConfig) throws Exception {
        Path home = Files.createDirectories(dir.resolve("prometheus"));
        int port = freePort();
        Files.writeString(home.resolve("prometheus.yml"), config.replace("%PORT%", Integer.toString(port)));
        List<String> flags = new ArrayList<>(List.of(
                "--config.file=" + home.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + home.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                // a first notification that went out before the Alertmanager was discovered is sent again in 1 s,
                // not the default minute (../shared/notes/real-upstreams.md)
                "--rules.alert.resend-delay=1s"));
        webConfig.ifPresent(web -> flags.add("--web.config.file=" + web));
        // behind basic authentication even /-/ready asks for it: its 401 says the server answers
        return start(binary("prometheus"), home, port, flags, webConfig.isPresent() ? 401 : 200);
    }

    /** Starts Alertmanager with {@code config} (its YAML), without clustering. */
    public static Server alertmanager(Path dir, String config) throws Exception {
        Path home = Files.createDirectories(dir.resolve("alertmanager"));
        Files.writeString(home.resolve("alertmanager.yml"), config);
        if (!Files.isRegularFile(Path.of("/usr/share/prometheus/alertmanager/default.tmpl"))) {
            skip("Debian's Alertmanager reads /usr/share/prometheus/alertmanager/default.tmpl, which is missing"
                         + " (.ci/run copies it there from the package)");
        }
        int port = freePort();
        return start(binary("prometheus-alertmanager"), home, port, List.of(
                "--config.file=" + home.resolve("alertmanager.yml"),
                "--storage.path=" + home.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address="), 200);
    }

    /** A loopback port nothing listens on (taken and released: a target that is down). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Server start(Path binary, Path home, int port, List<String> flags, int ready) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(flags);
        Path log = home.resolve("server.log");
        Process process = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Server server = new Server(process, port, log);
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(end)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(binary.getFileName() + " exited at start (" + process.exitValue()
                                                        + "):\n" + server.log());
            }
            try {
                if (Http.get(server.uri("/-/ready")).status() == ready) {
                    return server;
                }
            } catch (Exception notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        server.close();
        throw new IllegalStateException(binary.getFileName() + " was not ready within 60 s:\n" + server.log());
    }

    /** The binary on PATH, else where .ci/run unpacks the Debian package; the test is skipped without it. */
    static Path binary(String name) {
        List<Path> candidates = new ArrayList<>();
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            candidates.add(Path.of(entry, name));
        }
        String cache = Optional.ofNullable(System.getenv("HAIA_CACHE"))
                .orElse(System.getProperty("user.home") + "/.cache/haia");
        candidates.add(Path.of(cache, "prometheus/usr/bin", name));
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        skip(name + " is not installed (Debian package " + (name.contains("alertmanager") ? "prometheus-alertmanager"
                : "prometheus") + "; .ci/run unpacks it into ~/.cache/haia/prometheus)");
        return null;
    }

    private static void skip(String why) {
        String banner = "\n" + "!".repeat(100) + "\nSKIPPING the real-Prometheus tests: " + why + "\n" + "!".repeat(100);
        System.err.println(banner);
        Assumptions.abort(banner);
    }
}
