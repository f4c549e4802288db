package haia.observe;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * The watch's metrics, beside {@link HaiaMetrics} on the same registry: findings open by severity and source,
 * investigations by result, notifications by target and result. All exist from the start for every label value known
 * then ({@link #preRegister}). Labels never carry alert text: a target is its {@code kind://host[:port]}, never a
 * topic or a token.
 */
public final class WatchMetrics {

    /** How an investigation ended: {@code haia_investigations_total{result}}. */
    public static final List<String> INVESTIGATION_RESULTS = List.of("answered", "failed", "limited");
    /** What became of one message to one target: {@code haia_notifications_total{result}}. */
    public static final List<String> NOTIFICATION_RESULTS = List.of("sent", "retried", "failed", "dropped");
    /** Where findings come from, known in advance (alerts may name other sources). */
    public static final List<String> SOURCES = List.of("alertmanager", "alert", "pve", "docker", "prometheus");
    public static final List<String> SEVERITIES = List.of("critical", "warning", "info");

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Set<String> gauges = ConcurrentHashMap.newKeySet();
    /** Open findings by {@code source + '\0' + severity}, replaced whole after each change. */
    private volatile Map<String, Long> open = Map.of();

    public WatchMetrics(HaiaMetrics metrics) {
        this.registry = metrics.registry();
    }

    /**
     * Starts every series known now at 0.
     *
     * @param targets the notification targets' labels
     */
    public void preRegister(Collection<String> targets) {
        INVESTIGATION_RESULTS.forEach(this::investigations);
        targets.forEach(target -> NOTIFICATION_RESULTS.forEach(result -> notifications(target, result)));
        SOURCES.forEach(source -> SEVERITIES.forEach(severity -> openGauge(source, severity)));
    }

    /** One investigation ended (or was not run, past the hourly limit). */
    public void investigation(String result) {
        investigations(result).increment();
    }

    /** One message to one target: sent, retried (one more attempt), failed (given up) or dropped (queue full). */
    public void notification(String target, String result) {
        notifications(target, result).increment();
    }

    /**
     * The findings open now, by source and severity (a source not seen before gets its gauges now).
     *
     * @param counts {@code source + '\0' + severity} to count
     */
    public void open(Map<String, Long> counts) {
        open = Map.copyOf(counts);
        counts.keySet().forEach(key -> {
            int split = key.indexOf('\0');
            openGauge(key.substring(0, split), key.substring(split + 1));
        });
    }

    /** A gauge reads live state, so each instance binds its own (the registry is global: see HaiaMetrics). */
    private void openGauge(String source, String severity) {
        String key = source + '\0' + severity;
        if (!gauges.add(key)) {
            return;
        }
        List<Tag> tags = List.of(Tag.create("source", source), Tag.create("severity", severity));
        registry.remove("haia_findings_open", tags);
        registry.getOrCreate(Gauge.builder("haia_findings_open", () -> open.getOrDefault(key, 0L))
                                     .description("Findings of HAIA's watch firing now, by source and severity")
                                     .tags(tags));
    }

    private Counter investigations(String result) {
        return counter("haia_investigations", "Watch investigations by result (limited: past the hourly limit,"
                + " notified uninvestigated)", Tag.create("result", result));
    }

    private Counter notifications(String target, String result) {
        return counter("haia_notifications", "Watch messages per notification target by result",
                       Tag.create("target", target), Tag.create("result", result));
    }

    private Counter counter(String name, String description, Tag... tags) {
        StringBuilder key = new StringBuilder(name);
        for (Tag tag : tags) {
            key.append('\0').append(tag.value());
        }
        return counters.computeIfAbsent(key.toString(), k -> registry.getOrCreate(
                Counter.builder(name).description(description).tags(List.of(tags))));
    }
}
