package haia.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import haia.config.HaiaConfig;
import haia.config.Secret;

/**
 * A real PostgreSQL server for tests: Debian's package, a new cluster in a temporary directory, listening on a free
 * loopback port (started and stopped by {@code bin/pg-scratch}, which the benchmark uses too). {@link #shared()}
 * is started once per test JVM and stopped by its pid when the JVM exits, failed tests or not; a test that stops
 * and starts its server (the outage test) starts its own.
 */
public final class PostgresServer implements AutoCloseable {

    private static final Path SCRIPT = Path.of("bin/pg-scratch").toAbsolutePath();
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer shared;

    private final Path dir;
    private final int port;
    private final String superuserPassword;
    /** HAIA's login, as an operator would create it: not a superuser, owner of its databases. */
    private final String haiaPassword = "haia-pw-" + Long.toHexString(System.nanoTime());

    private PostgresServer(Path dir, int port) throws IOException {
        this.dir = dir;
        this.port = port;
        start();
        this.superuserPassword = Files.readString(dir.resolve("superuser-password")).strip();
        admin("CREATE ROLE haia LOGIN PASSWORD '" + haiaPassword + "'");
    }

    /** A database on HAIA's login, as HAIA is configured with it. */
    public record Database(String name, String url, String user, Secret password) {

        /** The environment that points HAIA at it. */
        public Map<String, String> env() {
            Map<String, String> env = new HashMap<>();
            env.put("HAIA_DB_URL", url);
            env.put("HAIA_DB_USER", user);
            env.put("HAIA_DB_PASSWORD", password.reveal());
            return env;
        }

        public HaiaConfig.Store store(HaiaConfig.Store.Pool pool) {
            return new HaiaConfig.Store(Path.of("unused.db"), java.util.OptionalLong.empty(),
                                        Optional.of(new HaiaConfig.Store.Server(url, Optional.of(user),
                                                                                Optional.of(password))), pool);
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password.reveal());
        }
    }

    /** The JVM's one shared server, started on first use. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = startNew();
            PostgresServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stop-test-postgres"));
        }
        return shared;
    }

    /** A server of one's own (close it). */
    public static PostgresServer startNew() {
        try {
            return new PostgresServer(Files.createTempDirectory("haia-pg-"), HaiaProcess.freePort());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a test PostgreSQL server: " + e.getMessage(), e);
        }
    }

    /** A new, empty database owned by HAIA's login. */
    public Database newDatabase() {
        String name = "haia_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        admin("CREATE DATABASE " + name + " OWNER haia");
        return new Database(name, "jdbc:postgresql://127.0.0.1:" + port + "/" + name, "haia", new Secret(haiaPassword));
    }

    public int port() {
        return port;
    }

    /** Starts the server (again, after {@link #stop()}) and waits until it accepts connections. */
    public void start() throws IOException {
        run(List.of(SCRIPT.toString(), "start", dir.toString(), Integer.toString(port), "fast"));
    }

    /** Stops the server (fast shutdown: sessions are cut, as when an operator restarts it). */
    public void stop() throws IOException {
        run(List.of(SCRIPT.toString(), "stop", dir.toString()));
    }

    /** Freezes the server and all its processes (SIGSTOP): it hangs, as on a stalled disk or a paused VM. */
    public void freeze() throws IOException {
        run(List.of(SCRIPT.toString(), "freeze", dir.toString()));
    }

    /** Lets a frozen server go on (SIGCONT). */
    public void thaw() throws IOException {
        run(List.of(SCRIPT.toString(), "thaw", dir.toString()));
    }

    /** {@code pg_ctl restart -m fast}: sessions are cut, and the server is back once this returns. */
    public void restart() throws IOException {
        run(List.of(SCRIPT.toString(), "restart", dir.toString()));
    }

    private void admin(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                                                        "postgres", superuserPassword);
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(command + " did not finish within 90 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(command + " failed (" + process.exitValue() + "): " + output);
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (IOException e) {
            System.err.println("test PostgreSQL server in " + dir + " did not stop: " + e.getMessage());
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
