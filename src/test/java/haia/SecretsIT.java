package haia;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.SseClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configured secrets never leave the process: every byte HAIA writes (its whole log, every response body and
 * header) is searched for them, across normal use, wrong keys, an upstream that echoes the key back in its error,
 * health, metrics, and a start-up that fails on bad configuration.
 */
class SecretsIT {

    private static final String UPSTREAM_KEY = "sk-ant-SECRET-upstream-7f3a9c1e5b";
    private static final String HAIA_KEY = "haia-SECRET-access-2d8e4b6a0c";
    private static final String PRESENTED = "presented-SECRET-guess-9a1b2c";

    @TempDir
    Path dir;

    @Test
    void noSecretAppearsInAnyOutput() throws Exception {
        List<String> output = new ArrayList<>();
        try (FakeAnthropic anthropic = FakeAnthropic.start(UPSTREAM_KEY)) {
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", UPSTREAM_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_API_KEY", HAIA_KEY);
            env.put("HAIA_METRICS_REQUIRE_KEY", "true");
            env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
            env.put("HAIA_MAX_ATTEMPTS", "1");
            Map<String, String> auth = Map.of("Authorization", "Bearer " + HAIA_KEY);

            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                record(output, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hello"), auth));
                record(output, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hello"),
                                         Map.of("Authorization", "Bearer " + PRESENTED)));
                record(output, Http.get(haia.uri("/v1/models"), Map.of("Authorization", PRESENTED)));
                // an upstream that echoes the key it was sent in its error message
                anthropic.enqueue(FakeAnthropic.error(401, "authentication_error", "invalid x-api-key: " + UPSTREAM_KEY));
                Http.Response echoed = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "again"), auth);
                assertEquals(502, echoed.status());
                assertTrue(echoed.body().contains("****"), "the echoed key is masked: " + echoed.body());
                record(output, echoed);
                anthropic.enqueue(new FakeAnthropic.Behaviour.StreamThenError(List.of("x"), "overloaded_error", Duration.ZERO));
                try (SseClient stream = SseClient.post(haia.uri("/v1/chat/completions"),
                                                       Http.chat("haia", "stream").put("stream", true).toString(), auth)) {
                    output.add(stream.remainingBody());
                }
                record(output, Http.get(haia.uri("/health")));
                record(output, Http.get(haia.uri("/metrics"), auth));
                record(output, Http.get(haia.uri("/v1/conversations"), auth));
                haia.stop(Duration.ofSeconds(30));
                output.add(haia.log());
            }

            // a start-up that fails on bad configuration prints its problems, not the secrets next to them
            Map<String, String> bad = new HashMap<>(env);
            bad.put("HAIA_CONTEXT_WINDOW", "zero");
            bad.put("GEMINI_API_KEY", "AIza-SECRET-gemini-11aa22bb");
            ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                                                        Path.of(System.getProperty("haia.jar", "target/haia.jar"))
                                                                .toAbsolutePath().toString())
                    .directory(dir.toFile()).redirectErrorStream(true);
            builder.environment().putAll(bad);
            Process failing = builder.start();
            String failure = new String(failing.getInputStream().readAllBytes());
            assertTrue(failing.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, failing.exitValue(), failure);
            output.add(failure);
        }

        String all = String.join("\n", output);
        assertTrue(all.contains("haia.request"), "the log was captured");
        for (String secret : List.of(UPSTREAM_KEY, HAIA_KEY, PRESENTED, "AIza-SECRET-gemini-11aa22bb", "SECRET")) {
            assertFalse(all.contains(secret), "'" + secret + "' leaked:\n" + excerpt(all, secret));
        }
    }

    /**
     * An upstream that echoes the key it was sent everywhere it can: in a 401's message and its request-id header,
     * in a 5xx body that is not JSON (the key straddling where long error texts are cut), in a mid-stream error
     * event's type and message, and in reply text, split across stream pieces. The key must be nowhere: not in any
     * response, not in the conversation API or its export, not in the log, not in the database file.
     */
    @Test
    void anUpstreamThatEchoesTheKeyCannotGetItStoredShownOrLogged() throws Exception {
        List<String> output = new ArrayList<>();
        Path db = dir.resolve("echo/haia.db");
        try (FakeAnthropic anthropic = FakeAnthropic.start(UPSTREAM_KEY)) {
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", UPSTREAM_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", db.toString());
            env.put("HAIA_MAX_ATTEMPTS", "1");
            Map<String, String> echoed = Map.of("request-id", "req_" + UPSTREAM_KEY);
            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                anthropic.enqueue(FakeAnthropic.error(401, "authentication_error", "invalid x-api-key: " + UPSTREAM_KEY,
                                                      echoed));
                record(output, chat(haia, "auth", "one"));
                anthropic.enqueue(new FakeAnthropic.Behaviour.RawError(
                        500, "<html>" + "x".repeat(290) + UPSTREAM_KEY + " was sent</html>", echoed));
                record(output, chat(haia, "server-error", "two"));
                anthropic.enqueue(FakeAnthropic.reply("You sent " + UPSTREAM_KEY));
                Http.Response reply = chat(haia, "reply", "three");
                assertTrue(reply.body().contains("You sent ****"), reply.body());
                record(output, reply);
                anthropic.enqueue(new FakeAnthropic.Behaviour.MidStreamError(
                        List.of("partial "), "api_error " + UPSTREAM_KEY, "key " + UPSTREAM_KEY + " rejected", echoed));
                output.add(stream(haia, "mid-stream", "four"));
                String half = UPSTREAM_KEY.substring(0, 12);
                anthropic.enqueue(FakeAnthropic.streamed(List.of("Your key: " + half, UPSTREAM_KEY.substring(12), " ok"),
                                                         Duration.ZERO));
                String streamed = stream(haia, "streamed-reply", "five");
                assertTrue(streamed.contains("****"), streamed);
                output.add(streamed);

                Http.Response conversations = Http.get(haia.uri("/v1/conversations"));
                record(output, conversations);
                for (JsonNode conversation : conversations.json().path("data")) {
                    long id = conversation.path("id").asLong();
                    record(output, Http.get(haia.uri("/v1/conversations/" + id + "/messages")));
                    record(output, Http.get(haia.uri("/v1/conversations/" + id + "/export?format=json")));
                    record(output, Http.get(haia.uri("/v1/conversations/" + id + "/export?format=md")));
                }
                String stored = String.join("\n", output);
                assertTrue(stored.contains("\"error\":\"The anthropic upstream rejected HAIA's API key (HTTP 401): invalid"
                                                   + " x-api-key: ****\""), "the error is kept, redacted: " + stored);
                record(output, Http.get(haia.uri("/health")));
                record(output, Http.get(haia.uri("/metrics")));
                haia.stop(Duration.ofSeconds(30));
                output.add(haia.log());
                assertTrue(haia.log().contains("upstream_request=\"req_****\""), "the request id is logged, redacted:\n"
                        + haia.log());
            }
        }
        for (String file : List.of("haia.db", "haia.db-wal", "haia.db-shm")) {
            Path path = db.resolveSibling(file);
            if (Files.exists(path)) {
                output.add(new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1));
            }
        }
        String all = String.join("\n", output);
        for (int i = 0; i + 10 <= UPSTREAM_KEY.length(); i++) {
            String piece = UPSTREAM_KEY.substring(i, i + 10);
            assertFalse(all.contains(piece), "part of the key leaked: '" + piece + "'\n" + excerpt(all, piece));
        }
    }

    private static Http.Response chat(HaiaProcess haia, String conversation, String text) {
        return Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", text),
                         Map.of("X-Haia-Conversation", conversation));
    }

    private static String stream(HaiaProcess haia, String conversation, String text) throws Exception {
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                               Http.chat("haia", text).put("stream", true).toString(),
                                               Map.of("X-Haia-Conversation", conversation))) {
            return client.remainingBody();
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutAKeyLogsOneClearWarning() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", dir.resolve("open/haia.db").toString());
            env.put("SERVER_HOST", "0.0.0.0");
            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                haia.stop(Duration.ofSeconds(30));
                String log = haia.log();
                assertEquals(1, log.lines().filter(l -> l.contains("without an API key")).count(), log);
            }
            env.put("SERVER_HOST", "127.0.0.1");
            env.put("HAIA_DB_PATH", dir.resolve("local/haia.db").toString());
            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                haia.stop(Duration.ofSeconds(30));
                assertFalse(haia.log().contains("without an API key"), "no warning on loopback");
            }
        }
    }

    private static void record(List<String> output, Http.Response response) {
        output.add(response.headers().toString());
        output.add(response.body());
    }

    private static String excerpt(String all, String secret) {
        int at = all.indexOf(secret);
        return all.substring(Math.max(0, at - 300), Math.min(all.length(), at + 100));
    }
}
