package haia.watch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import haia.store.Finding;
import haia.testing.FakeAnthropic;
import haia.testing.FakeGotify;
import haia.testing.FakeNtfy;
import haia.testing.Http;
import haia.testing.PrometheusStack;
import haia.testing.RecordingProxy;
import haia.testing.StoreBackend;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watch end to end with the real Prometheus and Alertmanager from Debian's packages, started on loopback ports
 * of their own, on SQLite and on PostgreSQL. A rule fires on a metric a small exporter serves; Alertmanager posts to
 * HAIA's webhook with HAIA's key; the investigation's tool call goes to the real Prometheus (through a recording
 * proxy: GETs of the query endpoints only); a protocol-checking fake ntfy (with an access token) and a fake Gotify
 * receive exactly one message each, built from the real query result; Alertmanager's repeats start nothing; the
 * resolution is told once. Without Alertmanager, HAIA's own Prometheus check finds the same alert (the same
 * fingerprint Alertmanager gives it) and the target that is down.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class WatchPrometheusTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "haia-key-e2e";
    private static final String NTFY_TOKEN = "tk_e2e0123456789abcdefghijklmn";
    private static final String GOTIFY_TOKEN = "GotifyAppE2E";
    private static final Pattern WIRE = Pattern.compile("/api/v1/(query\\?query=[^&]+|alerts|targets\\?state=active"
                                                                + "|status/buildinfo)");

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    volatile String diskRatio = "0.97";
    HttpServer exporter;
    FakeAnthropic anthropic;
    FakeNtfy ntfy;
    FakeGotify gotify;
    PrometheusStack.Server alertmanager;
    PrometheusStack.Server prometheus;
    RecordingProxy proxy;
    TestHaia haia;

    @BeforeEach
    void start() throws IOException {
        exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        exporter.createContext("/metrics", exchange -> {
            byte[] body = ("# TYPE homelab_disk_used_ratio gauge\nhomelab_disk_used_ratio{mount=\"/srv\"} " + diskRatio
                    + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        exporter.start();
        anthropic = FakeAnthropic.start();
        // an investigation asks Prometheus first, then answers with what it read (the echo of the tool result)
        anthropic.respondWith(request -> !request.systemText().contains("investigating, in the background")
                ? FakeAnthropic.echo(request)
                : request.body().path("messages").toString().contains("tool_result") ? FakeAnthropic.echo(request)
                : FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_w1", "haia_prom_query",
                                                               "{\"query\":\"homelab_disk_used_ratio\"}")));
        ntfy = FakeNtfy.withToken(NTFY_TOKEN);
        gotify = FakeGotify.start(GOTIFY_TOKEN);
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {haia, proxy, prometheus, alertmanager, anthropic, ntfy, gotify}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others still close
            }
        }
        exporter.stop(0);
    }

    private void startPrometheus(Optional<Integer> alertmanagerPort) throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.yml"), """
                groups:
                  - name: homelab
                    interval: 1s
                    rules:
                      - alert: HomelabDiskFull
                        expr: homelab_disk_used_ratio > 0.9
                        labels: {severity: critical}
                        annotations:
                          summary: "Disk {{ $labels.mount }} on nas is {{ $value | humanizePercentage }} full"
                """);
        prometheus = PrometheusStack.prometheus(dir, """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                %s
                rule_files: [%s]
                scrape_configs:
                  - job_name: nas
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                  - job_name: ghost
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(alertmanagerPort.map(p -> "alerting:\n  alertmanagers:\n    - static_configs: [{targets: "
                        + "['127.0.0.1:" + p + "']}]").orElse(""), rules, exporter.getAddress().getPort(),
                              PrometheusStack.freePort()));
        proxy = RecordingProxy.to(prometheus.url());
    }

    private void startHaia(int port, String interval) {
        Map<String, String> env = new HashMap<>(TestHaia.baseEnv(dir, anthropic));
        env.putAll(backend.env(dir));
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("HAIA_API_KEY", KEY);
        env.put("HAIA_PROMETHEUS_URL", proxy.url());
        env.put("HAIA_WATCH_INTERVAL", interval);
        env.put("HAIA_WATCH_GROUP_WAIT", "1s");
        env.put("HAIA_NOTIFY", "ntfy://127.0.0.1:" + ntfy.port() + "/homelab?token=" + NTFY_TOKEN
                + ",gotify://127.0.0.1:" + gotify.port() + "/" + GOTIFY_TOKEN);
        haia = TestHaia.start(dir, env);
    }

    @Test
    void anAlertFiredByARealPrometheusReachesThePhoneOnceInvestigatedWithRealResults() throws Exception {
        Instant begin = Instant.now();
        int haiaPort = PrometheusStack.freePort();
        // the receiver as docs/watching.md writes it: the key read from a file
        Path keyFile = Files.writeString(dir.resolve("haia-api-key"), KEY);
        alertmanager = PrometheusStack.alertmanager(dir, """
                route:
                  receiver: haia
                  group_by: [alertname]
                  group_wait: 1s
                  group_interval: 2s
                  repeat_interval: 3s
                receivers:
                  - name: haia
                    webhook_configs:
                      - url: http://127.0.0.1:%d/v1/alerts/alertmanager
                        send_resolved: true
                        http_config:
                          authorization:
                            credentials_file: %s
                """.formatted(haiaPort, keyFile));
        startPrometheus(Optional.of(alertmanager.port()));
        startHaia(haiaPort, "0");

        await(() -> ntfy.messages().size() == 1 && gotify.messages().size() == 1);
        Duration told = Duration.between(begin, Instant.now());
        FakeNtfy.Message phone = ntfy.messages().getFirst();
        String instance = "127.0.0.1:" + exporter.getAddress().getPort();
        assertEquals("[critical] HomelabDiskFull on " + instance, phone.title());
        assertEquals(5, phone.priority());
        assertTrue(phone.markdown());
        // built from the real query result: Prometheus's own answer, as the tool formatted it
        assertTrue(phone.message().startsWith("Echo: homelab_disk_used_ratio: 1 series\n- homelab_disk_used_ratio{"
                                                      + "instance=\"" + instance + "\", job=\"nas\", mount=\"/srv\"}"
                                                      + " 0.97"), phone.message());
        FakeGotify.Message gotified = gotify.messages().getFirst();
        assertEquals(phone.title(), gotified.title());
        assertEquals(phone.message(), gotified.message().substring(0, phone.message().length()));

        // Alertmanager's own fingerprint, and HAIA's from the labels, are the finding's
        JsonNode amAlerts = JSON.readTree(Http.get(alertmanager.uri("/api/v2/alerts")).body());
        String fingerprint = amAlerts.get(0).path("fingerprint").asText();
        Map<String, String> labels = JSON.convertValue(amAlerts.get(0).path("labels"), Map.class);
        assertEquals(fingerprint, AlertFingerprint.of(labels));
        Finding finding = haia.haia().store().findings().list(Optional.of(true), 10).getFirst();
        assertEquals("am/" + fingerprint, finding.fingerprint());

        // repeats (repeat_interval 3 s): nothing new
        Instant firstSeen = finding.firstSeen();
        await(() -> haia.haia().store().findings().get(finding.id()).orElseThrow().lastSeen()
                .isAfter(firstSeen.plusSeconds(3)));
        Thread.sleep(1500);
        assertEquals(1, ntfy.messages().size());
        assertEquals(1, gotify.messages().size());
        assertEquals(1, investigations());

        // resolved: told once
        diskRatio = "0.42";
        await(() -> ntfy.messages().size() == 2 && gotify.messages().size() == 2);
        Duration resolved = Duration.between(begin, Instant.now());
        assertEquals("Resolved: HomelabDiskFull on " + instance, ntfy.messages().get(1).title());
        assertEquals(2, ntfy.messages().get(1).priority());
        Thread.sleep(4000);
        assertEquals(2, ntfy.messages().size(), "Alertmanager's resolved resends change nothing");
        assertEquals(List.of(), ntfy.refused());
        assertEquals(List.of(), gotify.refused());

        // every model call in the ledger; HAIA only read from Prometheus
        JsonNode usage = JSON.readTree(Http.get(haia.uri("/v1/usage"), Map.of("Authorization", "Bearer " + KEY))
                                               .body());
        assertEquals(2, usage.path("data").get(0).path("requests").asInt(), usage.toString());
        assertTrue(proxy.requests().stream().anyMatch(r -> r.target().startsWith("/api/v1/query?query=homelab")));
        proxy.requests().forEach(r -> {
            assertEquals("GET", r.method(), r.toString());
            assertTrue(WIRE.matcher(r.target()).matches(), r.target());
        });
        System.out.println("E2E (" + backend + "): told after " + told.toMillis() + " ms, resolution told after "
                                   + resolved.toMillis() + " ms from the start of Alertmanager");
    }

    @Test
    void withoutAlertmanagerHaiasOwnCheckFindsTheAlertAndTheTargetThatIsDown() throws Exception {
        startPrometheus(Optional.empty());
        startHaia(0, "1s");
        await(() -> firing().stream().anyMatch(f -> f.title().startsWith("HomelabDiskFull on"))
                && firing().stream().anyMatch(f -> f.title().startsWith("Prometheus target ghost")));
        Finding alert = firing().stream().filter(f -> f.title().startsWith("HomelabDiskFull")).findFirst().orElseThrow();
        assertEquals("prometheus", alert.source());
        JsonNode rule = JSON.readTree(Http.get(prometheus.uri("/api/v1/alerts")).body()).path("data").path("alerts")
                .get(0);
        assertEquals("am/" + AlertFingerprint.of(JSON.convertValue(rule.path("labels"), Map.class)),
                     alert.fingerprint(), "the fingerprint Alertmanager would give it");
        await(() -> ntfy.messages().stream().anyMatch(m -> m.title().startsWith("[critical]")
                && m.title().contains("HomelabDiskFull on")));
        diskRatio = "0.42";
        await(() -> firing().stream().noneMatch(f -> f.title().startsWith("HomelabDiskFull")));
        await(() -> ntfy.messages().stream().anyMatch(m -> m.title().startsWith("Resolved: HomelabDiskFull")));
        proxy.requests().forEach(r -> assertEquals("GET", r.method(), r.toString()));
    }

    private List<Finding> firing() {
        return haia.haia().store().findings().list(Optional.of(true), 50);
    }

    private long investigations() {
        return anthropic.requests().stream().filter(r -> r.systemText().contains("investigating, in the background")
                && !r.body().path("messages").toString().contains("tool_result")).count();
    }

    private static void await(BooleanSupplier condition) {
        Instant end = Instant.now().plusSeconds(90);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(end), "not within 90 s");
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
