package haia.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 4: time from process start to the first healthy {@code /health}, with and without the AOT cache,
 * and the idle RSS.
 */
final class StartupBench {

    private final Bench bench;

    StartupBench(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        boolean haveCache = Files.isRegularFile(bench.aotCache);
        Startup withCache = haveCache ? startupRuns(Map.of()) : null;
        Startup without = startupRuns(Map.of("HAIA_AOT_CACHE", bench.work.resolve("no-such.aot").toString()));
        Startup shipped = haveCache ? withCache : without;
        bench.report.verdict("start-up ≤ 1 s to the first healthy /health (median of " + shipped.times().size()
                               + (haveCache ? ", AOT cache" : ", no AOT cache") + ")",
                       shipped.median() + " ms", shipped.median() <= 1000);
        bench.report.verdict("idle RSS ≤ 128 MB", Report.mb(shipped.idleRss()), shipped.idleRss() <= 128L << 20);
        bench.report.section("4. Start-up and footprint",
                       "Time from process start (bin/start) to the first `200` from `/health`, each run on a new"
                               + " database (migrations included); idle RSS 5 s after start.\n\n"
                               + "| AOT cache | runs (ms) | median | idle RSS |\n| --- | --- | --- | --- |\n"
                               + (haveCache ? withCache.row("yes (bin/aot-train)") : "")
                               + without.row("no"));
    }

    private record Startup(List<Long> times, long idleRss) {
        long median() {
            return times.stream().sorted().toList().get(times.size() / 2);
        }

        String row(String label) {
            return "| " + label + " | " + times + " | " + median() + " ms | " + Report.mb(idleRss) + " |\n";
        }
    }

    private Startup startupRuns(Map<String, String> env) throws Exception {
        List<Long> times = new ArrayList<>();
        long idle = 0;
        try (Proc upstream = bench.upstream(0, 8, 0)) {
            for (int run = 0; run < (bench.quick ? 2 : 5); run++) {
                Path db = bench.work.resolve("startup-" + System.nanoTime() + "/haia.db");
                try (Proc haia = bench.haia(upstream, db, env)) {
                    times.add(haia.awaitHttp200("/health", Duration.ofSeconds(60)).toMillis());
                    if (run == 0) {
                        Thread.sleep(bench.quick ? 1000 : 5000);   // idle: what it holds when nobody talks to it
                        idle = haia.rssBytes();
                    }
                }
            }
        }
        return new Startup(times, idle);
    }
}
