package haia.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenario "watch" (issue 25): Alertmanager's webhook with 1,000 alerts, and chat latency while investigations run.
 * HAIA talks to two fake upstreams: the chat model answers at once, the watch's model ({@code HAIA_WATCH_MODEL})
 * takes 3 s per call, so investigations are always running (at most two at once) while the chat load is measured.
 * <ol>
 *     <li>Accepting a webhook of 1,000 alerts (each a new finding; recorded in the background): 20 webhooks, time
 *         to the {@code 202}.</li>
 *     <li>Chat at concurrency 16 without investigations, then with a new small webhook every 250 ms keeping the
 *         investigations busy: p50, p99, throughput, and how many investigations ran meanwhile.</li>
 * </ol>
 */
final class WatchBench {

    private static final Pattern INVESTIGATIONS = Pattern.compile(
            "haia_investigations_total\\{result=\"answered\",} ([0-9.]+)");

    private final Bench bench;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger fingerprint = new AtomicInteger();

    WatchBench(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        try (Proc fast = bench.upstream(0, 8, 0); Proc slow = bench.upstream(3000, 8, 0)) {
            Path config = Files.writeString(bench.work.resolve("watch.yaml"), """
                    models:
                      - id: haia
                        provider: anthropic
                        upstream-model: claude-haiku-4-5-20251001
                      - id: watcher
                        provider: slow
                        upstream-model: claude-haiku-4-5-20251001
                    default-model: haia
                    providers:
                      slow:
                        type: anthropic
                        base-url: http://127.0.0.1:%d
                        api-key: bench-key
                    """.formatted(slow.port()));
            Path db = bench.work.resolve("watch/haia.db");
            Files.createDirectories(db.getParent());
            try (Proc haia = bench.haia(fast, db, Map.of("HAIA_CONFIG", config.toString(), "HAIA_WATCH_MODEL",
                                                         "watcher", "HAIA_WATCH_MAX_INVESTIGATIONS", "100000",
                                                         "HAIA_WATCH_GROUP_WAIT", "200ms",
                                                         "HAIA_WATCH_INTERVAL", "0"))) {
                LoadClient.closedLoop(haia.port(), 8, Duration.ZERO, bench.warm, (c, s) -> chat(c, s));
                LoadClient.Result quiet = LoadClient.closedLoop(haia.port(), 16, bench.warm, bench.measure,
                                                                (c, s) -> chat(c, s));
                double[] accept = webhooks(haia.port());
                double before = investigations(haia.port());
                AtomicBoolean stop = new AtomicBoolean();
                Thread feeder = Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            post(haia.port(), 2);
                            Thread.sleep(250);
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                LoadClient.Result busy;
                try {
                    busy = LoadClient.closedLoop(haia.port(), 16, bench.warm, bench.measure, (c, s) -> chat(c, s));
                } finally {
                    stop.set(true);
                    feeder.join();
                }
                double ran = investigations(haia.port()) - before;
                report(accept, quiet, busy, ran);
            }
        }
    }

    /** 3 warm-up webhooks, then 20 measured: each 1,000 new alerts; milliseconds to the 202, sorted. */
    private double[] webhooks(int port) throws Exception {
        for (int i = 0; i < 3; i++) {
            post(port, 1000);
        }
        double[] millis = new double[20];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            post(port, 1000);
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return millis;
    }

    private void post(int port, int alerts) throws Exception {
        StringBuilder body = new StringBuilder("{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"haia\","
                                                       + "\"alerts\":[");
        for (int i = 0; i < alerts; i++) {
            int n = fingerprint.incrementAndGet();
            body.append(i == 0 ? "" : ",").append("{\"status\":\"firing\",\"labels\":{\"alertname\":\"TargetDown\","
                    + "\"instance\":\"host-").append(n).append(":9100\",\"job\":\"node\",\"severity\":\"warning\"},"
                    + "\"annotations\":{\"summary\":\"host-").append(n).append(" stopped answering\"},"
                    + "\"startsAt\":\"2026-12-06T03:00:00Z\",\"fingerprint\":\"").append(Integer.toHexString(n))
                    .append("\"}");
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                                                                      + "/v1/alerts/alertmanager"))
                                                           .header("Content-Type", "application/json")
                                                           .POST(HttpRequest.BodyPublishers.ofString(body + "]}"))
                                                           .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("webhook answered " + response.statusCode() + ": " + response.body());
        }
    }

    private double investigations(int port) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                                   HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = INVESTIGATIONS.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static byte[] chat(int client, long seq) {
        return LoadClient.post("/v1/chat/completions",
                               "{\"model\":\"haia\",\"messages\":[{\"role\":\"user\",\"content\":\"How do I check ceph"
                                       + " health? request " + seq + "\"}]}", "X-Haia-Conversation: watch-" + client);
    }

    private void report(double[] accept, LoadClient.Result quiet, LoadClient.Result busy, double ran) {
        double p50 = accept[accept.length / 2];
        double max = accept[accept.length - 1];
        bench.report.verdict("watch: a webhook of 1,000 alerts is accepted in well under a second (p50 ≤ 250 ms,"
                                     + " max < 1 s)", Report.ms(p50) + " p50, " + Report.ms(max) + " max",
                             p50 <= 250 && max < 1000);
        double change = busy.millis(0.5) / quiet.millis(0.5) - 1;
        bench.report.verdict("watch: chat p50 unchanged while investigations run (within 10 % or 0.5 ms)",
                             String.format(Locale.ROOT, "%s → %s (%+.0f %%), %.0f investigations meanwhile",
                                           Report.ms(quiet.millis(0.5)), Report.ms(busy.millis(0.5)), change * 100,
                                           ran),
                             busy.millis(0.5) <= Math.max(quiet.millis(0.5) * 1.10, quiet.millis(0.5) + 0.5)
                                     && ran >= 1);
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("chat, no investigations", Report.num(quiet.throughput()), Report.ms(quiet.millis(0.5)),
                         Report.ms(quiet.millis(0.99)), Integer.toString(quiet.errors()), "0"));
        rows.add(List.of("chat, investigations running", Report.num(busy.throughput()), Report.ms(busy.millis(0.5)),
                         Report.ms(busy.millis(0.99)), Integer.toString(busy.errors()),
                         String.format(Locale.ROOT, "%.0f", ran)));
        bench.report.section("7. Watch (webhook of 1,000 alerts; chat at concurrency 16 while investigations run)",
                             "Accepting a webhook of 1,000 new alerts (20 of them, each answered 202 before the"
                                     + " findings are recorded): p50 " + Report.ms(p50) + ", p90 "
                                     + Report.ms(accept[(int) (accept.length * 0.9)]) + ", max " + Report.ms(max)
                                     + ".\n\n" + Report.table(List.of("load", "requests/s", "p50", "p99", "errors",
                                                                      "investigations"), rows)
                                     + "\nThe watch's model answers after 3 s, so two investigations run at once the"
                                     + " whole time (a new webhook every 250 ms keeps them coming).");
    }
}
