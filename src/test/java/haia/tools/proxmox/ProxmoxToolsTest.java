package haia.tools.proxmox;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.config.Secret;
import haia.config.ToolsConfig;
import haia.observe.Redactor;
import haia.testing.FakeProxmox;
import haia.tools.ToolCatalog;
import haia.tools.ToolResult;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Proxmox tools against a loopback Proxmox API over real TLS: every tool on realistic data, certificate pinning
 * (right, wrong and absent fingerprints), Proxmox's errors as clear results, and the token kept out of every output.
 */
class ProxmoxToolsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static FakeProxmox pve;

    @BeforeAll
    static void start() {
        pve = FakeProxmox.start(dir);
    }

    @AfterAll
    static void stop() {
        pve.close();
    }

    static ToolCatalog catalog(String url, String token, Optional<String> fingerprint) {
        ToolsConfig.Proxmox config = new ToolsConfig.Proxmox(URI.create(url), new Secret(token),
                fingerprint.map(f -> HexFormat.of().parseHex(f.replace(":", ""))));
        Redactor redactor = new Redactor(List.of(config.token()));
        return new ToolCatalog(List.of(new ProxmoxTools(new PveClient(config, Duration.ofSeconds(10)))),
                               Duration.ofSeconds(15), 16_000, redactor::redact, Clock.systemUTC());
    }

    static ToolCatalog pinned() {
        return catalog(pve.url(), FakeProxmox.TOKEN, Optional.of(pve.fingerprint()));
    }

    static ToolResult call(ToolCatalog tools, String name, String args) {
        return tools.call(name, args);
    }

    @Test
    void everyToolAnswersFromTheClusterInCompactLines() {
        try (ToolCatalog tools = pinned()) {
            assertTrue(tools.status().get("pve").startsWith("ready, "), "before any contact: " + tools.status());
            assertEquals(10, tools.tools().size());
            tools.tools().forEach(spec -> {
                assertTrue(spec.name().startsWith("haia_pve_"), spec.name());
                assertTrue(spec.readOnly());
                assertEquals("object", spec.inputSchema().path("type").asText());
            });

            String cluster = ok(call(tools, "haia_pve_cluster_status", "{}"));
            assertTrue(cluster.contains("Cluster 'homelab': quorate, 2 of 3 nodes online"), cluster);
            assertTrue(cluster.contains("- pve3: OFFLINE, ip 10.0.0.13"), cluster);
            assertTrue(tools.status().get("pve").startsWith("up, Proxmox VE API " + pve.url()), tools.status().toString());

            String resources = ok(call(tools, "haia_pve_resources", "{}"));
            assertTrue(resources.contains("101 k3s (qemu on pve2): running, CPU 3.4% of 4, memory 3.8 GiB of 8.0 GiB"
                                                  + " (47%), up 2d 2h, HA started"), resources);
            assertTrue(resources.contains("pve3: offline"), resources);
            assertTrue(resources.contains("local-lvm on pve1: available, 120.0 GiB of 400.0 GiB (30%)"), resources);
            assertFalse(resources.contains("pool"), "pools are not listed: " + resources);

            String k3s = ok(call(tools, "haia_pve_guest_status", "{\"name\":\"k3s\"}"));
            assertTrue(k3s.startsWith("101 k3s (qemu on pve2): running"), k3s);
            assertTrue(k3s.contains("HA: started"), k3s);
            assertEquals(k3s, ok(call(tools, "haia_pve_guest_status", "{\"vmid\":\"101\"}")));

            String node = ok(call(tools, "haia_pve_node_status", "{\"node\":\"pve1\"}"));
            assertTrue(node.contains("memory 12.3 GiB of 31.3 GiB (39%)"), node);
            assertTrue(node.contains("load 0.42 0.51 0.47"), node);
            assertTrue(node.contains("uptime 12d 1h"), node);

            String guests = ok(call(tools, "haia_pve_guests", "{\"node\":\"pve2\"}"));
            assertTrue(guests.contains("202 grafana (lxc on pve2): stopped"), guests);

            String storage = ok(call(tools, "haia_pve_storage", "{\"node\":\"pve1\"}"));
            assertTrue(storage.contains("cephfs (cephfs): active, shared, 1.0 TiB of 3.0 TiB (33%)"), storage);

            String ceph = ok(call(tools, "haia_pve_ceph_status", "{}"));
            assertTrue(ceph.startsWith("Ceph: HEALTH_WARN"), ceph);
            assertTrue(ceph.contains("OSD_DOWN (HEALTH_WARN): 2 osds down"), ceph);
            assertTrue(ceph.contains("OSDs: 6 total, 4 up, 6 in"), ceph);

            String tasks = ok(call(tools, "haia_pve_tasks", "{\"errors_only\":true}"));
            assertTrue(tasks.indexOf("job errors") < tasks.indexOf("migration aborted"), "newest first: " + tasks);
            assertFalse(tasks.contains(": OK"), tasks);

            String log = ok(call(tools, "haia_pve_task_log",
                                 "{\"upid\":\"UPID:pve2:0004C3D4:05F5E100:673F2B3C:qmigrate:101:root@pam:\"}"));
            assertTrue(log.contains("exit status migration aborted"), log);
            assertTrue(log.contains("target node 'pve3' is not online"), log);

            String journal = ok(call(tools, "haia_pve_journal", "{\"node\":\"pve1\",\"lines\":50}"));
            assertTrue(journal.contains("corosync[1342]:   [KNET  ] link: host: 3 link: 0 is down"), journal);
        }
        pve.requests().forEach(r -> assertEquals("GET", r.method()));
    }

    @Test
    void aWrongFingerprintRefusesTheConnectionBeforeAnyRequest() {
        int before = pve.requests().size();
        try (ToolCatalog tools = catalog(pve.url(), FakeProxmox.TOKEN, Optional.of("AB:".repeat(31) + "AB"))) {
            ToolResult result = call(tools, "haia_pve_cluster_status", "{}");
            assertTrue(result.error());
            assertTrue(result.text().contains("fingerprint mismatch"), result.text());
            assertTrue(result.text().contains(pve.fingerprint()), "names the certificate's real fingerprint: "
                    + result.text());
            // /health says what every call meets, not "ready"
            String state = tools.status().get("pve");
            assertTrue(state.startsWith("down, Proxmox VE API " + pve.url() + ": Refused to talk to"), state);
            assertTrue(state.contains("fingerprint mismatch"), state);
        }
        assertEquals(before, pve.requests().size(), "no HTTP request may pass a refused handshake");
    }

    @Test
    void withoutAFingerprintTheSelfSignedCertificateIsNotTrusted() {
        int before = pve.requests().size();
        try (ToolCatalog tools = catalog(pve.url(), FakeProxmox.TOKEN, Optional.empty())) {
            ToolResult result = call(tools, "haia_pve_cluster_status", "{}");
            assertTrue(result.error());
            assertTrue(result.text().startsWith("TLS with Proxmox at " + pve.url() + " failed"), result.text());
            assertTrue(result.text().contains("HAIA_PROXMOX_FINGERPRINT"), result.text());
        }
        assertEquals(before, pve.requests().size());
    }

    @Test
    void proxmoxErrorsBecomeResultsThatSayWhatToFix() {
        pve.fail("/nodes/pve2/journal?lastentries=50", 403, "Permission check failed (/nodes/pve2, Sys.Syslog)");
        try (ToolCatalog tools = pinned();
             ToolCatalog wrongToken = catalog(pve.url(), "haia@pve!monitoring=wrong-secret-value",
                                              Optional.of(pve.fingerprint()));
             ToolCatalog nobody = catalog("https://127.0.0.1:1", FakeProxmox.TOKEN, Optional.empty())) {
            ToolResult denied = call(tools, "haia_pve_journal", "{\"node\":\"pve2\"}");
            assertTrue(denied.error());
            assertTrue(denied.text().contains("(Permission check failed (/nodes/pve2, Sys.Syslog))"), denied.text());
            assertTrue(denied.text().contains("HaiaRead"), denied.text());

            ToolResult unauthorized = call(wrongToken, "haia_pve_cluster_status", "{}");
            assertTrue(unauthorized.error() && unauthorized.text().contains("rejected HAIA's API token"),
                       unauthorized.text());

            ToolResult refused = call(nobody, "haia_pve_cluster_status", "{}");
            assertTrue(refused.error() && refused.text().startsWith("Cannot connect to Proxmox at"), refused.text());

            ToolResult missing = call(tools, "haia_pve_guest_status", "{\"name\":\"nope\"}");
            assertTrue(missing.error() && missing.text().startsWith("No VM or container nope"), missing.text());

            ToolResult bad = call(tools, "haia_pve_node_status", "{}");
            assertEquals("node_status: the argument 'node' is required (a Proxmox node name such as pve1).",
                         bad.text());
        }
    }

    @Test
    void theTokenNeverAppearsInResultsStatusOrLogs() {
        // an upstream that echoes the credential back: HAIA must not pass it on
        pve.fail("/nodes/pve1/storage", 500, "bad header: PVEAPIToken=" + FakeProxmox.TOKEN);
        StringBuilder logged = new StringBuilder();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.append(record.getMessage()).append(' ').append(record.getThrown()).append('\n');
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try (ToolCatalog tools = pinned()) {
            tools.start();
            StringBuilder seen = new StringBuilder();
            for (String call : List.of("haia_pve_storage|{\"node\":\"pve1\"}", "haia_pve_cluster_status|{}",
                                       "haia_pve_nope|{}", "haia_pve_node_status|{\"node\":\"../x\"}")) {
                String[] parts = call.split("\\|");
                seen.append(call(tools, parts[0], parts[1]).text());
            }
            seen.append(tools.status());
            assertTrue(seen.toString().contains("bad header: PVEAPIToken=****"), seen.toString());
            assertFalse(seen.toString().contains("SECRET"), seen.toString());
        } finally {
            root.removeHandler(capture);
        }
        assertFalse(logged.toString().contains("SECRET"), logged.toString());
    }

    private static String ok(ToolResult result) {
        assertFalse(result.error(), result.text());
        return result.text();
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }
}
