package haia;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import haia.api.ErrorMapper;
import haia.chat.ChatPipeline;
import haia.testing.FakeAnthropic;
import haia.testing.FakeProxmox;
import haia.testing.Http;
import haia.testing.Scrape;
import haia.testing.SseClient;
import haia.testing.HaiaProcess;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} as Prometheus and Grafana read it: clean for {@code promtool check metrics} (Debian's
 * {@code prometheus} package, installed by {@code .ci/run}), JVM meters under the standard names, HAIA's counters at
 * 0 before their first event, one vocabulary of outcomes, no {@code scope} label.
 */
class MetricsTest {

    private static final Pattern OUTCOME = Pattern.compile("outcome=\"([^\"]*)\"");

    @TempDir
    Path dir;

    @Test
    void metricsPassPromtoolAndUseTheStandardNames() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             FakeProxmox pve = FakeProxmox.start(dir)) {
            Files.writeString(dir.resolve("haia.yaml"), "resilience:\n  initial-backoff: 20ms\n");
            Map<String, String> env = new java.util.HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
            env.put("HAIA_CONFIG", "haia.yaml");
            env.put("HAIA_PROXMOX_URL", pve.url());
            env.put("HAIA_PROXMOX_TOKEN", FakeProxmox.TOKEN);
            env.put("HAIA_PROXMOX_FINGERPRINT", pve.fingerprint());
            env.put("HAIA_NOTIFY", "json://127.0.0.1:9/haia");   // never used: its series exist at 0
            // its own JVM: the metrics registry is per process, and "0 at start" means before any other request
            try (HaiaProcess haia = HaiaProcess.startMain(dir, env)) {
                String fresh = Http.get(haia.uri("/metrics")).body();
                // before any event: the counters alerts are written against exist, at 0
                for (String series : List.of(
                        "haia_requests_total{endpoint=\"chat_completions\",outcome=\"upstream_auth_failed\",} 0.0",
                        "haia_requests_total{endpoint=\"chat_completions\",outcome=\"ok\",} 0.0",
                        "haia_upstream_retries_total{provider=\"anthropic\",reason=\"upstream_overloaded\",} 0.0",
                        "haia_tokens_total{direction=\"out\",model=\"haia\",provider=\"anthropic\",} 0.0",
                        "haia_tokens_total{direction=\"cache_read\",model=\"haia\",provider=\"anthropic\",} 0.0",
                        "haia_tokens_total{direction=\"cache_write\",model=\"haia\",provider=\"anthropic\",} 0.0",
                        "haia_cost_usd_total{model=\"haia\",provider=\"anthropic\",} 0.0",
                        "haia_upstream_rejected_total 0.0",
                        "haia_streams_cancelled_total{model=\"haia\",provider=\"anthropic\",} 0.0",
                        "haia_messages_stored_total{role=\"assistant\",status=\"ok\",} 0.0",
                        "haia_exchanges_lost_total{reply=\"answered\",} 0.0",
                        "haia_agent_loops_total{end=\"step_bound\",} 0.0",
                        "haia_investigations_total{result=\"limited\",} 0.0",
                        "haia_notifications_total{result=\"failed\",target=\"json://127.0.0.1:9\",} 0.0",
                        "haia_findings_open{severity=\"critical\",source=\"pve\",} 0.0")) {
                    assertTrue(fresh.contains(series), "missing at start: " + series);
                }

                // traffic of every kind: answers, a stream, a retried failure, a rejected request, a wrong URL
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi")).status());
                try (SseClient stream = SseClient.post(haia.uri("/v1/chat/completions"),
                                                       Http.chat("haia", "stream").put("stream", true))) {
                    stream.remainingBody();
                }
                anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"),
                                  FakeAnthropic.error(401, "authentication_error", "invalid x-api-key"));
                Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "retried, then refused"));
                Http.post(haia.uri("/v1/chat/completions"), "{", Map.of());
                Http.get(haia.uri("/v1/nothing"));
                // an agent loop: one of HAIA's tools, and one the model made up
                anthropic.enqueue(FakeAnthropic.toolUse(
                                          new FakeAnthropic.Call("toolu_1", "haia_pve_cluster_status", "{}"),
                                          new FakeAnthropic.Call("toolu_2", "haia_pve_reboot", "{}")),
                                  FakeAnthropic.reply("2 of 3 nodes are up"));
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "nodes?")).status());
                String metrics = Http.get(haia.uri("/metrics")).body();

                List<String> problems = promtool(metrics);
                assertEquals(List.of(), problems, "promtool check metrics");

                for (String name : List.of("jvm_memory_used_bytes{", "jvm_gc_max_data_size_bytes ",
                                           "jvm_threads_live_threads ", "jvm_classes_loaded_classes ",
                                           "process_cpu_usage ", "system_cpu_usage ", "process_uptime_seconds ",
                                           "process_files_open_files ", "jvm_info{")) {
                    assertTrue(metrics.lines().anyMatch(l -> l.startsWith(name)), "standard JVM meter " + name);
                }
                assertFalse(metrics.contains("scope="), "no scope label");
                assertFalse(metrics.contains("quantile="), "histograms only");
                assertTrue(metrics.contains("haia_llm_call_seconds_bucket{"), "latency as a histogram");
                assertTrue(metrics.contains(
                        "haia_tool_call_seconds_count{result=\"ok\",tool=\"haia_pve_cluster_status\",} 1.0"), metrics);
                assertTrue(metrics.contains("haia_tool_call_seconds_count{result=\"error\",tool=\"unknown\",} 1.0"),
                           "a made-up tool name is not a label value");
                // with tools configured every chat is a loop: three answered, one of them in two model calls
                assertTrue(metrics.contains("haia_agent_loops_total{end=\"answered\",} 3.0"), metrics);
                assertTrue(metrics.contains("haia_agent_steps_total{end=\"answered\",} 4.0"), metrics);
                // the four model calls (two answers, the loop's two steps, each its own ledger row) cost the fake's
                // 10 input and 5 output tokens each at Haiku 4.5's built-in price
                assertEquals(4 * (10 * 1e-6 + 5 * 5e-6), Scrape.parse(metrics).value("haia_cost_usd_total", "model", "haia",
                                                                                    "provider", "anthropic"), 1e-12);
                assertFalse(haia.log().contains("has no JVM meters"), haia.log());

                Set<String> vocabulary = new TreeSet<>(ErrorMapper.codes());
                vocabulary.addAll(ChatPipeline.Outcome.NOT_ERRORS);
                Set<String> used = new TreeSet<>();
                metrics.lines().filter(l -> l.startsWith("haia_")).forEach(l -> {
                    Matcher m = OUTCOME.matcher(l);
                    if (m.find()) {
                        used.add(m.group(1));
                    }
                });
                assertTrue(used.contains("upstream_auth_failed") && used.contains("ok"), used.toString());
                used.removeAll(vocabulary);
                assertEquals(Set.of(), used, "outcomes outside the one vocabulary of error codes");
            }
        }
    }

    /** Runs {@code promtool check metrics} on the text; its complaints, one per line. */
    static List<String> promtool(String metrics) throws Exception {
        Optional<Path> promtool = onPath("promtool");
        if (promtool.isEmpty()) {
            System.err.println("\n*** MetricsTest: promtool not found; install Debian's prometheus package"
                                       + " (.ci/run does) to check /metrics ***\n");
        }
        Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed (Debian package prometheus)");
        Process process = new ProcessBuilder(promtool.get().toString(), "check", "metrics")
                .redirectErrorStream(true).start();
        process.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool finished");
        List<String> problems = new ArrayList<>(output.lines().filter(l -> !l.isBlank()).toList());
        if (process.exitValue() != 0 && problems.isEmpty()) {
            problems.add("promtool exited with " + process.exitValue());
        }
        return problems;
    }

    private static Optional<Path> onPath(String tool) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(entry, tool);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
