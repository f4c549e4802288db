package haia.watch;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


import haia.observe.SafeText;
import haia.store.Finding;
import haia.store.FindingStore;
import haia.tools.Args;
import haia.tools.SourceStatus;
import haia.tools.TableToolSource;

/**
 * The watch's findings as a tool (source {@code watch}): {@code haia_watch_findings} answers "what happened
 * overnight?" from the database, with each finding's investigation summary.
 */
final class WatchTools extends TableToolSource {

    private static final Pattern SPAN = Pattern.compile("(\\d{1,3})(h|d)");
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final FindingStore store;
    private final Clock clock;

    WatchTools(FindingStore store, Clock clock) {
        super("watch", "HAIA's watch");
        this.store = store;
        this.clock = clock;
        tools.add("findings", "What HAIA's watch found or was alerted to (alerts from Alertmanager and other senders,"
                + " and its own scheduled checks of Proxmox, the container engine and Prometheus): each finding with"
                + " its state, severity, source, when it fired and resolved, and the summary of HAIA's investigation."
                + " Use for 'what happened overnight?', 'anything wrong?', 'is the backup alert still open?'.",
                  "{\"status\":{\"type\":\"string\",\"enum\":[\"firing\",\"resolved\",\"all\"],\"description\":"
                          + "\"default all\"},\"since\":{\"type\":\"string\",\"description\":\"how far back: 12h, 3d;"
                          + " default 24h\"},\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50}}",
                  List.of(), this::findings);
    }

    @Override
    public SourceStatus status() {
        return new SourceStatus("up", "HAIA's own findings");
    }

    @Override
    public void close() {
        // the store is HAIA's
    }

    private String findings(Args args) {
        Optional<Boolean> firing = args.optionalText("status", Pattern.compile("firing|resolved|all"),
                                                     "firing, resolved or all")
                .filter(s -> !s.equals("all")).map(s -> s.equals("firing"));
        Duration span = args.optionalText("since", SPAN, "a span such as 12h or 3d").map(WatchTools::span)
                .orElse(Duration.ofHours(24));
        int limit = (int) args.number("limit", 1, 50, 20);
        List<Finding> found = store.list(firing, clock.instant().minus(span), limit);
        String what = firing.map(f -> f ? "firing " : "resolved ").orElse("");
        if (found.isEmpty()) {
            return "No " + what + "findings in the last " + human(span) + ".";
        }
        StringBuilder text = new StringBuilder(found.size() + " " + what + "finding(s) seen in the last "
                                                       + human(span) + ", most recent first (times UTC):\n");
        for (Finding f : found) {
            text.append("- #").append(f.id()).append(' ').append(f.firing() ? "FIRING" : "RESOLVED").append(' ')
                    .append(f.severity().dbValue()).append(": ").append(SafeText.oneLine(f.title(), 200))
                    .append(" (").append(f.source()).append(") since ").append(MINUTE.format(f.firstSeen()));
            f.resolvedAt().ifPresent(at -> text.append(", resolved ").append(MINUTE.format(at)));
            if (f.firing()) {
                text.append(", last seen ").append(MINUTE.format(f.lastSeen()));
            }
            f.summary().ifPresent(s -> text.append("\n  investigation: ").append(SafeText.oneLine(s, 300)));
            text.append('\n');
        }
        return text.append("A finding's whole investigation: GET /v1/findings/<id>.").toString();
    }

    private static Duration span(String text) {
        Matcher m = SPAN.matcher(text);
        m.matches();
        long n = Long.parseLong(m.group(1));
        return m.group(2).equals("h") ? Duration.ofHours(n) : Duration.ofDays(n);
    }

    private static String human(Duration span) {
        return span.toHours() % 24 == 0 ? span.toDays() + " day(s)" : span.toHours() + " hour(s)";
    }
}
