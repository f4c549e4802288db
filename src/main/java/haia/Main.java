package haia;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import haia.config.ConfigException;
import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.observe.HaiaMetrics;
import haia.observe.ShutdownSafeLogManager;
import haia.store.StoreException;

import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;

/**
 * Starts HAIA: reads the configuration (failing fast, one line per problem), builds the object graph, starts the
 * server and installs an orderly shutdown for SIGTERM.
 *
 * <p>Exit codes, for systemd, Quadlet and Podman restart policies: 2 for a configuration problem (fix the
 * configuration: a restart will not help), 1 when HAIA cannot start for another reason (the port is taken, the
 * database cannot be written), 0 or 143 after an orderly shutdown on SIGTERM.
 */
public final class Main {

    static final int CONFIG_ERROR = 2;
    static final int CANNOT_START = 1;

    private Main() {
    }

    public static void main(String[] args) {
        // before anything logs: keep HAIA's last lines on SIGTERM (see ShutdownSafeLogManager)
        System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.CLASS_NAME);
        LogConfig.configureRuntime();
        System.Logger log = System.getLogger(Main.class.getName());
        // the meters (Helidon's service registry behind them: a fifth of start-up) need nothing from the
        // configuration: built on a second core while it is read
        CompletableFuture<HaiaMetrics> metrics = CompletableFuture.supplyAsync(HaiaMetrics::new, Haia::startUpThread);
        HaiaConfig config;
        try {
            config = ConfigLoader.fromEnvironment();
        } catch (ConfigException e) {
            System.err.println("HAIA cannot start: the configuration has " + e.problems().size() + " problem(s):");
            e.problems().forEach(problem -> System.err.println("  config error: " + problem));
            System.err.println("See docs/configuration.md and .env.example.");
            System.exit(CONFIG_ERROR);
            return;
        }
        log.log(System.Logger.Level.INFO, describe(config.origin()) + "; " + jvm());
        String host = config.server().host();
        listenProblem(host, config.server().port()).ifPresent(Main::cannotStart);
        Haia haia;
        try {
            haia = Haia.create(config, Clock.systemUTC(), metrics);
        } catch (StoreException | IllegalArgumentException | java.io.UncheckedIOException e) {
            cannotStart(e.getMessage());
            return;
        }
        WebServer server = haia.start();
        if (!server.isRunning()) {
            // another process took the port between the check and the start (Helidon has logged why)
            haia.close();
            cannotStart("cannot listen on " + host + ":" + config.server().port());
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("haia-shutdown").unstarted(() -> {
            haia.shutdown(server);
            ShutdownSafeLogManager.finish();
        }));
        log.log(System.Logger.Level.INFO, "HAIA listening on http://" + host + ":" + server.port()
                + "/v1 (OpenAI API), /health, /metrics");
        if (config.security().apiKey().isEmpty() && !isLoopback(host)) {
            log.log(System.Logger.Level.WARNING, "HAIA listens on " + host + " without an API key: anyone who can reach"
                    + " this port can read your conversations and spend your model credit. Set HAIA_API_KEY (and the"
                    + " same key in OpenWebUI's connection) or SERVER_HOST=127.0.0.1.");
        }
    }

    private static void cannotStart(String reason) {
        System.err.println("HAIA cannot start: " + reason);
        System.exit(CANNOT_START);
    }

    /**
     * Whether HAIA could listen on the address: tried before anything else starts, so a taken port is one clear
     * line (Helidon itself logs a stack trace, then carries on without a listener).
     */
    static Optional<String> listenProblem(String host, int port) {
        if (port == 0) {
            return Optional.empty();
        }
        String where = "cannot listen on " + host + ":" + port + ": ";
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            return Optional.of(where + "unknown host (SERVER_HOST)");
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);   // as the server will: a socket of a just-stopped HAIA does not count
            socket.bind(address);
            return Optional.empty();
        } catch (BindException e) {
            String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("in use")) {
                return Optional.of(where + "address already in use (another HAIA or another service; pick another"
                                           + " SERVER_PORT)");
            }
            if (message.contains("permission") || message.contains("denied")) {
                return Optional.of(where + "permission denied (ports below 1024 need privileges; use e.g. 8000)");
            }
            return Optional.of(where + "no such address on this machine (SERVER_HOST)");
        } catch (SocketException e) {
            return Optional.of(where + e.getMessage());
        } catch (IOException e) {
            return Optional.of(where + e.getMessage());
        }
    }

    /** Where the configuration came from, in absolute paths: what a user checks first when a setting is ignored. */
    private static String describe(HaiaConfig.Origin origin) {
        return "Configuration: working directory " + origin.workDir()
                + "; .env " + origin.dotEnv().map(Object::toString).orElse("(none at " + origin.workDir().resolve(".env") + ")")
                + "; YAML " + origin.yaml().map(Object::toString).orElse("(built-in defaults only)");
    }

    /** The JVM HAIA runs on and the heap it may use (config errors in JVM flags show up here first). */
    private static String jvm() {
        long maxHeapMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        String collectors = String.join(" + ", ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).toList());
        return "JVM: Java " + Runtime.version().feature() + ", max heap " + maxHeapMb + " MB, collectors "
                + collectors;
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
    }
}
