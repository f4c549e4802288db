package haia.tools.docker;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import haia.testing.FakeEngineSocket;
import haia.tools.ToolCatalog;
import haia.tools.ToolSpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-only is a guarantee for the engine too: whatever the model sends, every request that arrives on the socket is
 * a GET of an allow-listed target with HAIA's four fixed headers. The oracle is the socket's record of the bytes
 * that arrived, checked against patterns written independently of the production allow-list.
 */
class DockerReadOnlyTest {

    private static final Pattern REQUEST_LINE = Pattern.compile(
            "GET (/_ping|/v1\\.44/(version|info|containers/json\\?all=[01]|containers/[a-zA-Z0-9][a-zA-Z0-9_.-]*/"
                    + "(json|logs\\?stdout=1&stderr=1&tail=\\d+&timestamps=1|stats\\?stream=false))) HTTP/1\\.1");
    private static final List<String> HOSTILE = List.of(
            "../../info", "x/../../../containers/create", "x%2F..%2Fexec", "x?force=1", "x#", "..", "x\r\nX-Evil: 1",
            "x HTTP/1.1\r\nHost: evil", "/../../v1.44/containers/x/kill", "x/kill", "x;rm", "x&tail=all",
            "\u2215etc", "%2e%2e", "999999999999999999999", "-1", "{\"$ne\":1}", "x".repeat(300));

    @TempDir
    Path dir;

    @Test
    void noArgumentReachesAnythingButAnAllowListedGet() throws Exception {
        try (FakeEngineSocket engine = new FakeEngineSocket(dir.resolve("engine.sock"), DockerReadOnlyTest::answer);
             ToolCatalog tools = new ToolCatalog(
                     List.of(new DockerTools(new DockerClient(engine.socket(), Duration.ofSeconds(5)))),
                     Duration.ofSeconds(10), 16_000, s -> s, Clock.systemUTC())) {
            for (ToolSpec spec : tools.tools()) {
                Set<String> arguments = new java.util.LinkedHashSet<>(List.of("container", "path", "method"));
                spec.inputSchema().path("properties").fieldNames().forEachRemaining(arguments::add);
                for (String argument : arguments) {
                    for (String value : HOSTILE) {
                        String json = "{\"container\":\"ticker\",\"" + argument + "\":" + quote(value) + "}";
                        tools.call(spec.name(), json);
                    }
                }
            }
            assertTrue(engine.heads().size() > 20, "the calls reached the engine: " + engine.heads().size());
            for (String head : engine.heads()) {
                String[] lines = head.split("\r\n");
                assertTrue(REQUEST_LINE.matcher(lines[0]).matches(), "not allow-listed: " + lines[0]);
                assertEquals(List.of("Host: docker", "User-Agent: haia", "Accept: application/json",
                                     "Connection: close"), List.of(lines).subList(1, lines.length), head);
            }
        }
    }

    @Test
    void theClientCanOnlyExpressAllowListedGets() {
        List<Method> requests = Arrays.stream(DockerClient.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getParameterCount() > 0).toList();
        assertEquals(1, requests.size(), requests.toString());
        assertEquals(List.of(DockerEndpoint.class), List.of(requests.getFirst().getParameterTypes()));
        assertTrue(DockerEndpoint.class.isSealed());
        assertFalse(Modifier.isPublic(UnixHttp.class.getModifiers()), "the raw socket client stays in its package");
        for (String bad : List.of("..", "../x", "x/y", "x%2F", "x?y", "x#", "x y", "-x", "", "x\r\n")) {
            assertThrows(IllegalArgumentException.class, () -> new DockerEndpoint.ContainerRef(bad), bad);
        }
        DockerEndpoint.ContainerRef ref = new DockerEndpoint.ContainerRef("ticker");
        List<DockerEndpoint> all = List.of(new DockerEndpoint.Ping(), new DockerEndpoint.Version(),
                                           new DockerEndpoint.Info(), new DockerEndpoint.Containers(true),
                                           new DockerEndpoint.Inspect(ref), new DockerEndpoint.Logs(ref, 50, true),
                                           new DockerEndpoint.Stats(ref));
        assertEquals(DockerEndpoint.class.getPermittedSubclasses().length, all.size(), "every endpoint is checked");
        for (DockerEndpoint endpoint : all) {
            String target = endpoint.unversioned() ? endpoint.target() : "/v1.41" + endpoint.target();
            assertTrue(DockerEndpoint.ALLOWED.stream().anyMatch(p -> p.matcher(target).matches()), target);
        }
    }

    private static byte[] answer(String target) {
        if (target.equals("/_ping")) {
            return "HTTP/1.1 200 OK\r\nApi-Version: 1.44\r\nContent-Length: 2\r\n\r\nOK"
                    .getBytes(StandardCharsets.US_ASCII);
        }
        if (target.contains("/logs")) {
            return FakeEngineSocket.ok("application/octet-stream", "");
        }
        if (target.endsWith("/containers/json?all=1") || target.endsWith("/containers/json?all=0")) {
            return FakeEngineSocket.ok("application/json", "[]");
        }
        return FakeEngineSocket.ok("application/json", "{\"Config\":{\"Tty\":false},\"State\":{}}");
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r").replace("\n", "\\n")
                + "\"";
    }
}
