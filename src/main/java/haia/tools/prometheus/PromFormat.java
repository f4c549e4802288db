package haia.tools.prometheus;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Prometheus's answers as a few compact lines for the model: series as {@code {labels} value}, ranges summarised per
 * series (never the raw points), alerts and down targets one per line, everything bounded in count.
 */
final class PromFormat {

    /** Series shown per answer; the rest are counted. */
    static final int MAX_SERIES = 40;

    private PromFormat() {
    }

    /** An instant query's result: a vector, a scalar, a string, or a matrix (a range selector), summarised. */
    static String instant(String query, JsonNode data) {
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        return switch (type) {
            case "scalar", "string" -> query + " = " + number(result.path(1).asText());
            case "matrix" -> range(query, data);
            default -> {
                if (result.isEmpty()) {
                    yield query + ": no series (nothing matches, or the metric is not scraped).";
                }
                StringBuilder out = new StringBuilder(query).append(": ").append(result.size()).append(" series\n");
                int shown = 0;
                for (JsonNode series : result) {
                    if (shown++ == MAX_SERIES) {
                        break;
                    }
                    out.append("- ").append(labels(series.path("metric"))).append(' ')
                            .append(number(series.path("value").path(1).asText())).append('\n');
                }
                yield more(out, result.size());
            }
        };
    }

    /** A matrix, summarised per series: points, min, max, mean, last and the trend from first to last. */
    static String range(String query, JsonNode data) {
        JsonNode result = data.path("result");
        if (result.isEmpty()) {
            return query + ": no series in this range.";
        }
        StringBuilder out = new StringBuilder(query).append(": ").append(result.size())
                .append(" series (per series: points, min, max, mean, last, trend first→last)\n");
        int shown = 0;
        for (JsonNode series : result) {
            if (shown++ == MAX_SERIES) {
                break;
            }
            out.append("- ").append(labels(series.path("metric"))).append(": ").append(summary(series.path("values")))
                    .append('\n');
        }
        return more(out, result.size());
    }

    private static String summary(JsonNode values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        int n = 0;
        double first = Double.NaN;
        double last = Double.NaN;
        long firstAt = 0;
        long lastAt = 0;
        for (JsonNode point : values) {
            double v = parse(point.path(1).asText());
            if (Double.isNaN(v)) {
                continue;
            }
            if (n == 0) {
                first = v;
                firstAt = point.path(0).asLong();
            }
            last = v;
            lastAt = point.path(0).asLong();
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            n++;
        }
        if (n == 0) {
            return "no numeric points";
        }
        double change = last - first;
        double scale = Math.max(Math.abs(max), Math.abs(min));
        String trend = scale == 0 || Math.abs(change) <= scale * 0.01 ? "flat"
                : (change > 0 ? "rising" : "falling") + " (" + (change > 0 ? "+" : "") + number(change) + " over "
                        + haia.tools.Units.duration(Math.max(0, lastAt - firstAt)) + ")";
        return n + " points, min " + number(min) + ", max " + number(max) + ", mean " + number(sum / n) + ", last "
                + number(last) + ", " + trend;
    }

    /** The rules' alerts: firing ones first, then pending, with their labels and summary. */
    static String alerts(JsonNode data) {
        List<JsonNode> firing = new ArrayList<>();
        List<JsonNode> pending = new ArrayList<>();
        for (JsonNode alert : data.path("alerts")) {
            ("firing".equals(alert.path("state").asText()) ? firing : pending).add(alert);
        }
        if (firing.isEmpty() && pending.isEmpty()) {
            return "No alerts are firing or pending in Prometheus.";
        }
        StringBuilder out = new StringBuilder(firing.size() + " alert(s) firing, " + pending.size() + " pending\n");
        int shown = 0;
        for (List<JsonNode> group : List.of(firing, pending)) {
            for (JsonNode alert : group) {
                if (shown++ == MAX_SERIES) {
                    return more(out, firing.size() + pending.size());
                }
                JsonNode annotations = alert.path("annotations");
                String about = annotations.path("summary").asText(annotations.path("description").asText(""));
                out.append("- [").append(alert.path("state").asText()).append("] ")
                        .append(labels(alert.path("labels"))).append(" since ")
                        .append(alert.path("activeAt").asText("?"))
                        .append(about.isEmpty() ? "" : ": " + oneLine(about)).append('\n');
            }
        }
        return out.toString().strip();
    }

    /** Targets that are down (with their last error), after a count of all. */
    static String targetsDown(JsonNode data) {
        JsonNode active = data.path("activeTargets");
        List<JsonNode> down = new ArrayList<>();
        for (JsonNode target : active) {
            if (!"up".equals(target.path("health").asText())) {
                down.add(target);
            }
        }
        StringBuilder out = new StringBuilder((active.size() - down.size()) + " of " + active.size()
                                                      + " scrape targets up");
        if (down.isEmpty()) {
            return out.append('.').toString();
        }
        out.append("; not up:\n");
        int shown = 0;
        for (JsonNode target : down) {
            if (shown++ == MAX_SERIES) {
                break;
            }
            out.append("- ").append(target.path("scrapePool").asText("?")).append(' ')
                    .append(target.path("labels").path("instance").asText(target.path("scrapeUrl").asText()))
                    .append(": ").append(target.path("health").asText()).append(", last scrape ")
                    .append(target.path("lastScrape").asText("never"));
            String error = target.path("lastError").asText("");
            out.append(error.isEmpty() ? "" : ", error: " + oneLine(error)).append('\n');
        }
        return more(out, down.size());
    }

    /** {@code {a="1", b="2"}} sorted by name, {@code __name__} first as the metric name. */
    static String labels(JsonNode metric) {
        Map<String, String> sorted = new TreeMap<>();
        metric.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        String name = sorted.remove("__name__");
        StringBuilder out = new StringBuilder(name == null ? "" : name).append('{');
        Iterator<Map.Entry<String, String>> it = sorted.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, String> e = it.next();
            out.append(e.getKey()).append("=\"").append(oneLine(e.getValue())).append('"');
            if (it.hasNext()) {
                out.append(", ");
            }
        }
        return out.append('}').toString();
    }

    /** A sample value in at most 4 significant digits ({@code 0.9731}, {@code 1.235e+09}), NaN and ±Inf as such. */
    static String number(String raw) {
        double v = parse(raw);
        return Double.isNaN(v) && !"NaN".equals(raw) ? raw : number(v);
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        double abs = Math.abs(v);
        return abs >= 1e-3 && abs < 1e6 ? String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1")
                .replaceAll("\\.$", "") : String.format(Locale.ROOT, "%.3e", v);
    }

    private static double parse(String raw) {
        try {
            return Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String oneLine(String text) {
        return haia.observe.SafeText.oneLine(text, 300);
    }

    /** The lines, with a count of those left out. */
    private static String more(StringBuilder out, int total) {
        if (total > MAX_SERIES) {
            out.append("… and ").append(total - MAX_SERIES).append(" more (aggregate, or narrow the selector)\n");
        }
        return out.toString().strip();
    }
}
