package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.Scrape;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/grafana-haia.json}, the dashboard docs/operations.md has users import: it parses as a Grafana dashboard
 * (classic JSON model: panels with ids, positions on the 24-column grid, the Prometheus data source as a variable,
 * queries), and every PromQL expression in it, and every variable query, names only metrics a real HAIA exports,
 * with labels and label values they really have: checked against a scrape of {@code /metrics} after a blocking
 * and a streamed chat. A renamed metric or label breaks this test, not the user's dashboard.
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("deploy/grafana-haia.json");
    /** Labels Prometheus adds to every series at scrape time; HAIA's own text does not carry them. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");
    private static final Set<String> KEYWORDS = Set.of(
            "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "group",
            "count_values", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    @TempDir
    Path dir;

    @Test
    void theDashboardParsesAndQueriesOnlyWhatHaiaExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        assertStructure(dashboard);

        Scrape scrape;
        try (FakeAnthropic anthropic = FakeAnthropic.start(); TestHaia haia = TestHaia.start(dir, anthropic)) {
            assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi")).status());
            try (SseClient stream = SseClient.post(haia.uri("/v1/chat/completions"),
                                                   Http.chat("haia", "stream").put("stream", true))) {
                stream.remainingBody();
            }
            scrape = Scrape.parse(Http.get(haia.uri("/metrics")).body());
        }

        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
        }
        List<String> problems = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (String expr : expressions) {
            problems.addAll(check(expr, scrape, used));
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                Matcher values = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*(\\w+)\\s*\\)")
                        .matcher(variable.path("query").path("query").asText());
                assertTrue(values.matches(), variable.toString());
                if (scrape.labelNames(values.group(1)).isEmpty() && !scrape.has(values.group(1), Map.of())) {
                    problems.add("variable " + variable.path("name").asText() + ": no metric " + values.group(1));
                }
                assertTrue(TARGET_LABELS.contains(values.group(2)) || scrape.labelNames(values.group(1))
                        .contains(values.group(2)), variable.toString());
            }
        }
        assertEquals(List.of(), problems, "PromQL that names what HAIA does not export");
        // the panels the issue asks for: requests, latency, tokens, the cache-hit ratio, cost per day
        for (String metric : List.of("haia_requests_total", "haia_llm_call_seconds_bucket", "haia_tokens_total",
                                     "haia_cost_usd_total")) {
            assertTrue(used.contains(metric), "a panel on " + metric);
        }
        assertTrue(expressions.stream().anyMatch(e -> e.contains("direction=\"cache_read\"") && e.contains(" / ")),
                   "a cache-hit ratio");
        assertTrue(expressions.stream().anyMatch(e -> e.contains("increase(haia_cost_usd_total") && e.contains("[1d]")),
                   "cost per day");
    }

    /**
     * Every expression is PromQL that Prometheus itself parses: {@code promtool check rules} on a rule file holding
     * each one as a recording rule, with Grafana's variables replaced by what Grafana puts there.
     */
    @Test
    void everyExpressionParsesAsPromQl() throws Exception {
        java.util.Optional<Path> promtool = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "")
                                                                         .split(java.io.File.pathSeparator))
                .map(entry -> Path.of(entry, "promtool")).filter(Files::isExecutable).findFirst();
        if (promtool.isEmpty()) {
            System.err.println("\n*** GrafanaDashboardTest: promtool not found; install Debian's prometheus package"
                                       + " (.ci/run does) to parse the dashboard's PromQL ***\n");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed");
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        StringBuilder rules = new StringBuilder("groups:\n  - name: grafana-haia\n    rules:\n");
        int n = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText().replace("$__rate_interval", "5m").replace("$__range", "1d")
                        .replace("$instance", ".*");
                rules.append("      - record: grafana_haia:expr_").append(++n).append("\n        expr: ")
                        .append(new ObjectMapper().writeValueAsString(expr)).append('\n');
            }
        }
        Path file = dir.resolve("dashboard-rules.yml");
        Files.writeString(file, rules);
        Process process = new ProcessBuilder(promtool.get().toString(), "check", "rules", file.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("SUCCESS: " + n + " rules found"), output);
    }

    /** The checker itself: it must see what is wrong, or the test above could not fail. */
    @Test
    void theCheckerFindsUnknownMetricsLabelsAndValues() {
        Scrape scrape = Scrape.parse("""
                haia_tokens_total{direction="in",model="haia",provider="anthropic",} 3.0
                haia_llm_call_seconds_bucket{le="0.5",model="haia",outcome="ok",provider="anthropic",} 1.0
                """);
        assertEquals(List.of(), check("sum by (model) (rate(haia_tokens_total{direction=\"in\",instance=~\"$instance\"}"
                                              + "[$__rate_interval])) * 60", scrape, new HashSet<>()));
        assertEquals(List.of(), check("histogram_quantile(0.95, sum by (le, model) "
                                              + "(rate(haia_llm_call_seconds_bucket[5m])))", scrape, new HashSet<>()));
        assertFalse(check("rate(haia_token_total[5m])", scrape, new HashSet<>()).isEmpty(), "a typo in a name");
        assertFalse(check("haia_tokens_total{direction=\"cached\"}", scrape, new HashSet<>()).isEmpty(), "a value");
        assertFalse(check("haia_tokens_total{kind=\"in\"}", scrape, new HashSet<>()).isEmpty(), "a label");
        assertFalse(check("sum by (dir) (haia_tokens_total)", scrape, new HashSet<>()).isEmpty(), "a grouping label");
    }

    private static void assertStructure(JsonNode dashboard) {
        assertEquals("HAIA", dashboard.path("title").asText());
        assertTrue(dashboard.path("uid").isTextual() && dashboard.path("schemaVersion").isInt(), "a dashboard");
        assertTrue(dashboard.path("templating").path("list").findValuesAsText("name").contains("datasource"),
                   "the Prometheus data source is chosen on import, not hard-wired");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertFalse(title.isBlank(), panel.toString());
            assertTrue(ids.add(panel.path("id").asInt()), "unique panel id: " + title);
            JsonNode grid = panel.path("gridPos");
            int x = grid.path("x").asInt(-1);
            int w = grid.path("w").asInt(0);
            assertTrue(x >= 0 && w > 0 && x + w <= 24 && grid.path("h").asInt(0) > 0 && grid.path("y").asInt(-1) >= 0,
                       "on Grafana's 24-column grid: " + title);
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertTrue(Set.of("stat", "timeseries", "barchart", "gauge").contains(panel.path("type").asText()), title);
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("targets").isEmpty(), "queries: " + title);
            Set<String> refIds = new LinkedHashSet<>();
            for (JsonNode target : panel.path("targets")) {
                assertTrue(refIds.add(target.path("refId").asText()), "unique refId in " + title);
                assertFalse(target.path("expr").asText().isBlank(), title);
            }
        }
    }

    /**
     * The metrics, labels and label values an expression names that the scrape does not have. A small reading of
     * PromQL, enough for dashboards: grouping clauses name labels, selectors name a metric with matchers, any other
     * identifier not followed by {@code (} and not a keyword is a metric; ranges, strings and numbers are skipped.
     */
    static List<String> check(String expr, Scrape scrape, Set<String> used) {
        List<String> problems = new ArrayList<>();
        String rest = expr.replaceAll("\\[[^]]*]", " ");
        List<String> grouping = new ArrayList<>();
        Matcher groups = GROUPING.matcher(rest);
        while (groups.find()) {
            for (String label : groups.group(2).split(",")) {
                if (!label.isBlank()) {
                    grouping.add(label.strip());
                }
            }
        }
        rest = GROUPING.matcher(rest).replaceAll(" ");
        Set<String> metrics = new LinkedHashSet<>();
        Matcher selectors = SELECTOR.matcher(rest);
        while (selectors.find()) {
            String metric = selectors.group(1);
            metrics.add(metric);
            Matcher matchers = MATCHER.matcher(selectors.group(2));
            while (matchers.find()) {
                String label = matchers.group(1);
                String value = matchers.group(3);
                if (TARGET_LABELS.contains(label)) {
                    continue;
                }
                if (!scrape.labelNames(metric).contains(label)) {
                    problems.add(expr + ": " + metric + " has no label " + label);
                } else if (matchers.group(2).equals("=") && !value.contains("$")
                        && !scrape.has(metric, Map.of(label, value))) {
                    problems.add(expr + ": " + metric + " has no series with " + label + "=\"" + value + "\"");
                }
            }
        }
        rest = SELECTOR.matcher(rest).replaceAll("$1 ").replaceAll("\"[^\"]*\"", " ");
        Matcher identifiers = IDENTIFIER.matcher(rest);
        while (identifiers.find()) {
            String name = identifiers.group(1);
            boolean function = identifiers.group(2) != null;
            if (!function && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                metrics.add(name);
            }
        }
        for (String metric : metrics) {
            used.add(metric);
            if (!scrape.has(metric, Map.of())) {
                problems.add(expr + ": HAIA exports no metric " + metric);
            }
        }
        for (String label : grouping) {
            boolean known = TARGET_LABELS.contains(label)
                    || label.equals("le") && metrics.stream().anyMatch(m -> m.endsWith("_bucket"))
                    || metrics.stream().anyMatch(m -> scrape.labelNames(m).contains(label));
            if (!known) {
                problems.add(expr + ": no metric in it has the label " + label);
            }
        }
        return problems;
    }
}
