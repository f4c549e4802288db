package haia;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A body over {@code HAIA_MAX_BODY_BYTES} from a client that writes its whole body before it reads anything, as
 * Python's urllib and http.client do (and aiohttp, which OpenWebUI uses): the 413 arrives, saying what to do,
 * instead of a "Broken pipe", for bodies up to 64 MiB at loopback speed, with a length or chunked, each within a
 * few seconds. HAIA drains a refused body for as long as a client may take to send one
 * ({@code HAIA_CLIENT_READ_TIMEOUT}), as nginx's lingering close does; it used to stop at 4 MiB or 2 s.
 */
class UploadLimitTest {

    @TempDir
    Path dir;

    /** Sends each body with urllib and prints one JSON line per body: status, body, seconds. */
    private static final String URLLIB = """
            import json, sys, time, urllib.request, urllib.error
            url = sys.argv[1]
            def chunks(total):
                piece = b'x' * (1 << 20)
                for _ in range(total >> 20):
                    yield piece
            for label, size in [('33 MiB', 33 << 20), ('48 MiB', 48 << 20), ('64 MiB', 64 << 20), ('chunked 40 MiB', -(40 << 20))]:
                if size > 0:
                    request = urllib.request.Request(url, data=b'x' * size, headers={'Content-Type': 'application/json'})
                else:
                    request = urllib.request.Request(url, data=chunks(-size), headers={'Content-Type': 'application/json'})
                start = time.monotonic()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, body = response.status, response.read().decode()
                except urllib.error.HTTPError as e:
                    status, body = e.code, e.read().decode()
                except Exception as e:
                    status, body = -1, repr(e)
                print(json.dumps({'body': label, 'status': status, 'answer': body, 'seconds': time.monotonic() - start}))
                sys.stdout.flush()
            """;

    @Test
    void urllibGetsItsWhole413ForBodiesUpTo64MiB() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = TestHaia.start(dir, anthropic)) {   // the default limit, 32 MiB
            Process python = new ProcessBuilder("python3", "-c", URLLIB, haia.uri("/v1/chat/completions").toString())
                    .redirectErrorStream(true).start();
            assertTrue(python.waitFor(180, TimeUnit.SECONDS), "urllib did not finish");
            List<String> lines = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .toList();
            assertEquals(4, lines.size(), String.join("\n", lines));
            for (String line : lines) {
                JsonNode result = Http.JSON.readTree(line);
                String body = result.path("body").asText();
                assertEquals(413, result.path("status").asInt(), body + ": " + result.path("answer").asText());
                JsonNode error = Http.JSON.readTree(result.path("answer").asText()).path("error");
                assertEquals("request_too_large", error.path("code").asText(), body);
                String message = error.path("message").asText();
                assertTrue(message.contains("HAIA takes at most 33554432 bytes (HAIA_MAX_BODY_BYTES)"), message);
                assertTrue(message.contains("start a new chat") && message.contains("raise HAIA_MAX_BODY_BYTES"),
                           "says what to do: " + message);
                assertTrue(result.path("seconds").asDouble() < 15, body + " took " + result.path("seconds") + " s");
                System.out.printf("urllib, %s: %d in %.2f s%n", body, result.path("status").asInt(),
                                  result.path("seconds").asDouble());
            }
            assertEquals(0, anthropic.requests().size());
            assertEquals(200, Http.get(haia.uri("/health")).status());
        }
    }
}
