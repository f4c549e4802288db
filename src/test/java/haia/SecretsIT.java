package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
