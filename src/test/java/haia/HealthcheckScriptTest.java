package haia;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/healthcheck}, the container's health command (Quadlet {@code HealthCmd=}, {@code podman run
 * --health-cmd}), run as Podman runs it: exit 0 only for a HAIA whose {@code /health} is UP, 1 for DOWN, for nothing
 * listening and for a server that never answers, always within its time limit.
 */
class HealthcheckScriptTest {

    private static final Path SCRIPT = Path.of("bin/healthcheck").toAbsolutePath();

    @TempDir
    Path dir;

    record Result(int exit, String output) {
    }

    private static Result healthcheck(int port) throws Exception {
        // the environment of a health check: HAIA's port and a short limit
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true);
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().put("HAIA_HEALTHCHECK_TIMEOUT", "2");
        Process process = builder.start();
        // bounded: the script's own limit is 2 s; far more than that means it hangs
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the health check returned");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.exitValue(), output);
    }

    @Test
    void upIsZeroAndDownIsOne() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start(); TestHaia haia = TestHaia.start(dir, anthropic)) {
            assertEquals(new Result(0, ""), healthcheck(haia.port()));

            haia.haia().store().close();   // the database gone: /health answers 503 DOWN
            assertEquals(503, Http.get(haia.uri("/health")).status());
            assertEquals(1, healthcheck(haia.port()).exit());
        }
    }

    @Test
    void nothingListeningIsOne() throws Exception {
        assertEquals(1, healthcheck(HaiaProcess.freePort()).exit());
    }

    @Test
    void aServerThatNeverAnswersIsOneWithinTheLimit() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());   // takes the connection, reads nothing, says nothing
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            assertEquals(1, healthcheck(silent.getLocalPort()).exit());
            silent.close();
            acceptor.join();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void aServerAnsweringSomethingElseIsOne() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = other.accept()) {
                    socket.getInputStream().read(new byte[1024]);
                    socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot haia!"
                                                           .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // test over
                }
            });
            assertEquals(1, healthcheck(other.getLocalPort()).exit(), "200 without status UP is not healthy");
        }
    }
}
