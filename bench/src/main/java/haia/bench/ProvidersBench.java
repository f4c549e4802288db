package haia.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 5: the same load through each provider HAIA speaks (the fake upstream answers each in its own protocol):
 * non-streaming at concurrency 16, then concurrent streams. Shows that no provider's client is the slow one.
 */
final class ProvidersBench {

    private final Bench bench;

    ProvidersBench(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int tokens = 50;
        int streams = bench.quick ? 100 : 500;
        List<List<String>> rows = new ArrayList<>();
        try (Proc upstream = bench.upstream(0, tokens, 100)) {
            String base = "http://127.0.0.1:" + upstream.port();
            Map<String, Map<String, String>> providers = new java.util.LinkedHashMap<>();
            providers.put("anthropic", Map.of("HAIA_PROVIDER", "anthropic"));
            providers.put("ollama", Map.of("HAIA_PROVIDER", "ollama", "OLLAMA_BASE_URL", base, "HAIA_MODEL", "bench"));
            providers.put("openai", Map.of("HAIA_PROVIDER", "openai", "OPENAI_BASE_URL", base + "/v1",
                                           "HAIA_MODEL", "bench"));
            providers.put("gemini", Map.of("HAIA_PROVIDER", "gemini", "GEMINI_BASE_URL", base,
                                           "GEMINI_API_KEY", "bench-key", "HAIA_MODEL", "bench"));
            for (Map.Entry<String, Map<String, String>> provider : providers.entrySet()) {
                Path db = bench.work.resolve("providers-" + provider.getKey() + "/haia.db");
                try (Proc haia = bench.haia(upstream, db, provider.getValue())) {
                    bench.warmUp(haia, upstream);
                    LoadClient.Result load = LoadClient.closedLoop(haia.port(), 16, Duration.ZERO, bench.measure,
                                                                   (c, q) -> Bench.haiaRequest(c, q, false));
                    LoadClient.StreamResult streamed = LoadClient.streams(haia.port(), streams, 500,
                                                                          Duration.ofSeconds(60),
                                                                          (c, q) -> Bench.haiaRequest(c, q, true), tokens, true);
                    rows.add(List.of(provider.getKey(), Report.num(load.throughput()), Report.ms(load.millis(0.5)),
                                     Report.ms(load.millis(0.99)), Integer.toString(load.errors()),
                                     streamed.streams() + " / " + streams, Integer.toString(streamed.errors()),
                                     Report.ms(streamed.firstToken().millis(0.5)),
                                     Report.ms(streamed.firstToken().millis(0.99))));
                    bench.report.verdict("provider " + provider.getKey() + ": no errors, all streams complete",
                                   load.errors() + " errors, " + streamed.streams() + "/" + streams + " streams",
                                   load.errors() == 0 && streamed.errors() == 0 && streamed.streams() == streams);
                }
            }
        }
        bench.report.section("5. Every provider protocol (concurrency 16 non-streaming, then " + streams + " streams)",
                       Report.table(List.of("provider", "requests/s", "p50", "p99", "errors", "streams complete",
                                            "stream errors", "first token p50", "first token p99"), rows)
                               + "\nThe fake upstream answers each provider's own protocol (Anthropic SSE, Ollama NDJSON,"
                               + " OpenAI SSE chunks, Gemini SSE) with the same 50-token reply.");
    }
}
