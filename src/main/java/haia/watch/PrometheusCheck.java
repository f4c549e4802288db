package haia.watch;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;

import haia.store.Severity;
import haia.tools.ToolException;
import haia.tools.prometheus.PromClient;
import haia.tools.prometheus.PromEndpoint;

/**
 * Prometheus's checklist, for homelabs where no Alertmanager sends HAIA its alerts: the alerts its rules have firing
 * (fingerprinted as Alertmanager fingerprints them, so the same alert arriving later through Alertmanager is the same
 * finding) and the scrape targets that are down. Once Alertmanager has sent alerts, it is skipped: they arrive that
 * way.
 */
final class PrometheusCheck implements Check {

    private final PromClient client;
    private final BooleanSupplier alertmanagerSends;

    PrometheusCheck(PromClient client, BooleanSupplier alertmanagerSends) {
        this.client = client;
        this.alertmanagerSends = alertmanagerSends;
    }

    @Override
    public String source() {
        return "prometheus";
    }

    @Override
    public Round run(Instant since, Set<String> open) {
        Findings found = new Findings(source());
        if (alertmanagerSends.getAsBoolean()) {
            // its down targets close; its alerts stay as they are, for Alertmanager's resolution to close them
            found.covered.add("prom/");
            return found.round();
        }
        try {
            for (JsonNode alert : client.get(new PromEndpoint.Alerts()).path("alerts")) {
                if (!"firing".equals(alert.path("state").asText())) {
                    continue;
                }
                Map<String, String> labels = strings(alert.path("labels"));
                Map<String, String> annotations = strings(alert.path("annotations"));
                found.fire("am/" + AlertFingerprint.of(labels), Severity.of(labels.get("severity"))
                        .orElse(Severity.WARNING), AlertPayloads.title(labels, annotations), "alerts", alert);
            }
            found.covered.add("am/");
            for (JsonNode target : client.get(new PromEndpoint.Targets()).path("activeTargets")) {
                if ("down".equals(target.path("health").asText())) {
                    String pool = target.path("scrapePool").asText();
                    String instance = target.path("labels").path("instance").asText(target.path("scrapeUrl").asText());
                    found.fire("prom/target/" + AlertFingerprint.of(Map.of("pool", pool, "instance", instance)),
                               Severity.WARNING, "Prometheus target " + pool + " " + instance + " is down: "
                                       + target.path("lastError").asText("no answer"), "targets", target);
                }
            }
            found.covered.add("prom/");
        } catch (ToolException e) {
            found.cannot(e.getMessage());
        }
        return found.round();
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> values = new LinkedHashMap<>();
        node.properties().forEach(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }
}
