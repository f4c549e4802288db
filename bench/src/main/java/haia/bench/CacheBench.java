package haia.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import haia.testing.TroubleshootingReplay;

/**
 * Scenario "cache": issue 17's 30-turn troubleshooting replay (the test suite's {@link TroubleshootingReplay}, HAIA
 * in-process against the fake that bills like Anthropic's prompt cache), once with {@code HAIA_PROMPT_CACHE=on} and
 * once with it off: the share of all input tokens read from the cache, and what the session's input cost at Claude
 * Haiku 4.5's prices (input $1, cache read $0.10, cache write $1.25 per million tokens).
 */
final class CacheBench {

    private final Report report;
    private final Path work;

    CacheBench(Report report, Path work) {
        this.report = report;
        this.work = work;
    }

    void run() throws Exception {
        TroubleshootingReplay.Figures on = replay(true);
        TroubleshootingReplay.Figures off = replay(false);
        report.section("6. Prompt caching (30-turn troubleshooting replay, Claude Haiku 4.5, caching fake)",
                       Report.table(List.of("HAIA_PROMPT_CACHE", "input tokens", "read from cache", "written to cache",
                                            "share read", "largest request", "input cost"),
                                    List.of(row("on", on), row("off", off))));
        report.verdict("prompt cache: >= 60 % of input tokens read from the cache", percent(on) + " (off: "
                + percent(off) + ")", on.readShare() >= 0.60);
    }

    private TroubleshootingReplay.Figures replay(boolean cache) throws Exception {
        Path dir = Files.createTempDirectory(work, "cache-" + (cache ? "on" : "off"));
        try (TroubleshootingReplay replay = TroubleshootingReplay.start(dir, cache, Map.of())) {
            return replay.play();
        }
    }

    private static List<String> row(String setting, TroubleshootingReplay.Figures f) {
        double usd = ((f.inputTokens() - f.cacheReadTokens() - f.cacheWriteTokens()) * 1.0
                + f.cacheReadTokens() * 0.10 + f.cacheWriteTokens() * 1.25) / 1_000_000;
        return List.of(setting, String.format(java.util.Locale.ROOT, "%,d", f.inputTokens()),
                       String.format(java.util.Locale.ROOT, "%,d", f.cacheReadTokens()),
                       String.format(java.util.Locale.ROOT, "%,d", f.cacheWriteTokens()), percent(f),
                       String.format(java.util.Locale.ROOT, "%,d", f.largestRequest()),
                       String.format(java.util.Locale.ROOT, "$%.4f", usd));
    }

    private static String percent(TroubleshootingReplay.Figures f) {
        return String.format(java.util.Locale.ROOT, "%.1f %%", 100 * f.readShare());
    }
}
