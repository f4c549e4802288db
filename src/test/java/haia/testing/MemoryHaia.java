package haia.testing;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * HAIA with an API key in front of a fake Anthropic, on one of the store backends, for the memory tests
 * (MemorySearchTest, MemoryNotesTest, MemoryUsersTest): chats as OpenWebUI sends them (its chat id header), the
 * API under the key, and restarts on the same database.
 */
public final class MemoryHaia implements AutoCloseable {

    public static final String KEY = "haia-memory-test-key";
    public static final Map<String, String> AUTH = Map.of("Authorization", "Bearer " + KEY);

    public final FakeAnthropic anthropic;
    private final Path dir;
    private final Map<String, String> env;
    private TestHaia haia;

    private MemoryHaia(FakeAnthropic anthropic, Path dir, Map<String, String> env) {
        this.anthropic = anthropic;
        this.dir = dir;
        this.env = env;
        this.haia = TestHaia.start(dir, env);
    }

    /** Started on {@code backend}'s database in {@code dir}, with {@code extra} variables on top. */
    public static MemoryHaia start(StoreBackend backend, Path dir, Map<String, String> extra) {
        FakeAnthropic anthropic = FakeAnthropic.start();
        Map<String, String> env = new HashMap<>(backend.env(dir));
        env.putAll(Map.of("SERVER_HOST", "127.0.0.1", "SERVER_PORT", "0", "HAIA_API_KEY", KEY,
                          "ANTHROPIC_API_KEY", FakeAnthropic.API_KEY, "ANTHROPIC_BASE_URL", anthropic.baseUrl()));
        env.putAll(extra);
        try {
            return new MemoryHaia(anthropic, dir, env);
        } catch (RuntimeException | Error e) {
            anthropic.close();
            throw e;
        }
    }

    public URI uri(String path) {
        return haia.uri(path);
    }

    /** A chat message in OpenWebUI's chat {@code chatId}, with the key and {@code headers}. */
    public Http.Response chat(String chatId, String text, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(AUTH);
        all.put("X-OpenWebUI-Chat-Id", chatId);
        all.put("Content-Type", "application/json");
        return Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", text).toString(), all);
    }

    /** The same, answered: the reply's text. */
    public String say(String chatId, String text, Map<String, String> headers) {
        Http.Response reply = chat(chatId, text, headers);
        assertEquals(200, reply.status(), reply.body());
        return reply.json().path("choices").get(0).path("message").path("content").asText();
    }

    public String say(String chatId, String text) {
        return say(chatId, text, Map.of());
    }

    /** {@code GET path} with the key and {@code headers}. */
    public Http.Response get(String path, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(AUTH);
        return Http.get(haia.uri(path), all);
    }

    public Http.Response get(String path) {
        return get(path, Map.of());
    }

    /** {@code DELETE path} with the key and {@code headers}. */
    public Http.Response delete(String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(haia.uri(path)).DELETE();
        AUTH.forEach(request::header);
        headers.forEach(request::header);
        return Http.send(request.build());
    }

    /** The system prompt of the model's last request. */
    public String system() {
        return anthropic.lastRequest().systemText();
    }

    /** Stopped and started again on the same database, with {@code changes} to its variables. */
    public void restart(Map<String, String> changes) {
        haia.close();
        env.putAll(changes);
        haia = TestHaia.start(dir, env);
    }

    @Override
    public void close() {
        try {
            if (haia != null) {
                haia.close();
            }
        } finally {
            anthropic.close();
        }
    }
}
