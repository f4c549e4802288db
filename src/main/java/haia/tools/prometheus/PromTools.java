package haia.tools.prometheus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


import haia.tools.Args;
import haia.tools.SourceStatus;
import haia.tools.TableToolSource;
import haia.tools.ToolException;

/**
 * HAIA's read-only look at Prometheus (source {@code prom}): an instant PromQL query, a range query summarised per
 * series, the firing alerts and the targets that are down. For chats and watch investigations alike.
 */
public final class PromTools extends TableToolSource {

    /** A PromQL expression as the model sends it: one line of printable text. */
    private static final Pattern PROMQL = Pattern.compile("[^\\p{Cntrl}]{1," + PromEndpoint.MAX_QUERY + "}");
    private static final Pattern SPAN = Pattern.compile("(\\d{1,4})(s|m|h|d)");
    private static final Duration MAX_RANGE = Duration.ofDays(31);
    /** Points per series a range query asks for at most (the step is chosen from the range). */
    private static final int POINTS = 240;

    private final PromClient client;
    private final Clock clock;

    public PromTools(PromClient client, Clock clock) {
        super("prom", "Prometheus");
        this.client = client;
        this.clock = clock;
        String query = "\"query\":{\"type\":\"string\",\"description\":\"a PromQL expression, e.g."
                + " node_filesystem_avail_bytes{mountpoint=\\\"/\\\"}\"}";
        tools.add("query", "An instant PromQL query against the homelab's Prometheus: each series with its labels and"
                        + " current value. Aggregate (sum/avg by, topk) to keep answers short.", "{" + query + "}",
                  List.of("query"), this::query)
                .add("range", "A PromQL range query over the last range (e.g. 1h, 24h, 7d), summarised per series:"
                        + " points, min, max, mean, last value and the trend; never the raw points. Use for 'since"
                        + " when', 'is it growing', 'what did it do overnight'.", "{" + query
                        + ",\"range\":{\"type\":\"string\",\"description\":\"how far back: 30m, 6h, 1d; default 1h\"},"
                        + "\"step\":{\"type\":\"string\",\"description\":\"resolution, e.g. 1m; default: range/240\"}}",
                     List.of("query"), this::range)
                .add("alerts", "The alerts Prometheus's rules have firing (and pending) right now, with labels, since"
                        + " when and their summary.", "{}", List.of(), args -> PromFormat.alerts(
                        client.get(new PromEndpoint.Alerts())))
                .add("targets", "Prometheus's scrape targets: how many are up, and each one that is down with its"
                        + " last error (an exporter, a node, a service that stopped answering).", "{}", List.of(),
                     args -> PromFormat.targetsDown(client.get(new PromEndpoint.Targets())));
    }

    @Override
    public SourceStatus status() {
        return client.contact().status("Prometheus " + client.base());
    }

    @Override
    public Optional<String> start() {
        return checked("Prometheus", () -> {
            client.get(new PromEndpoint.BuildInfo());
            return Optional.empty();
        });
    }

    @Override
    public void close() {
        // pooled connections only, which close with the JVM
    }

    private String query(Args args) {
        String promql = args.text("query", PROMQL, "a PromQL expression on one line");
        return PromFormat.instant(promql, client.get(new PromEndpoint.Query(promql)));
    }

    private String range(Args args) {
        String promql = args.text("query", PROMQL, "a PromQL expression on one line");
        Duration range = args.optionalText("range", SPAN, "a span such as 30m, 6h or 7d").map(PromTools::span)
                .orElse(Duration.ofHours(1));
        if (range.compareTo(MAX_RANGE) > 0) {
            throw new ToolException("range: at most 31d, got " + range.toDays() + "d.");
        }
        Duration step = args.optionalText("step", SPAN, "a step such as 15s or 5m").map(PromTools::span)
                .orElse(range.dividedBy(POINTS));
        if (step.toSeconds() < 1) {
            step = Duration.ofSeconds(1);
        }
        if (range.dividedBy(step) > 11_000) {
            throw new ToolException("step: " + step.toSeconds() + "s gives more than 11,000 points over "
                                            + range.toMinutes() + " minutes (Prometheus's limit); choose a larger step.");
        }
        Instant end = clock.instant();
        return PromFormat.range(promql, client.get(new PromEndpoint.Range(promql, end.minus(range), end, step)));
    }

    private static Duration span(String text) {
        Matcher m = SPAN.matcher(text);
        if (!m.matches()) {
            throw new ToolException("not a span: " + text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
