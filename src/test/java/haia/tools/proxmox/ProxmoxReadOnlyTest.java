package haia.tools.proxmox;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import haia.testing.FakeProxmox;
import haia.tools.ToolCatalog;
import haia.tools.ToolResult;
import haia.tools.ToolSpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-only is a guarantee: whatever arguments the model sends to any Proxmox tool (path traversal, encoded
 * slashes, query injection, another method's path), every request that reaches the server is a GET of an
 * allow-listed path. The oracle here is the server's own record of what arrived, checked against patterns written
 * independently of the production allow-list.
 */
class ProxmoxReadOnlyTest {

    /** What may arrive, decoded, below /api2/json: the read-only endpoints of tools.md §5 and nothing else. */
    private static final List<Pattern> WIRE = List.of(
            Pattern.compile("/version"),
            Pattern.compile("/cluster/(status|tasks|ceph/status)"),
            Pattern.compile("/cluster/resources(\\?type=(vm|storage|node))?"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/(status|storage|ceph/status|qemu|lxc)"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/(qemu|lxc)/\\d+/status/current"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/tasks\\?[a-z=&0-9]+"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/tasks/UPID:[A-Za-z0-9:@!._-]+/(status|log\\?[a-z=&0-9]+)"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/journal\\?lastentries=\\d+"));

    private static final List<String> HOSTILE = List.of(
            "../../access/users", "pve1/../../access/users", "pve1%2F..%2F..%2Faccess%2Fusers", "..",
            "pve1/qemu/101/status/stop", "pve1?type=vm", "pve1#frag", "pve1&lastentries=99999", "pve1\r\nX-Evil: 1",
            "pve1 HTTP/1.1", "pve1\u2215..", "%2e%2e", "pve1;rm -rf /", "pve1/../../../../../etc/passwd",
            "UPID:pve1:0003A1B2:05F5E0FF:673F1A2B:vzdump:102:root@pam:/../../../access/acl",
            "UPID:pve1%2F..:0003A1B2:05F5E0FF:673F1A2B:vzdump:102:root@pam:", "101/../../..", "101?x=1", "-1",
            "1e99", "99999999999999999999", "{\"$ne\":1}");

    @TempDir
    Path dir;

    @Test
    void noArgumentReachesAnythingButAnAllowListedGet() {
        List<String> answered = new ArrayList<>();
        try (FakeProxmox pve = FakeProxmox.start(dir);
             ToolCatalog tools = ProxmoxToolsTest.catalog(pve.url(), FakeProxmox.TOKEN,
                                                          Optional.of(pve.fingerprint()))) {
            for (ToolSpec spec : tools.tools()) {
                java.util.Set<String> arguments = new java.util.LinkedHashSet<>(List.of("node", "path", "method"));
                spec.inputSchema().path("properties").fieldNames().forEachRemaining(arguments::add);
                for (String argument : arguments) {
                    for (String value : HOSTILE) {
                        String json = "{\"" + argument + "\":" + quote(value) + ",\"node\":\"pve1\"}";
                        if (argument.equals("node")) {
                            json = "{\"node\":" + quote(value) + "}";
                        }
                        ToolResult result = tools.call(spec.name(), json);
                        if (!result.error()) {
                            answered.add(spec.name() + " " + json);
                        }
                    }
                }
            }
            assertFalse(pve.requests().isEmpty(), "the calls reached the server");
            for (FakeProxmox.Request request : pve.requests()) {
                assertEquals("GET", request.method(), request.toString());
                String decoded = URLDecoder.decode(request.target().replace("+", "%2B"), StandardCharsets.UTF_8);
                assertTrue(decoded.startsWith("/api2/json/"), decoded);
                String api = decoded.substring("/api2/json".length());
                assertTrue(WIRE.stream().anyMatch(p -> p.matcher(api).matches()), "not allow-listed: " + api);
                assertFalse(api.contains("..") || api.contains("access") || api.contains("etc"), api);
            }
        }
        // a hostile node, vmid or upid is refused as a bad argument before any request; what succeeded ignored it
        answered.forEach(line -> assertFalse(line.contains("\"node\":\"pve1/") && line.contains("node_status"), line));
    }

    @Test
    void theClientCanOnlyExpressAllowListedGets() {
        // the only request method of the client takes a PveEndpoint, a sealed set of fixed path shapes
        List<Method> requests = Arrays.stream(PveClient.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getParameterCount() > 0).toList();
        assertEquals(1, requests.size(), requests.toString());
        assertEquals(List.of(PveEndpoint.class), List.of(requests.getFirst().getParameterTypes()));
        assertTrue(PveEndpoint.class.isSealed());

        // the typed values refuse everything that could leave their path segment
        for (String bad : List.of("..", "../x", "pve1/x", "pve1%2Fx", "pve1?x", "pve1#x", "pve1 x", "-pve1", "")) {
            assertThrows(IllegalArgumentException.class, () -> new PveEndpoint.Node(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new PveEndpoint.VmId(-1));
        assertThrows(IllegalArgumentException.class,
                     () -> new PveEndpoint.Upid("UPID:pve1:0003A1B2:05F5E0FF:673F1A2B:vzdump:102:root@pam:/../x"));

        // and every endpoint's target lies in the allow-list the client checks before sending
        PveEndpoint.Node node = new PveEndpoint.Node("pve1");
        PveEndpoint.Upid upid = new PveEndpoint.Upid("UPID:pve1:0003A1B2:05F5E0FF:673F1A2B:vzdump:102:root@pam:");
        List<PveEndpoint> all = List.of(
                new PveEndpoint.Version(), new PveEndpoint.ClusterStatus(), new PveEndpoint.ClusterTasks(),
                new PveEndpoint.ClusterResources(Optional.empty()),
                new PveEndpoint.ClusterResources(Optional.of(PveEndpoint.ResourceType.VM)),
                new PveEndpoint.NodeStatus(node), new PveEndpoint.Guests(node, PveEndpoint.GuestKind.LXC),
                new PveEndpoint.GuestStatus(node, PveEndpoint.GuestKind.QEMU, new PveEndpoint.VmId(101)),
                new PveEndpoint.Storage(node), new PveEndpoint.CephStatus(Optional.of(node)),
                new PveEndpoint.CephStatus(Optional.empty()),
                new PveEndpoint.NodeTasks(node, 20, true, Optional.of(new PveEndpoint.VmId(101))),
                new PveEndpoint.TaskStatus(upid), new PveEndpoint.TaskLog(upid, 50), new PveEndpoint.Journal(node, 50));
        assertEquals(PveEndpoint.class.getPermittedSubclasses().length,
                     all.stream().map(Object::getClass).distinct().count(), "every kind of endpoint is checked");
        for (PveEndpoint endpoint : all) {
            assertTrue(PveEndpoint.ALLOWED.stream().anyMatch(p -> p.matcher(endpoint.target()).matches()),
                       endpoint.target());
        }
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r").replace("\n", "\\n")
                + "\"";
    }
}
