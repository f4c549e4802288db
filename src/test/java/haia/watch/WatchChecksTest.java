package haia.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.store.Finding;
import haia.store.Severity;
import haia.store.Sighting;
import haia.testing.FakeAnthropic;
import haia.testing.FakeEngineSocket;
import haia.testing.FakeNtfy;
import haia.testing.FakeProxmox;
import haia.testing.Http;
import haia.testing.PodmanEngine;
import haia.testing.TestHaia;
import haia.tools.docker.DockerClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAIA's own checks, on their schedule: against the fake Proxmox (a 3-node cluster with a node offline and Ceph in
 * HEALTH_WARN, plus a backup that just failed and a storage over the limit) and a real Podman engine (a container whose
 * health check fails, one that exited with code 2, one killed at its memory limit), HAIA finds what is wrong by
 * itself, opens each finding once, investigates them as one, tells once, resolves what is fixed, reports a check that
 * cannot run as one finding, and only ever reads.
 */
class WatchChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What may reach Proxmox, below /api2/json: GETs of these and nothing else (apart from the production list). */
    private static final List<Pattern> PVE_WIRE = List.of(
            Pattern.compile("/api2/json/version"),
            Pattern.compile("/api2/json/cluster/(status|tasks|ceph/status)"),
            Pattern.compile("/api2/json/cluster/resources\\?type=storage"));

    @TempDir
    Path dir;

    @Test
    void haiaFindsWhatIsWrongInProxmoxAndTheEngineByItself() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             FakeNtfy ntfy = FakeNtfy.start();
             FakeProxmox pve = FakeProxmox.start(dir);
             PodmanEngine podman = PodmanEngine.start(dir.resolve("podman"))) {
            ArrayNode resources = (ArrayNode) pve.answer("/cluster/resources").deepCopy();
            resources.add(JSON.createObjectNode().put("id", "storage/pve1/backups").put("type", "storage")
                                  .put("storage", "backups").put("node", "pve1").put("status", "available")
                                  .put("disk", 910L << 30).put("maxdisk", 1000L << 30).put("shared", 0)
                                  .put("plugintype", "dir"));
            pve.serve("/cluster/resources", resources);
            anthropic.respondWith(r -> r.systemText().contains("investigating, in the background")
                    ? FakeAnthropic.reply("Several things at once: pve3 is offline, so Ceph is degraded.")
                    : FakeAnthropic.echo(r));
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("HAIA_PROXMOX_URL", pve.url());
            env.put("HAIA_PROXMOX_TOKEN", FakeProxmox.TOKEN);
            env.put("HAIA_PROXMOX_FINGERPRINT", pve.fingerprint());
            env.put("HAIA_DOCKER_HOST", podman.host());
            env.put("HAIA_WATCH_INTERVAL", "2s");
            env.put("HAIA_WATCH_GROUP_WAIT", "1s");
            env.put("HAIA_NOTIFY", "ntfy://127.0.0.1:" + ntfy.port() + "/homelab");
            try (TestHaia haia = TestHaia.start(dir, env)) {
                // after HAIA started: these failed and exited "since the last round"
                pve.serve("/cluster/tasks", tasks(Instant.now().getEpochSecond(), "backup failed: job errors"));
                podman.trouble();
                List<String> expected = List.of("pve/node/pve3", "pve/ceph/HEALTH_WARN/OSD_DOWN",
                                                "pve/ceph/HEALTH_WARN/PG_DEGRADED", "pve/storage/pve1/backups",
                                                "pve/task/vzdump/102", "docker/unhealthy/sick",
                                                "docker/exited/crasher", "docker/exited/hog");
                await(() -> firing(haia).keySet().containsAll(expected));
                Map<String, Finding> found = firing(haia);
                assertEquals("Proxmox node pve3 is offline", found.get("pve/node/pve3").title());
                assertEquals(Severity.CRITICAL, found.get("pve/node/pve3").severity());
                assertEquals("Ceph HEALTH_WARN: OSD_DOWN: 2 osds down",
                             found.get("pve/ceph/HEALTH_WARN/OSD_DOWN").title());
                assertEquals("Storage backups on pve1 is 91% full (910.0 GiB of 1000.0 GiB; limit 85%)",
                             found.get("pve/storage/pve1/backups").title());
                assertEquals("Proxmox task backup (vzdump) 102 failed on pve1: backup failed: job errors",
                             found.get("pve/task/vzdump/102").title());
                assertEquals("Container sick is unhealthy", found.get("docker/unhealthy/sick").title());
                assertEquals("Container crasher exited with code 2", found.get("docker/exited/crasher").title());
                assertTrue(found.get("docker/exited/hog").title().startsWith("Container hog exited with code 137"
                                                                                     + " (killed by SIGKILL"));
                assertFalse(found.keySet().stream().anyMatch(f -> f.endsWith("/ticker") || f.endsWith("/ttyticker")
                        || f.endsWith("/healthy")), "running, healthy containers are fine: " + found.keySet());

                // rounds go on: nothing opens twice, one grouped investigation, one message so far
                Thread.sleep(5000);
                await(() -> haia.haia().watching().watch().busy() == 0 && !ntfy.messages().isEmpty());
                assertEquals(found.keySet().stream().map(k -> found.get(k).id()).sorted().toList(),
                             firing(haia).values().stream().map(Finding::id).filter(id -> found.values().stream()
                                     .anyMatch(f -> f.id() == id)).sorted().toList());
                long investigations = anthropic.requests().stream()
                        .filter(r -> r.systemText().contains("investigating, in the background")).count();
                assertTrue(investigations <= 2, investigations + " investigations");
                assertTrue(ntfy.messages().getFirst().message().startsWith("Several things at once"));

                // /v1/findings and the next chat know about the offline node and the degraded Ceph
                JsonNode list = JSON.readTree(Http.get(haia.uri("/v1/findings?status=firing")).body());
                String titles = list.path("data").toString();
                assertTrue(titles.contains("Proxmox node pve3 is offline") && titles.contains("Ceph HEALTH_WARN"));
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "morning!")).status());
                String system = anthropic.lastRequest().systemText();
                assertTrue(system.contains("OPEN critical: Proxmox node pve3 is offline (pve, since")
                                   && system.contains("OPEN warning: Ceph HEALTH_WARN: OSD_DOWN"), system);

                // the gauge counts what /v1/findings lists as firing, by source and severity
                for (String severity : List.of("critical", "warning")) {
                    long listed = 0;
                    for (JsonNode f : list.path("data")) {
                        listed += f.path("source").asText().equals("pve") && f.path("severity").asText()
                                .equals(severity) ? 1 : 0;
                    }
                    assertTrue(listed > 0, severity + ": " + titles);
                    String series = "haia_findings_open{severity=\"" + severity + "\",source=\"pve\",} " + listed
                            + ".0";
                    await(() -> Http.get(haia.uri("/metrics")).body().contains(series));
                }

                // fixed: the node is back, the next backup worked
                ArrayNode status = (ArrayNode) pve.answer("/cluster/status").deepCopy();
                ((ObjectNode) status.get(3)).put("online", 1);
                pve.serve("/cluster/status", status);
                pve.serve("/cluster/tasks", tasks(Instant.now().getEpochSecond() + 1, "OK"));
                await(() -> !firing(haia).containsKey("pve/node/pve3") && !firing(haia).containsKey("pve/task/vzdump/102"));
                await(() -> ntfy.messages().stream().anyMatch(m -> m.title().contains("Proxmox node pve3 is offline")
                        && m.title().startsWith("Resolved")));

                // Proxmox breaks: one finding about the check itself, whatever the number of rounds
                pve.fail("/cluster/status", 500, "Internal Server Error");
                await(() -> firing(haia).containsKey("pve/check"));
                Thread.sleep(4500);
                assertEquals(1, haia.haia().store().findings().list(Optional.empty(), 500).stream()
                        .filter(f -> f.fingerprint().equals("pve/check")).count());
                assertTrue(firing(haia).get("pve/check").title().startsWith("HAIA cannot check pve: Proxmox answered"
                                                                                     + " 500"));
                assertTrue(firing(haia).containsKey("pve/ceph/HEALTH_WARN/OSD_DOWN"), "what did run still counts");
            }
            for (FakeProxmox.Request request : pve.requests()) {
                assertEquals("GET", request.method(), request.toString());
                assertTrue(request.target().startsWith("/api2/json/version") || PVE_WIRE.stream()
                        .anyMatch(p -> p.matcher(request.target()).matches()), request.target());
            }
        }
    }

    @Test
    void theEngineCheckReadsDockersOwnShapesWithGetsOnly() throws Exception {
        String list = """
                [{"Id":"aaa111","Names":["/db"],"Image":"postgres","State":"running","Status":"Up 3 hours (unhealthy)"},
                 {"Id":"bbb222","Names":["/worker"],"Image":"app","State":"restarting","Status":"Restarting (1) 5 seconds ago"},
                 {"Id":"ccc333","Names":["/java"],"Image":"app","State":"exited","Status":"Exited (137) 1 minute ago"},
                 {"Id":"ddd444","Names":["/old"],"Image":"app","State":"exited","Status":"Exited (1) 3 weeks ago"}]""";
        String recent = Instant.now().toString();
        try (FakeEngineSocket engine = new FakeEngineSocket(dir.resolve("docker.sock"), target -> {
            if (target.equals("/_ping")) {
                return "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Length: 2\r\n\r\nOK"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            if (target.contains("/containers/json")) {
                return FakeEngineSocket.ok("application/json", list);
            }
            if (target.contains("/containers/ccc333/json")) {
                return FakeEngineSocket.ok("application/json", "{\"State\":{\"Status\":\"exited\",\"OOMKilled\":true,"
                        + "\"ExitCode\":137,\"FinishedAt\":\"" + recent + "\"}}");
            }
            return FakeEngineSocket.ok("application/json", "{\"State\":{\"Status\":\"exited\",\"OOMKilled\":false,"
                    + "\"ExitCode\":1,\"FinishedAt\":\"2026-11-01T00:00:00Z\"}}");
        })) {
            EngineCheck check = new EngineCheck(new DockerClient(engine.socket(), Duration.ofSeconds(5)));
            Check.Round round = check.run(Instant.now().minusSeconds(60), Set.of());
            assertEquals(Set.of("docker/unhealthy/db", "docker/restarting/worker", "docker/oom/java"),
                         round.firing().stream().map(Sighting::fingerprint).collect(java.util.stream.Collectors.toSet()),
                         "the old exit is old news");
            assertEquals(List.of("docker/"), round.covered());
            // an open finding stays open while its container stays exited
            Check.Round later = check.run(Instant.now(), Set.of("docker/exited/old"));
            assertTrue(later.firing().stream().anyMatch(s -> s.fingerprint().equals("docker/exited/old")));
            for (String head : engine.heads()) {
                assertTrue(head.startsWith("GET /"), head);
            }
        }
    }

    @Test
    void aRoundResolvesWhatItNoLongerSeesWithinWhatItCovered() {
        Check.Round round = new Check.Round(List.of(new Sighting("pve/node/pve2", "pve", "x", Severity.CRITICAL, "{}",
                                                                 true)),
                                            Set.of("pve/task/vzdump/101"), List.of("pve/node/"), Optional.empty());
        List<Sighting> sightings = Watch.sightings("pve", round, Set.of("pve/node/pve3", "pve/node/pve2",
                                                                       "pve/task/vzdump/101", "pve/task/qmigrate/7",
                                                                       "pve/check"));
        assertEquals(Map.of("pve/node/pve2", true, "pve/node/pve3", false, "pve/task/vzdump/101", false,
                            "pve/check", false),
                     sightings.stream().collect(java.util.stream.Collectors.toMap(Sighting::fingerprint,
                                                                                  Sighting::firing)));
        List<Sighting> failed = Watch.sightings("pve", Check.Round.failed("unreachable"), Set.of("pve/node/pve3"));
        assertEquals(List.of("pve/check"), failed.stream().map(Sighting::fingerprint).toList(),
                     "a check that cannot run resolves nothing");
    }

    private static ArrayNode tasks(long endtime, String status) {
        ArrayNode tasks = JSON.createArrayNode();
        tasks.add(JSON.createObjectNode().put("upid", "UPID:pve1:0003A1B2:05F5E0FF:673F1A2B:vzdump:102:root@pam:")
                          .put("node", "pve1").put("type", "vzdump").put("id", "102").put("user", "root@pam")
                          .put("starttime", endtime - 300).put("endtime", endtime).put("status", status));
        return tasks;
    }

    private static Map<String, Finding> firing(TestHaia haia) {
        return haia.haia().store().findings().list(Optional.of(true), 500).stream()
                .collect(java.util.stream.Collectors.toMap(Finding::fingerprint, f -> f, (a, b) -> a));
    }

    private static void await(BooleanSupplier condition) {
        Instant end = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(end), "not within 60 s");
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
