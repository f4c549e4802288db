package haia;

import java.util.Locale;

import haia.config.ConfigException;
import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.observe.ShutdownSafeLogManager;
import haia.store.StoreException;

import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;

/**
 * Starts HAIA: reads the configuration (failing fast, one line per problem), builds the object graph, starts the
 * server and installs an orderly shutdown for SIGTERM.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // before anything logs: keep HAIA's last lines on SIGTERM (see ShutdownSafeLogManager)
        System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.CLASS_NAME);
        LogConfig.configureRuntime();
        System.Logger log = System.getLogger(Main.class.getName());
        HaiaConfig config;
        try {
            config = ConfigLoader.fromEnvironment();
        } catch (ConfigException e) {
            System.err.println("HAIA cannot start: the configuration has " + e.problems().size() + " problem(s):");
            e.problems().forEach(problem -> System.err.println("  config error: " + problem));
            System.err.println("See README.md \"Configuration\" and .env.example.");
            System.exit(2);
            return;
        }
        Haia haia;
        try {
            haia = Haia.create(config);
        } catch (StoreException | IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("HAIA cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        WebServer server = haia.start();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("haia-shutdown").unstarted(() -> {
            haia.shutdown(server);
            ShutdownSafeLogManager.finish();
        }));
        String host = config.server().host();
        log.log(System.Logger.Level.INFO, "HAIA listening on http://" + host + ":" + server.port()
                + "/v1 (OpenAI API), /health, /metrics");
        if (config.security().apiKey().isEmpty() && !isLoopback(host)) {
            log.log(System.Logger.Level.WARNING, "HAIA listens on " + host + " without an API key: anyone who can reach"
                    + " this port can read your conversations and spend your model credit. Set HAIA_API_KEY (and the"
                    + " same key in OpenWebUI's connection) or SERVER_HOST=127.0.0.1.");
        }
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
    }
}
