package haia.notify;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import haia.observe.HaiaMetrics;
import haia.observe.WatchMetrics;
import haia.store.Finding;
import haia.store.Severity;
import haia.testing.FakeGotify;
import haia.testing.FakeNtfy;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Meter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages reach protocol-checking fakes of ntfy and Gotify (built from their servers' code) and a JSON receiver,
 * exactly once each, shaped as each API wants; a target that answers 500, hangs or refuses the token is retried (or
 * not), counted, and holds up nobody.
 */
class NotifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NTFY_TOKEN = "tk_0123456789abcdefghijklmnopq";
    private static final String GOTIFY_TOKEN = "AbCdEf.GotifyToken";

    FakeNtfy ntfy;
    FakeGotify gotify;
    HttpServer receiver;
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final HaiaMetrics haiaMetrics = new HaiaMetrics();
    final WatchMetrics metrics = new WatchMetrics(haiaMetrics);
    Notifier notifier;

    @BeforeEach
    void start() throws IOException {
        ntfy = FakeNtfy.withToken(NTFY_TOKEN);
        gotify = FakeGotify.start(GOTIFY_TOKEN);
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/hooks/haia", exchange -> {
            received.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        ntfy.close();
        gotify.close();
        receiver.stop(0);
    }

    private List<NotifyTarget> targets(String... urls) {
        return java.util.Arrays.stream(urls).flatMap(u -> NotifyTarget.parse(u).targets().stream()).toList();
    }

    private String ntfyUrl(String token) {
        return "ntfy://127.0.0.1:" + ntfy.port() + "/homelab?token=" + token;
    }

    private String gotifyUrl() {
        return "gotify://127.0.0.1:" + gotify.port() + "/" + GOTIFY_TOKEN;
    }

    private static Notification opened(String title, String markdown) {
        Finding finding = new Finding(7, "am/0123", "alertmanager", title, Severity.CRITICAL, true,
                                      Instant.parse("2026-12-06T03:12:00Z"), Instant.parse("2026-12-06T03:12:00Z"),
                                      Optional.empty(), "{}", OptionalLong.empty(), Optional.empty());
        return new Notification(true, title, Severity.CRITICAL, markdown,
                                Optional.of(URI.create("https://haia.lan/v1/findings/7")), List.of(finding));
    }

    @Test
    void oneMessageReachesEveryTargetShapedForItsApi() {
        notifier = new Notifier(targets(ntfyUrl(NTFY_TOKEN), gotifyUrl(),
                                        "json://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/haia"),
                                Duration.ofSeconds(5), Duration.ofMillis(50), metrics, t -> t);
        String title = "[critical] DiskAlmostFull on nas:9100 — ünïcode\r\nX-Forged: 1";
        notifier.send(opened(title, "**Disk 97% full.** Run `df -h /srv`.\n\n" + "x".repeat(5000)));
        await(() -> ntfy.messages().size() == 1 && gotify.messages().size() == 1 && received.size() == 1);

        FakeNtfy.Message n = ntfy.messages().getFirst();
        assertEquals(title, n.title(), "the title arrives whole, control characters included, as one header");
        assertEquals(5, n.priority());
        assertTrue(n.markdown());
        assertEquals(List.of("rotating_light", "haia"), n.tags());
        assertEquals("https://haia.lan/v1/findings/7", n.click());
        assertTrue(n.message().startsWith("**Disk 97% full.**") && n.message().endsWith("…"), n.message());
        assertTrue(n.message().getBytes(StandardCharsets.UTF_8).length <= 4096);

        FakeGotify.Message g = gotify.messages().getFirst();
        assertEquals(title, g.title());
        assertEquals(8, g.priority());
        assertEquals("text/markdown", g.contentType());
        assertEquals("https://haia.lan/v1/findings/7", g.clickUrl());
        assertTrue(g.message().length() > 5000, "Gotify takes the whole answer");

        JsonNode json = received.getFirst();
        assertEquals("opened", json.path("event").asText());
        assertEquals("critical", json.path("severity").asText());
        assertEquals("am/0123", json.path("findings").path(0).path("fingerprint").asText());
        assertEquals(List.of(), ntfy.refused());
        assertEquals(List.of(), gotify.refused());
        await(() -> count("sent", "ntfy://127.0.0.1:" + ntfy.port()) == 1);
    }

    @Test
    void aFailingOrHangingTargetIsRetriedCountedAndHoldsUpNobody() throws Exception {
        ntfy.mode(FakeNtfy.Mode.FAIL_500);
        gotify.mode(FakeNtfy.Mode.HANG);
        gotify.hang(Duration.ofSeconds(3));
        String json = "json://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/haia";
        notifier = new Notifier(targets(ntfyUrl(NTFY_TOKEN), gotifyUrl(), json), Duration.ofSeconds(1),
                                Duration.ofMillis(100), metrics, t -> t);
        long start = System.nanoTime();
        notifier.send(opened("first", "one"));
        notifier.send(new Notification(false, "Resolved: first", Severity.CRITICAL, "fine again", Optional.empty(),
                                       List.of()));
        assertTrue(System.nanoTime() - start < Duration.ofMillis(100).toNanos(), "send never waits");
        await(() -> received.size() == 2);
        assertEquals(List.of("opened", "resolved"), received.stream().map(j -> j.path("event").asText()).toList(),
                     "in order, at once, while the other two targets fail");
        // 4 attempts to the failing ntfy: 3 retries after 100, 400 and 1600 ms, then given up
        await(() -> count("failed", "ntfy://127.0.0.1:" + ntfy.port()) == 2);
        assertEquals(6, count("retried", "ntfy://127.0.0.1:" + ntfy.port()));
        assertEquals(0, count("sent", "ntfy://127.0.0.1:" + ntfy.port()));
        // the hanging Gotify times out after 1 s per attempt, and is retried as well
        await(() -> count("retried", "gotify://127.0.0.1:" + gotify.port()) >= 1);
        assertEquals(2, count("sent", "json://127.0.0.1:" + receiver.getAddress().getPort()));
    }

    @Test
    void aRefusedTokenIsNotRetriedAndNeverLogged() {
        notifier = new Notifier(targets(ntfyUrl("tk_wrongwrongwrongwrongwrongwr")), Duration.ofSeconds(2),
                                Duration.ofMillis(50), metrics, t -> t.replace("tk_wrongwrongwrongwrongwrongwr", "****"));
        notifier.send(opened("x", "y"));
        await(() -> count("failed", "ntfy://127.0.0.1:" + ntfy.port()) == 1);
        assertEquals(0, count("retried", "ntfy://127.0.0.1:" + ntfy.port()));
        assertEquals(List.of("401 40101: wrong credentials"), ntfy.refused());
        assertFalse(ntfy.messages().stream().anyMatch(m -> m.title().equals("x")));
    }

    @Test
    void headerValuesAreAsciiOrOneEncodedWord() {
        assertEquals("plain title", Delivery.headerValue("plain title"));
        String encoded = Delivery.headerValue("a\nb");
        assertTrue(encoded.matches("=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]+\\?="), encoded);
        assertTrue(Delivery.headerValue("=?x?=").startsWith("=?UTF-8?B?"), "a look-alike is encoded too");
        byte[] cut = Delivery.cut("é".repeat(3000), 4096);
        assertTrue(cut.length <= 4096);
        assertTrue(new String(cut, StandardCharsets.UTF_8).endsWith("é\n…"), "cut between characters");
    }

    private double count(String result, String target) {
        double sum = 0;
        for (Meter meter : haiaMetrics.registry().meters()) {
            if (meter instanceof Counter counter && meter.id().name().equals("haia_notifications")
                    && result.equals(meter.id().tagsMap().get("result"))
                    && target.equals(meter.id().tagsMap().get("target"))) {
                sum += counter.count();
            }
        }
        return sum;
    }

    private static void await(BooleanSupplier condition) {
        Instant end = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(end), "not within 20 s");
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
