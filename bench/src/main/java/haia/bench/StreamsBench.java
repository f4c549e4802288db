package haia.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 2: thousands of concurrent streams (50 tokens, one every 100 ms) through HAIA and directly: every
 * stream complete and in order, what HAIA adds to the first token, its peak memory, threads and file descriptors.
 */
final class StreamsBench {

    private final Bench bench;

    StreamsBench(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int tokens = 50;
        long drip = 100;   // 50 tokens over ~5 s
        int[] sizes = Arrays.stream(bench.option("--streams", bench.quick ? "100,300" : "1000,5000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<List<String>> rows = new ArrayList<>();
        try (Proc upstream = bench.upstream(0, tokens, drip)) {
            for (int streams : sizes) {
                int perSecond = Math.max(200, streams / 2);
                LoadClient.StreamResult direct = LoadClient.streams(upstream.port(), streams, perSecond,
                                                                    Duration.ofSeconds(60),
                                                                    (c, s) -> Bench.directRequest(c, s, true), tokens, false);
                Path db = bench.work.resolve("streams-" + streams + "/haia.db");
                try (Proc haia = bench.haia(upstream, db, Map.of())) {
                    bench.warmUp(haia, upstream);
                    haia.resetPeakRss();
                    LoadClient.StreamResult viaHaia;
                    Proc.Sampler sampler;
                    Duration cpuBefore = haia.cpu();
                    Duration fakeBefore = upstream.cpu();
                    Duration loadBefore = LoadClient.ownCpu();
                    try (Proc.Sampler s = haia.new Sampler()) {
                        sampler = s;
                        viaHaia = LoadClient.streams(haia.port(), streams, perSecond, Duration.ofSeconds(60),
                                                     (c, q) -> Bench.haiaRequest(c, q, true), tokens, true);
                    }
                    Duration cpu = haia.cpu().minus(cpuBefore);
                    Duration fakeCpu = upstream.cpu().minus(fakeBefore);
                    Duration loadCpu = LoadClient.ownCpu().minus(loadBefore);
                    long peak = Math.max(haia.peakRssBytes(), sampler.maxRss.get());
                    double addedP50 = viaHaia.firstToken().millis(0.5) - direct.firstToken().millis(0.5);
                    double addedP99 = viaHaia.firstToken().millis(0.99) - direct.firstToken().millis(0.99);
                    rows.add(List.of(Integer.toString(streams), "direct", Integer.toString(direct.streams()),
                                     Integer.toString(direct.errors()), Report.ms(direct.firstToken().millis(0.5)),
                                     Report.ms(direct.firstToken().millis(0.99)), Report.ms(direct.complete().millis(0.99)),
                                     "", "", "", "", ""));
                    rows.add(List.of(Integer.toString(streams), "HAIA", Integer.toString(viaHaia.streams()),
                                     Integer.toString(viaHaia.errors()),
                                     Report.ms(viaHaia.firstToken().millis(0.5)),
                                     Report.ms(viaHaia.firstToken().millis(0.99)),
                                     Report.ms(viaHaia.complete().millis(0.99)),
                                     Report.ms(addedP50) + " / " + Report.ms(addedP99),
                                     Report.mb(peak), sampler.maxThreads.get() + " / " + sampler.maxFiles.get(),
                                     String.format(Locale.ROOT, "%.1f s", cpu.toMillis() / 1000.0),
                                     String.format(Locale.ROOT, "%.1f s / %.1f s", fakeCpu.toMillis() / 1000.0,
                                                   loadCpu.toMillis() / 1000.0)));
                    boolean big = streams == sizes[sizes.length - 1];
                    if (big) {
                        bench.report.verdict(streams + " concurrent streams complete, in order, zero errors",
                                       viaHaia.streams() + " complete, " + viaHaia.errors() + " errors",
                                       viaHaia.errors() == 0 && viaHaia.streams() == streams);
                        bench.report.verdict(streams + " streams: added time-to-first-token ≤ 10 ms at p99",
                                       Report.ms(addedP99), addedP99 <= 10);
                        bench.report.verdict(streams + " streams: peak RSS ≤ 512 MB", Report.mb(peak), peak <= 512L << 20);
                    }
                }
            }
        }
        bench.report.section("2. Streams (50 tokens each, one every 100 ms)",
                       Report.table(List.of("streams", "target", "complete", "errors", "first token p50",
                                            "first token p99", "whole stream p99", "HAIA adds to first token p50 / p99",
                                            "HAIA peak RSS", "HAIA peak threads / fds", "HAIA CPU",
                                            "fake upstream / load generator CPU"), rows)
                               + "\nStreams are opened at up to " + (bench.quick ? 200 : 2500) + " per second; each is checked"
                               + " for all 50 tokens in order and a proper end. \"direct\" streams the same replies from"
                               + " the fake upstream itself.");
    }
}
