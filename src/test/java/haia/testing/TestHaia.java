package haia.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import haia.Haia;
import haia.config.ConfigLoader;
import haia.config.HaiaConfig;

import io.helidon.webserver.WebServer;

/**
 * The real HAIA server, started in-process on 127.0.0.1 with a free port, configured exactly as a user would
 * configure it: through environment variables (plus a working directory for {@code .env} and {@code config/}).
 */
public final class TestHaia implements AutoCloseable {

    private final Haia haia;
    private final WebServer server;

    private TestHaia(Haia haia, WebServer server) {
        this.haia = haia;
        this.server = server;
    }

    /** Environment every test server starts from: loopback, a free port, a database in {@code dir}. */
    public static Map<String, String> baseEnv(Path dir, FakeAnthropic upstream) {
        Map<String, String> env = loopbackEnv(dir);
        env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
        env.put("ANTHROPIC_BASE_URL", upstream.baseUrl());
        return env;
    }

    /** Loopback, a free port and a database in {@code dir}, and no provider yet: the test adds one. */
    public static Map<String, String> loopbackEnv(Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("SERVER_HOST", "127.0.0.1");
        env.put("SERVER_PORT", "0");
        env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
        return env;
    }

    public static TestHaia start(Path dir, FakeAnthropic upstream) {
        return start(dir, baseEnv(dir, upstream));
    }

    public static TestHaia start(Path workDir, Map<String, String> env) {
        return start(workDir, env, java.time.Clock.systemUTC());
    }

    /** A server whose clock the test controls (the days the usage ledger files calls under, for instance). */
    public static TestHaia start(Path workDir, Map<String, String> env, java.time.Clock clock) {
        HaiaConfig config = ConfigLoader.load(env, workDir);
        Haia haia = Haia.create(config, clock);
        try {
            return new TestHaia(haia, haia.start());
        } catch (RuntimeException e) {
            haia.close();
            throw e;
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** The official OpenAI Java client at this HAIA's {@code /v1}, its own retries off (each test says what it sends). */
    public com.openai.client.OpenAIClient openAiClient() {
        return com.openai.client.okhttp.OpenAIOkHttpClient.builder().baseUrl(uri("/v1").toString()).apiKey("unused")
                .maxRetries(0).build();
    }

    public int port() {
        return server.port();
    }

    public Haia haia() {
        return haia;
    }

    public WebServer server() {
        return server;
    }

    @Override
    public void close() {
        haia.shutdown(server);
    }
}
