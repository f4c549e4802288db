package haia.tools.prometheus;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Every Prometheus HTTP API request HAIA can make, and nothing else: GETs of the read-only query and status
 * endpoints below {@code /api/v1}. A PromQL expression can only read (the query language has no writes), and its
 * text goes into one encoded query parameter; {@link PromClient} checks the finished target once more against
 * {@link #ALLOWED}, so no argument reaches another path, the admin API ({@code /api/v1/admin/...}) or a method other
 * than GET.
 */
public sealed interface PromEndpoint {

    /** The longest PromQL expression HAIA sends: any real question fits, a runaway one does not. */
    int MAX_QUERY = 2000;

    /** The allow-list of finished targets (below the configured base URL). */
    List<Pattern> ALLOWED = List.of(
            Pattern.compile("/api/v1/query\\?query=[A-Za-z0-9%._*~+-]{1,6000}(&time=\\d+(\\.\\d+)?)?"),
            Pattern.compile("/api/v1/query_range\\?query=[A-Za-z0-9%._*~+-]{1,6000}&start=\\d+(\\.\\d+)?"
                                    + "&end=\\d+(\\.\\d+)?&step=\\d+(\\.\\d+)?"),
            Pattern.compile("/api/v1/alerts"),
            Pattern.compile("/api/v1/targets\\?state=active"),
            Pattern.compile("/api/v1/status/buildinfo"));

    /** The path below the base URL, with its query, percent-encoded. */
    String target();

    /** An instant query, evaluated now. */
    record Query(String promql) implements PromEndpoint {
        public Query {
            check(promql);
        }

        public String target() {
            return "/api/v1/query?query=" + encode(promql);
        }
    }

    /** A range query over {@code [start, end]} in steps of {@code step}. */
    record Range(String promql, Instant start, Instant end, Duration step) implements PromEndpoint {
        public Range {
            check(promql);
            if (!end.isAfter(start) || step.isNegative() || step.isZero()) {
                throw new IllegalArgumentException("a range query needs start < end and a positive step");
            }
        }

        public String target() {
            return "/api/v1/query_range?query=" + encode(promql) + "&start=" + seconds(start) + "&end=" + seconds(end)
                    + "&step=" + Math.max(1, step.toSeconds());
        }
    }

    /** The alerts Prometheus's rules have active (pending and firing). */
    record Alerts() implements PromEndpoint {
        public String target() {
            return "/api/v1/alerts";
        }
    }

    /** The active scrape targets with their health and last error. */
    record Targets() implements PromEndpoint {
        public String target() {
            return "/api/v1/targets?state=active";
        }
    }

    /** The server's version, for the start-up check. */
    record BuildInfo() implements PromEndpoint {
        public String target() {
            return "/api/v1/status/buildinfo";
        }
    }

    private static void check(String promql) {
        if (promql.isBlank() || promql.length() > MAX_QUERY) {
            throw new IllegalArgumentException("a PromQL expression of 1 to " + MAX_QUERY + " characters");
        }
    }

    /** Unix seconds with milliseconds, as Prometheus takes them. */
    private static String seconds(Instant instant) {
        return java.math.BigDecimal.valueOf(instant.toEpochMilli(), 3).toPlainString();
    }

    private static String encode(String promql) {
        return URLEncoder.encode(promql, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
