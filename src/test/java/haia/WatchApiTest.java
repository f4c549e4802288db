package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import haia.store.FindingStore;
import haia.testing.FakeAnthropic;
import haia.testing.FakeGotify;
import haia.testing.FakeNtfy;
import haia.testing.Http;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watch through HAIA's HTTP API, as senders and users meet it, on SQLite and on PostgreSQL: the API key,
 * malformed and huge bodies (a 400 or 413, nothing stored), 10,000 alerts in one webhook (accepted at once, one
 * investigation), a Proxmox VE webhook target's generic alert from repeat to resolution, labels with control
 * characters and markup (nothing forged in the log, escaped where OpenWebUI renders them), notification targets that
 * hang or fail while chats go on, and {@code GET /v1/findings}.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class WatchApiTest {

    private static final String KEY = "haia-key-for-the-watch";
    private static final String GOTIFY_TOKEN = "AppTokenGotify7";

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    FakeNtfy ntfy;
    FakeGotify gotify;
    TestHaia haia;
    final List<LogRecord> log = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            log.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        ntfy = FakeNtfy.start();
        gotify = FakeGotify.start(GOTIFY_TOKEN);
        anthropic.respondWith(request -> request.systemText().contains("investigating, in the background")
                ? FakeAnthropic.reply("Investigated: " + request.lastUserText().lines().findFirst().orElse(""))
                : FakeAnthropic.echo(request));
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.putAll(backend.env(dir));
        env.put("HAIA_API_KEY", KEY);
        env.put("HAIA_WATCH_INTERVAL", "0");
        env.put("HAIA_WATCH_GROUP_WAIT", "500ms");
        env.put("HAIA_NOTIFY", "ntfy://127.0.0.1:" + ntfy.port() + "/homelab, gotify://127.0.0.1:" + gotify.port()
                + "/" + GOTIFY_TOKEN);
        env.put("HAIA_PUBLIC_URL", "https://haia.lan");
        Logger.getLogger("").addHandler(capture);
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("").removeHandler(capture);
        haia.close();
        anthropic.close();
        ntfy.close();
        gotify.close();
    }

    private Http.Response post(String path, String body) {
        return Http.post(haia.uri(path), body, Map.of("Authorization", "Bearer " + KEY,
                                                      "Content-Type", "application/json"));
    }

    private JsonNode get(String path) throws Exception {
        Http.Response response = Http.get(haia.uri(path), Map.of("Authorization", "Bearer " + KEY));
        assertEquals(200, response.status(), response.body());
        return Http.JSON.readTree(response.body());
    }

    private static String alert(String status, String name, String instance, String extraLabels) {
        return """
                {"status":"%s","labels":{"alertname":"%s","instance":"%s","severity":"warning"%s},
                 "annotations":{"summary":"%s needs a look"},"startsAt":"2026-12-06T03:00:00Z"}"""
                .formatted(status, name, instance, extraLabels, name);
    }

    private static String webhook(String status, List<String> alerts) {
        return "{\"version\":\"4\",\"status\":\"" + status + "\",\"receiver\":\"haia\",\"alerts\":["
                + String.join(",", alerts) + "]}";
    }

    private int investigations() {
        return (int) anthropic.requests().stream()
                .filter(r -> r.systemText().contains("investigating, in the background")).count();
    }

    private void settle() {
        await(() -> haia.haia().watching().watch().busy() == 0);
    }

    @Test
    void theApiKeyGuardsAlertsAndFindings() {
        assertEquals(401, Http.post(haia.uri("/v1/alerts/alertmanager"), webhook("firing", List.of()),
                                    Map.of("Content-Type", "application/json")).status());
        assertEquals(401, Http.get(haia.uri("/v1/findings")).status());
        assertEquals(202, post("/v1/alerts/alertmanager", webhook("firing", List.of())).status());
    }

    @Test
    void malformedAndHugeBodiesAreRefusedAndChangeNothing() throws Exception {
        for (String bad : List.of("{", "[]", "{\"version\":\"4\",\"alerts\":{}}", "{\"version\":\"3\",\"alerts\":[]}",
                                  webhook("firing", List.of("{\"status\":\"firing\",\"labels\":{\"a\":{\"b\":1}}}")),
                                  webhook("firing", List.of("{\"status\":\"burning\",\"labels\":{}}")),
                                  webhook("firing", List.of("{\"status\":\"firing\"}")),
                                  "{\"alerts\":[" + "[".repeat(100) + "]".repeat(100) + "]}")) {
            Http.Response response = post("/v1/alerts/alertmanager", bad);
            assertEquals(400, response.status(), bad + " -> " + response.body());
            assertEquals("invalid_request_error", Http.JSON.readTree(response.body()).path("error").path("type")
                    .asText(), response.body());
        }
        for (String bad : List.of("{\"message\":\"no title\"}", "{\"title\":\"x\",\"severity\":\"apocalyptic\"}",
                                  "{\"title\":\"x\",\"labels\":[1]}", "[]", "\"just a string\"")) {
            assertEquals(400, post("/v1/alerts", bad).status(), bad);
        }
        String huge = webhook("firing", List.of(alert("firing", "Big", "x", ",\"blob\":\"" + "x".repeat(40 << 20)
                + "\"")));
        assertEquals(413, post("/v1/alerts/alertmanager", huge).status());
        settle();
        assertEquals(0, get("/v1/findings").path("data").size(), "nothing stored");
        assertEquals(0, investigations());
        assertEquals(List.of(), ntfy.messages());
    }

    @Test
    void tenThousandAlertsInOneWebhookAreAcceptedAtOnceAndInvestigatedOnce() throws Exception {
        List<String> alerts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            alerts.add(alert("firing", "TargetDown", "host-" + i + ":9100", ""));
        }
        long start = System.nanoTime();
        Http.Response accepted = post("/v1/alerts/alertmanager", webhook("firing", alerts));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(202, accepted.status(), accepted.body());
        assertEquals(10_000, Http.JSON.readTree(accepted.body()).path("accepted").asInt());
        System.out.println("10,000 alerts accepted in " + millis + " ms");
        await(() -> ntfy.messages().size() == 1 && gotify.messages().size() == 1);
        settle();
        long firing = haia.haia().store().findings().firingCounts().stream().mapToLong(FindingStore.Count::findings)
                .sum();
        assertEquals(10_000, firing);
        assertEquals(1, investigations(), "a storm is one investigation");
        assertTrue(ntfy.messages().getFirst().title().startsWith("[warning] 10000 findings: TargetDown on host-0:9100"),
                   ntfy.messages().getFirst().title());
        assertEquals(500, get("/v1/findings?status=firing&limit=500").path("data").size());
    }

    @Test
    void aProxmoxWebhookTargetsAlertRepeatsAndResolves() throws Exception {
        // the body docs/watching.md's PVE webhook target sends (Handlebars filled in by Proxmox VE 8.2+)
        String pve = """
                {"title":"vzdump backup status (pve1.lan): backup failed","message":"Details\\n101: error",
                 "severity":"error","source":"proxmox","labels":{"type":"vzdump","hostname":"pve1","job-id":"backup-7"}}""";
        Http.Response first = post("/v1/alerts", pve);
        assertEquals(202, first.status(), first.body());
        await(() -> ntfy.messages().size() == 1);
        assertEquals(202, post("/v1/alerts", pve).status());
        settle();
        Thread.sleep(700);
        assertEquals(1, ntfy.messages().size(), "a repeat is told nothing");
        JsonNode finding = get("/v1/findings").path("data").get(0);
        assertEquals("proxmox", finding.path("source").asText());
        assertEquals("critical", finding.path("severity").asText());
        assertEquals("firing", finding.path("status").asText());
        String fingerprint = finding.path("fingerprint").asText();
        assertEquals(Http.JSON.readTree(first.body()).path("fingerprints").get(0).asText(), fingerprint);
        assertTrue(finding.path("summary").asText().startsWith("Investigated: HAIA's watch opened a finding"),
                   finding.toString());
        FakeNtfy.Message told = ntfy.messages().getFirst();
        assertEquals("[critical] vzdump backup status (pve1.lan): backup failed", told.title());
        assertEquals("https://haia.lan/v1/findings/" + finding.path("id").asLong(), told.click());
        FakeGotify.Message gotified = gotify.messages().getFirst();
        assertEquals(8, gotified.priority());
        assertEquals("text/markdown", gotified.contentType());

        JsonNode one = get("/v1/findings/" + finding.path("id").asLong());
        assertEquals("backup-7", one.path("detail").path("labels").path("job-id").asText());
        assertTrue(one.path("investigation").path("answer").asText().startsWith("Investigated:"), one.toString());

        assertEquals(202, post("/v1/alerts", "[" + pve.replace("\"severity\"", "\"status\":\"resolved\",\"severity\"")
                + "]").status());
        await(() -> ntfy.messages().size() == 2 && gotify.messages().size() == 2);
        assertEquals("Resolved: vzdump backup status (pve1.lan): backup failed", ntfy.messages().get(1).title());
        assertEquals("resolved", get("/v1/findings?status=resolved").path("data").get(0).path("status").asText());
        assertEquals(0, get("/v1/findings?status=firing").path("data").size());
        assertEquals(400, Http.get(haia.uri("/v1/findings?status=bogus"), Map.of("Authorization", "Bearer " + KEY))
                .status());
        assertEquals(400, Http.get(haia.uri("/v1/findings?limit=0"), Map.of("Authorization", "Bearer " + KEY))
                .status());
        assertEquals(404, Http.get(haia.uri("/v1/findings/999999"), Map.of("Authorization", "Bearer " + KEY))
                .status());
        assertEquals(List.of(), ntfy.refused());
        assertEquals(List.of(), gotify.refused());
    }

    @Test
    void controlCharactersAndMarkupInLabelsForgeNothing() throws Exception {
        String forged = "NodeDown\\n2026-12-06 03:00:00 SEVERE haia.Main: forged line\\r\\u001b[2J"
                + "<img src=x onerror=alert(1)>[click](http://evil.example)\\u202e";
        assertEquals(202, post("/v1/alerts/alertmanager", webhook("firing", List.of(
                alert("firing", forged, "pve3\\u0000", ",\"html\":\"<script>alert(1)</script>\"")))).status());
        await(() -> ntfy.messages().size() == 1);
        settle();
        List<String> quoting = log.stream().map(r -> String.valueOf(r.getMessage()))
                .filter(m -> m.contains("NodeDown") || m.contains("forged")).toList();
        assertTrue(quoting.stream().anyMatch(m -> m.contains("finding(s) opened")), quoting.toString());
        for (String message : quoting) {
            assertFalse(message.contains("\n") || message.contains("\r") || message.contains("\u001b")
                                || message.contains("\u202e"), "one log line, no terminal control: " + message);
        }
        JsonNode finding = get("/v1/findings").path("data").get(0);
        String title = finding.path("title").asText();
        assertFalse(title.contains("\n") || title.contains("\u001b") || title.contains("\u0000"), title);
        // the message's list line escapes the alert's markup; the model's answer is its own
        String body = ntfy.messages().getFirst().message();
        assertTrue(body.contains("\\<img src=x") && body.contains("\\[click\\]\\(http://evil\\.example\\)"), body);
        assertFalse(body.matches("(?s).*(?<!\\\\)[<\\[].*"), "every < and [ of the alert escaped: " + body);

        // a chat in which the model reads the findings: OpenWebUI shows the tool result escaped
        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_1", "haia_watch_findings", "{}")),
                          FakeAnthropic.reply("There is one open finding."));
        Http.Response chat = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "what happened overnight?"),
                                       Map.of("Authorization", "Bearer " + KEY));
        assertEquals(200, chat.status(), chat.body());
        String content = Http.JSON.readTree(chat.body()).path("choices").path(0).path("message").path("content")
                .asText();
        assertTrue(content.contains("<details type=\"tool_calls\"") && content.contains("&lt;img src=x"), content);
        assertFalse(content.contains("<img src=x") || content.contains("<script>"), content);
        String system = anthropic.lastRequest().systemText();
        assertTrue(system.contains("Since you last looked"), "the chat is briefed: " + system);
    }

    @Test
    void notificationTargetsThatHangOrFailHoldUpNothing() throws Exception {
        ntfy.mode(FakeNtfy.Mode.HANG);
        ntfy.hang(Duration.ofSeconds(30));
        gotify.mode(FakeNtfy.Mode.FAIL_500);
        long start = System.nanoTime();
        assertEquals(202, post("/v1/alerts/alertmanager", webhook("firing", List.of(
                alert("firing", "DiskFull", "nas", "")))).status());
        await(() -> investigations() == 1);
        for (int i = 0; i < 5; i++) {
            long chat = System.nanoTime();
            Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi " + i),
                                               Map.of("Authorization", "Bearer " + KEY));
            assertEquals(200, response.status(), response.body());
            assertTrue(System.nanoTime() - chat < Duration.ofSeconds(2).toNanos(), "chats go on");
        }
        assertEquals(202, post("/v1/alerts/alertmanager", webhook("firing", List.of(
                alert("firing", "NodeDown", "pve2", "")))).status());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
        await(() -> investigations() == 2);
        String metrics = Http.get(haia.uri("/metrics")).body();
        await(() -> Http.get(haia.uri("/metrics")).body().contains("haia_notifications_total{result=\"retried\","
                                                                            + "target=\"gotify://127.0.0.1:"));
        assertTrue(metrics.contains("haia_investigations_total{result=\"answered\",}"), metrics);
    }

    private static void await(BooleanSupplier condition) {
        Instant end = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(end), "not within 60 s");
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
