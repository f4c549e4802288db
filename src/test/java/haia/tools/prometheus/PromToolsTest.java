package haia.tools.prometheus;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import haia.config.Secret;
import haia.config.WatchConfig;
import haia.testing.FakeProxmox;
import haia.testing.PrometheusStack;
import haia.testing.RecordingProxy;
import haia.tools.ToolCatalog;
import haia.tools.ToolException;
import haia.tools.ToolResult;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus tools against a real Prometheus (Debian's package) on loopback: it scrapes itself and a target that
 * is down, and a rule fires at once. Every request HAIA makes goes through a recording proxy, the oracle for "only
 * GETs of the query and status endpoints, with the bearer token".
 */
class PromToolsTest {

    /** What may arrive: GETs of these, decoded, and nothing else (written apart from the production allow-list). */
    private static final List<Pattern> WIRE = List.of(
            Pattern.compile("/api/v1/query\\?query=[^&]+"),
            // Helidon's client orders the parameters its own way
            Pattern.compile("/api/v1/query_range\\?(?=(.*&)?query=[^&]+(&|$))(?=(.*&)?start=[\\d.]+(&|$))"
                                    + "(?=(.*&)?end=[\\d.]+(&|$))(?=(.*&)?step=\\d+(&|$))([a-z]+=[^&]+&){3}[a-z]+=[^&]+"),
            Pattern.compile("/api/v1/(alerts|status/buildinfo)"),
            Pattern.compile("/api/v1/targets\\?state=active"));

    @TempDir
    static Path dir;
    static PrometheusStack.Server prometheus;
    static RecordingProxy proxy;
    static int ghost;
    static ToolCatalog catalog;

    @BeforeAll
    static void start() throws Exception {
        ghost = PrometheusStack.freePort();
        java.nio.file.Files.writeString(dir.resolve("rules.yml"), """
                groups:
                  - name: test
                    interval: 1s
                    rules:
                      - alert: AlwaysFiring
                        expr: vector(1)
                        labels: {severity: warning}
                        annotations: {summary: "fires at once, for the test"}
                """);
        prometheus = PrometheusStack.prometheus(dir, """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: [%s]
                scrape_configs:
                  - job_name: prometheus
                    static_configs: [{targets: ['127.0.0.1:%%PORT%%']}]
                  - job_name: ghost
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(dir.resolve("rules.yml"), ghost));
        proxy = RecordingProxy.to(prometheus.url());
        PromClient client = new PromClient(new WatchConfig.Prometheus(URI.create(proxy.url()),
                                                                      Optional.of(new Secret("prom-token-7")),
                                                                      Optional.empty(), Optional.empty(),
                                                                      Optional.empty()), Duration.ofSeconds(10));
        catalog = new ToolCatalog(List.of(new PromTools(client, Clock.systemUTC())), Duration.ofSeconds(10), 16_000,
                                  t -> t, Clock.systemUTC());
        // wait until both targets were scraped and the rule fired
        Instant end = Instant.now().plusSeconds(60);
        while (!call("haia_prom_alerts", "{}").text().contains("[firing]")
                || !call("haia_prom_targets", "{}").text().contains(": down,")
                || !call("haia_prom_query", "{\"query\":\"up\"}").text().startsWith("up: 2 series")) {
            assertTrue(Instant.now().isBefore(end), prometheus.log());
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    void anHttpsPrometheusIsTrustedByItsPinnedFingerprintOnly() {
        // any HTTPS server with a self-signed certificate will do: the fake Proxmox's
        try (FakeProxmox tls = FakeProxmox.start(dir)) {
            byte[] pin = HexFormat.ofDelimiter(":").parseHex(tls.fingerprint());
            PromClient pinned = new PromClient(new WatchConfig.Prometheus(URI.create(tls.url()), Optional.empty(),
                                                                          Optional.of("haia"),
                                                                          Optional.of(new Secret("pw")),
                                                                          Optional.of(pin)), Duration.ofSeconds(5));
            String answer = assertThrowsTool(() -> pinned.get(new PromEndpoint.BuildInfo()));
            assertTrue(answer.startsWith("Prometheus at " + tls.url() + " refused HAIA (401)"), answer);
            byte[] other = pin.clone();
            other[0] ^= 1;
            PromClient wrong = new PromClient(new WatchConfig.Prometheus(URI.create(tls.url()), Optional.empty(),
                                                                         Optional.empty(), Optional.empty(),
                                                                         Optional.of(other)), Duration.ofSeconds(5));
            String refused = assertThrowsTool(() -> wrong.get(new PromEndpoint.BuildInfo()));
            assertTrue(refused.contains("certificate fingerprint mismatch") && refused.contains(
                    "HAIA_PROMETHEUS_FINGERPRINT"), refused);
        }
    }

    @Test
    void basicAuthenticationAsARealPrometheusAsksForIt() throws Exception {
        try (PrometheusStack.Server guarded = PrometheusStack.prometheusBehindBasicAuth(
                dir, "global: {scrape_interval: 15s}\n", "haia")) {
            PromClient right = new PromClient(new WatchConfig.Prometheus(URI.create(guarded.url()), Optional.empty(),
                                                                         Optional.of("haia"), Optional.of(new Secret(
                    PrometheusStack.BASIC_PASSWORD)), Optional.empty()), Duration.ofSeconds(10));
            assertTrue(right.get(new PromEndpoint.BuildInfo()).path("version").asText().matches("\\d+\\.\\d+.*"));
            PromClient wrong = new PromClient(new WatchConfig.Prometheus(URI.create(guarded.url()), Optional.empty(),
                                                                         Optional.of("haia"),
                                                                         Optional.of(new Secret("not-it")),
                                                                         Optional.empty()), Duration.ofSeconds(10));
            String refused = assertThrowsTool(() -> wrong.get(new PromEndpoint.BuildInfo()));
            assertEquals("Prometheus at " + guarded.url() + " refused HAIA (401): check HAIA_PROMETHEUS_TOKEN, or"
                                 + " HAIA_PROMETHEUS_USER and HAIA_PROMETHEUS_PASSWORD.", refused);
            assertFalse(refused.contains("not-it"));
        }
    }

    private static String assertThrowsTool(Executable call) {
        return assertThrows(ToolException.class, call).getMessage();
    }

    private static ToolResult call(String tool, String arguments) {
        return catalog.call(tool, arguments);
    }

    @Test
    void anInstantQueryListsEachSeriesWithItsValue() {
        ToolResult up = call("haia_prom_query", "{\"query\":\"up\"}");
        assertFalse(up.error(), up.text());
        assertTrue(up.text().startsWith("up: 2 series"), up.text());
        assertTrue(up.text().contains("up{instance=\"127.0.0.1:" + prometheus.port() + "\", job=\"prometheus\"} 1"),
                   up.text());
        assertTrue(up.text().contains("job=\"ghost\"} 0"), up.text());
        ToolResult scalar = call("haia_prom_query", "{\"query\":\"1 + 1\"}");
        assertEquals("1 + 1 = 2", scalar.text());
        assertTrue(call("haia_prom_query", "{\"query\":\"up{job=\\\"nope\\\"}\"}").text().contains("no series"));
    }

    @Test
    void aRangeIsSummarisedPerSeriesNeverRawPoints() throws InterruptedException {
        ToolResult range = call("haia_prom_range", "{\"query\":\"up\",\"range\":\"5m\",\"step\":\"1s\"}");
        for (int i = 0; i < 40 && range.text().contains("no series"); i++) {
            Thread.sleep(250);   // the first samples are a second old at most
            range = call("haia_prom_range", "{\"query\":\"up\",\"range\":\"5m\",\"step\":\"1s\"}");
        }
        assertFalse(range.error(), range.text());
        assertTrue(range.text().matches("(?s)up: 2 series \\(per series.*\\n- up\\{instance=\"127\\.0\\.0\\.1:\\d+\","
                                                + " job=\"ghost\"}: \\d+ points, min 0, max 0, mean 0, last 0, flat.*"),
                   range.text());
        assertFalse(range.text().contains("[1"), "no raw [timestamp, value] pairs");
        ToolResult tooFine = call("haia_prom_range", "{\"query\":\"up\",\"range\":\"30d\",\"step\":\"1s\"}");
        assertTrue(tooFine.error() && tooFine.text().contains("11,000 points"), tooFine.text());
    }

    @Test
    void alertsAndDownTargetsAsOneLineEach() {
        String alerts = call("haia_prom_alerts", "{}").text();
        assertTrue(alerts.matches("(?s)1 alert\\(s\\) firing, 0 pending\\n- \\[firing] \\{alertname=\"AlwaysFiring\","
                                          + " severity=\"warning\"} since .*: fires at once, for the test"), alerts);
        String targets = call("haia_prom_targets", "{}").text();
        assertTrue(targets.startsWith("1 of 2 scrape targets up; not up:\n- ghost 127.0.0.1:" + ghost + ": down"),
                   targets);
        assertTrue(targets.contains("connection refused"), targets);
    }

    @Test
    void aBadQueryIsTheModelsToFixAndNothingButAllowListedGetsArrive() {
        ToolResult bad = call("haia_prom_query", "{\"query\":\"sum(up\"}");
        assertTrue(bad.error(), bad.text());
        assertTrue(bad.text().startsWith("Prometheus answered 400 to the query: bad_data:"), bad.text());
        assertTrue(bad.text().endsWith("Check the PromQL."), bad.text());
        for (String hostile : List.of("up\\r\\nX-Evil: 1", "../../api/v1/admin/tsdb/delete_series",
                                      "up&match[]=up", "x".repeat(2001), "up#frag", "up?query=1",
                                      "{__name__=~\\\".+\\\"}")) {
            call("haia_prom_query", "{\"query\":\"" + hostile + "\"}");
            call("haia_prom_range", "{\"query\":\"" + hostile + "\",\"range\":\"1h\"}");
        }
        assertFalse(proxy.requests().isEmpty());
        for (RecordingProxy.Request request : proxy.requests()) {
            assertEquals("GET", request.method(), request.toString());
            assertEquals("Bearer prom-token-7", request.authorization(), request.toString());
            String decoded = java.net.URLDecoder.decode(request.target().replace("+", "%2B"),
                                                        java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(WIRE.stream().anyMatch(p -> p.matcher(request.target()).matches()), request.target());
            assertFalse(decoded.contains("/admin/") && decoded.startsWith("/api/v1/admin"), decoded);
        }
    }
}
