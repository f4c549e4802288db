package haia.tools.docker;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import haia.testing.FakeEngineSocket;
import haia.tools.ToolException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unix-socket HTTP client's framing and bounds, against scripted raw answers. */
class UnixHttpTest {

    @TempDir
    Path dir;

    private FakeEngineSocket engine(String raw) throws IOException {
        return new FakeEngineSocket(dir.resolve("e.sock"), target -> raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsChunkedLengthAndConnectionDelimitedBodies() throws IOException {
        try (FakeEngineSocket e = engine("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nApi-Version: 1.41\r\n\r\n"
                                                 + "4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n")) {
            UnixHttp.Response r = new UnixHttp(e.socket(), Duration.ofSeconds(5), 1000).get("/_ping");
            assertEquals(200, r.status());
            assertEquals("Wikipedia in \r\n\r\nchunks.", new String(r.body(), StandardCharsets.UTF_8));
            assertEquals("1.41", r.header("API-Version").orElseThrow());
        }
        try (FakeEngineSocket e = engine("HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nhello, and more")) {
            UnixHttp.Response r = new UnixHttp(e.socket(), Duration.ofSeconds(5), 1000).get("/x");
            assertEquals(404, r.status());
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), r.body());
        }
        try (FakeEngineSocket e = engine("HTTP/1.0 200 OK\r\n\r\nuntil the end")) {
            assertEquals("until the end", new String(new UnixHttp(e.socket(), Duration.ofSeconds(5), 1000).get("/x")
                                                             .body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void boundsSizeAndTime() throws IOException {
        try (FakeEngineSocket e = engine("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(5000))) {
            IOException tooBig = assertThrows(IOException.class,
                                              () -> new UnixHttp(e.socket(), Duration.ofSeconds(5), 1000).get("/x"));
            assertTrue(tooBig.getMessage().contains("larger than 1000 bytes"), tooBig.getMessage());
        }
        try (FakeEngineSocket e = engine("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                 + "400\r\n" + "y".repeat(1024) + "\r\n400\r\n" + "y".repeat(1024))) {
            assertThrows(IOException.class, () -> new UnixHttp(e.socket(), Duration.ofSeconds(5), 1500).get("/x"));
        }
        // an engine that sends half an answer and then nothing: the deadline ends the wait
        try (FakeEngineSocket e = new FakeEngineSocket(dir.resolve("slow.sock"), target -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            return new byte[0];
        })) {
            assertThrows(SocketTimeoutException.class,
                         () -> new UnixHttp(e.socket(), Duration.ofMillis(300), 1000).get("/x"));
        }
        assertThrows(IllegalArgumentException.class,
                     () -> new UnixHttp(dir.resolve("none"), Duration.ofSeconds(1), 10).get("/x HTTP/1.1\r\nX: y"));
    }

    @Test
    void aMissingSocketIsAClearError() {
        DockerClient client = new DockerClient(dir.resolve("podman.sock"), Duration.ofSeconds(2));
        ToolException e = assertThrows(ToolException.class, () -> client.json(new DockerEndpoint.Info()));
        assertTrue(e.getMessage().startsWith("the container engine socket " + dir.resolve("podman.sock")
                                                     + " does not exist"), e.getMessage());
    }
}
