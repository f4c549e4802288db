package haia.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 1: non-streaming requests through HAIA against the same requests sent to the fast upstream directly,
 * at concurrency 1, 16 and 64: what HAIA adds to latency, its throughput, its CPU per request and its memory. When
 * bin/bench installed it, Portkey's gateway (a stateless peer) gets the same call at each level, in the same run:
 * issue 27's targets are ratios to it.
 */
final class OverheadBench {

    private final Bench bench;

    OverheadBench(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        Duration warmup = bench.warm;
        Duration duration = bench.measure;
        List<List<String>> rows = new ArrayList<>();
        Map<String, Double> figures = new LinkedHashMap<>();   // for --save-baseline and --compare
        try (Proc upstream = bench.upstream(0, 8, 0); Proc peer = bench.portkey().orElse(null)) {
            Path db = bench.work.resolve("overhead/haia.db");
            try (Proc haia = bench.haia(upstream, db, Map.of())) {
                long idleRss = haia.rssBytes();
                haia.resetPeakRss();
                // each gateway settles (its JIT done with the hot path) before its first level: see Bench.settle
                LoadClient.closedLoop(haia.port(), 16, Duration.ZERO, bench.settle,
                                      (c, s) -> Bench.haiaRequest(c, s, false));
                if (peer != null) {
                    LoadClient.closedLoop(peer.port(), 16, Duration.ZERO, bench.settle, Bench.portkeyRequest(upstream));
                }
                for (int concurrency : new int[] {1, 16, 64}) {
                    LoadClient.Result direct = LoadClient.closedLoop(upstream.port(), concurrency, warmup, duration,
                                                                     (c, s) -> Bench.directRequest(c, s, false));
                    CpuMeter haiaMeter = new CpuMeter(haia::cpu);
                    LoadClient.Result viaHaia = LoadClient.closedLoop(haia.port(), concurrency, warmup, duration,
                                                                      (c, s) -> Bench.haiaRequest(c, s, false),
                                                                      haiaMeter);
                    Duration cpu = haiaMeter.spent();
                    double haiaCpu = haiaMeter.microsPerRequest(viaHaia);
                    double addedP50 = viaHaia.millis(0.5) - direct.millis(0.5);
                    double addedP99 = viaHaia.millis(0.99) - direct.millis(0.99);
                    rows.add(List.of(Integer.toString(concurrency), "direct", Report.num(direct.throughput()),
                                     Report.ms(direct.millis(0.5)), Report.ms(direct.millis(0.9)),
                                     Report.ms(direct.millis(0.99)), Report.ms(direct.maxMillis()),
                                     Integer.toString(direct.errors()), "", ""));
                    rows.add(List.of(Integer.toString(concurrency), "HAIA", Report.num(viaHaia.throughput()),
                                     Report.ms(viaHaia.millis(0.5)), Report.ms(viaHaia.millis(0.9)),
                                     Report.ms(viaHaia.millis(0.99)), Report.ms(viaHaia.maxMillis()),
                                     Integer.toString(viaHaia.errors()),
                                     String.format(Locale.ROOT, "%s / %s (ratio %.2f)", Report.ms(addedP50),
                                                   Report.ms(addedP99), viaHaia.throughput() / direct.throughput()),
                                     String.format(Locale.ROOT, "%.2f s (%.0f µs/request)", cpu.toMillis() / 1000.0,
                                                   haiaCpu)));
                    String c = "c" + concurrency + " ";
                    figures.put(c + "requests/s", viaHaia.throughput());
                    figures.put(c + "p50 µs", viaHaia.millis(0.5) * 1000);
                    figures.put(c + "p99 µs", viaHaia.millis(0.99) * 1000);
                    figures.put(c + "CPU µs/request", haiaCpu);
                    if (concurrency == 16) {
                        bench.report.verdict("overhead c16: HAIA adds ≤ 1 ms at p50", Report.ms(addedP50), addedP50 <= 1.0);
                        bench.report.verdict("overhead c16: HAIA adds ≤ 5 ms at p99", Report.ms(addedP99), addedP99 <= 5.0);
                        bench.report.verdict("c16: HAIA p99 ≤ 10 ms", Report.ms(viaHaia.millis(0.99)),
                                             viaHaia.millis(0.99) <= 10);
                        bench.report.verdict("c16: HAIA CPU per request ≤ 0.30 ms, every exchange stored",
                                             String.format(Locale.ROOT, "%.0f µs", haiaCpu), haiaCpu <= 300);
                    }
                    if (peer != null) {
                        CpuMeter peerMeter = new CpuMeter(peer::cpu);
                        LoadClient.Result viaPortkey = LoadClient.closedLoop(peer.port(), concurrency, warmup, duration,
                                                                             Bench.portkeyRequest(upstream), peerMeter);
                        double peerCpu = peerMeter.microsPerRequest(viaPortkey);
                        rows.add(List.of(Integer.toString(concurrency), "Portkey 1.15.2",
                                         Report.num(viaPortkey.throughput()), Report.ms(viaPortkey.millis(0.5)),
                                         Report.ms(viaPortkey.millis(0.9)), Report.ms(viaPortkey.millis(0.99)),
                                         Report.ms(viaPortkey.maxMillis()), Integer.toString(viaPortkey.errors()),
                                         String.format(Locale.ROOT, "HAIA: %.2f× its throughput, %.2f× its CPU",
                                                       viaHaia.throughput() / viaPortkey.throughput(),
                                                       haiaCpu / peerCpu),
                                         String.format(Locale.ROOT, "%.0f µs/request", peerCpu)));
                        if (concurrency == 16) {
                            bench.report.verdict("c16: HAIA throughput ≥ 4× Portkey's",
                                                 String.format(Locale.ROOT, "%.2f×", viaHaia.throughput()
                                                         / viaPortkey.throughput()),
                                                 viaHaia.throughput() >= 4 * viaPortkey.throughput());
                            bench.report.verdict("c16: HAIA CPU per request ≤ ¼ of Portkey's",
                                                 String.format(Locale.ROOT, "%.0f vs %.0f µs", haiaCpu, peerCpu),
                                                 haiaCpu * 4 <= peerCpu);
                        }
                        if (viaPortkey.errors() > 0) {
                            bench.report.verdict("Portkey c" + concurrency + ": no errors (else its figures mean nothing)",
                                                 viaPortkey.errors() + " errors", false);
                        }
                    }
                    if (concurrency == 64 || concurrency == 16) {
                        bench.report.verdict("throughput c" + concurrency + " ≥ 2,000 requests/s (zero-latency upstream)",
                                       Report.num(viaHaia.throughput()) + " requests/s",
                                       viaHaia.throughput() >= 2000);
                    }
                    if (viaHaia.errors() > 0) {
                        bench.report.verdict("overhead c" + concurrency + ": no errors", viaHaia.errors() + " errors", false);
                    }
                }
                long peak = haia.peakRssBytes();
                bench.report.section("1. Overhead (non-streaming, zero-latency upstream)",
                               Report.table(List.of("concurrency", "target", "requests/s", "p50", "p90", "p99", "max",
                                                    "errors", "HAIA adds p50 / p99 (throughput ratio)", "HAIA CPU"), rows)
                                       + "\nEach request is a new user turn in one of `concurrency` conversations: HAIA"
                                       + " parses it, reads the window, calls the upstream, stores the exchange in one"
                                       + " transaction and maps the answer. Each gateway first settles under "
                                       + bench.settle.toSeconds() + " s of load at concurrency 16 (its JIT compilers"
                                       + " done with the hot path); each level then has a " + warmup.toSeconds()
                                       + " s warm-up and " + duration.toSeconds() + " s measured. HAIA RSS: "
                                       + Report.mb(idleRss)
                                       + " before the runs, peak " + Report.mb(peak) + " during them."
                                       + (peer != null ? " Portkey gets the same call (OpenAI's format in,"
                                               + " Anthropic's out, the same upstream) and stores nothing."
                                               : " Portkey not run: bin/bench installs it with npm."));
                bench.report.verdict("RSS under scenario 1 (for reference)", Report.mb(peak), true);
                bench.report.verdict("idle RSS ≤ 128 MB", Report.mb(idleRss), idleRss <= 128L << 20);
                figures.put("idle RSS MB", idleRss / 1048576.0);
                figures.put("peak RSS MB", peak / 1048576.0);
            }
        }
        String compare = bench.option("--compare", "");
        if (!compare.isEmpty()) {
            bench.report.section("1. Overhead against the baseline", Baseline.compare(Path.of(compare), figures));
        }
        String save = bench.option("--save-baseline", "");
        if (!save.isEmpty()) {
            Baseline.save(Path.of(save), bench.option("--label", java.time.LocalDate.now().toString()), figures);
            System.out.println("Recorded this run in " + save);
        }
    }
}