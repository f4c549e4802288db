package haia.watch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.observe.SafeText;
import haia.openai.InvalidRequestException;
import haia.store.Severity;
import haia.store.Sighting;

/**
 * The alerts HAIA is sent, read into {@link Sighting}s, all or nothing: a body with anything malformed is the
 * sender's 400 naming the field, and nothing of it is stored.
 * <ul>
 *     <li>Alertmanager's webhook (version 4): {@code alerts[]} with {@code status}, {@code labels},
 *         {@code annotations}, {@code startsAt}, {@code endsAt}, {@code generatorURL}, {@code fingerprint} (each
 *         alert's own status counts: a group message may resolve some and fire others).</li>
 *     <li>A generic alert ({@code POST /v1/alerts}): {@code title} (required), {@code message}, {@code severity},
 *         {@code source}, {@code labels}, and optionally {@code status} ({@code firing}/{@code resolved}) and
 *         {@code fingerprint}; one object or an array of them. Its fingerprint, unless given, hashes the source and
 *         the labels (the title too when there are no labels).</li>
 * </ul>
 * The labels and annotations go into the finding's detail verbatim (a JSON object: control characters and markup
 * stay data), which is what the investigating model reads.
 */
public final class AlertPayloads {

    static final int MAX_LABELS = 64;
    static final int MAX_NAME = 256;
    static final int MAX_VALUE = 16 * 1024;
    static final int MAX_TITLE = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertPayloads() {
    }

    /** Alertmanager's webhook body. */
    public static List<Sighting> alertmanager(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw invalid("the body must be Alertmanager's webhook JSON object (version 4)", "");
        }
        JsonNode version = body.path("version");
        if (!version.isMissingNode() && !"4".equals(version.asText())) {
            throw invalid("version must be \"4\" (Alertmanager's webhook format), got " + quote(version.toString()),
                          "version");
        }
        JsonNode alerts = body.path("alerts");
        if (!alerts.isArray()) {
            throw invalid("alerts must be an array of alerts", "alerts");
        }
        List<Sighting> sightings = new ArrayList<>(alerts.size());
        for (int i = 0; i < alerts.size(); i++) {
            String at = "alerts[" + i + "]";
            JsonNode alert = alerts.get(i);
            if (!alert.isObject()) {
                throw invalid(at + " must be an object", at);
            }
            String status = alert.path("status").asText("");
            if (!status.equals("firing") && !status.equals("resolved")) {
                throw invalid(at + ".status must be firing or resolved, got " + quote(alert.path("status").toString()),
                              at + ".status");
            }
            Map<String, String> labels = strings(alert.path("labels"), at + ".labels", true);
            Map<String, String> annotations = strings(alert.path("annotations"), at + ".annotations", false);
            String fingerprint = text(alert, "fingerprint", at)
                    .filter(f -> f.matches("[0-9a-f]{1,32}")).orElseGet(() -> AlertFingerprint.of(labels));
            ObjectNode detail = JSON.createObjectNode().put("source", "alertmanager").put("status", status);
            detail.set("labels", JSON.valueToTree(labels));
            detail.set("annotations", JSON.valueToTree(annotations));
            for (String field : List.of("startsAt", "endsAt", "generatorURL")) {
                text(alert, field, at).ifPresent(value -> detail.put(field, value));
            }
            sightings.add(new Sighting("am/" + fingerprint, "alertmanager", title(labels, annotations),
                                       Severity.of(labels.get("severity")).orElse(Severity.WARNING),
                                       detail.toString(), status.equals("firing")));
        }
        return sightings;
    }

    /** A generic alert, or an array of them. */
    public static List<Sighting> generic(JsonNode body) {
        if (body != null && body.isArray()) {
            List<Sighting> sightings = new ArrayList<>(body.size());
            for (int i = 0; i < body.size(); i++) {
                sightings.add(generic(body.get(i), "[" + i + "]."));
            }
            if (sightings.isEmpty()) {
                throw invalid("the array holds no alerts", "");
            }
            return sightings;
        }
        return List.of(generic(body, ""));
    }

    private static Sighting generic(JsonNode alert, String at) {
        if (alert == null || !alert.isObject()) {
            throw invalid(at + "an alert must be a JSON object with at least a title", at);
        }
        String title = text(alert, "title", at).filter(t -> !t.isBlank())
                .orElseThrow(() -> invalid(at + "title is required (what fired, where)", at + "title"));
        String source = text(alert, "source", at).map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse("alert");
        if (!source.matches("[a-z0-9][a-z0-9_.-]{0,63}")) {
            throw invalid(at + "source must be a short name such as proxmox or uptime-kuma (letters, digits, . _ -),"
                                  + " got " + quote(source), at + "source");
        }
        Optional<String> severityText = text(alert, "severity", at);
        Severity severity = severityText.map(s -> Severity.of(s).orElseThrow(() -> invalid(
                at + "severity must be critical, error, warning, info, notice or unknown, got " + quote(s),
                at + "severity"))).orElse(Severity.WARNING);
        String status = text(alert, "status", at).orElse("firing");
        if (!status.equals("firing") && !status.equals("resolved")) {
            throw invalid(at + "status must be firing or resolved, got " + quote(status), at + "status");
        }
        Map<String, String> labels = strings(alert.path("labels"), at + "labels", false);
        Optional<String> message = text(alert, "message", at);
        Map<String, String> identity = new LinkedHashMap<>(labels);
        identity.put("__source__", source);
        if (labels.isEmpty()) {
            identity.put("__title__", title);
        }
        String fingerprint = text(alert, "fingerprint", at).map(f -> {
            if (!f.matches("[A-Za-z0-9_.:-]{1,64}")) {
                throw invalid(at + "fingerprint must be 1 to 64 letters, digits or _.:-", at + "fingerprint");
            }
            return f;
        }).orElseGet(() -> AlertFingerprint.of(identity));
        ObjectNode detail = JSON.createObjectNode().put("source", source).put("status", status).put("title", title);
        message.ifPresent(m -> detail.put("message", m));
        severityText.ifPresent(s -> detail.put("severity", s));
        detail.set("labels", JSON.valueToTree(labels));
        return new Sighting("alert/" + fingerprint, source, SafeText.oneLine(title, MAX_TITLE), severity,
                            detail.toString(), status.equals("firing"));
    }

    /** What fired, where: the alert's name and the first label that says where. */
    static String title(Map<String, String> labels, Map<String, String> annotations) {
        String name = Optional.ofNullable(labels.get("alertname")).filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(annotations.get("summary"))).orElse("alert");
        for (String where : List.of("instance", "node", "nodename", "host", "hostname", "pod", "container", "name",
                                    "service", "job")) {
            String value = labels.get(where);
            if (value != null && !value.isBlank()) {
                return SafeText.oneLine(name + " on " + value, MAX_TITLE);
            }
        }
        return SafeText.oneLine(name, MAX_TITLE);
    }

    /** A map of string values (numbers and booleans are taken as their text, as PVE's {{ json fields }} may send). */
    private static Map<String, String> strings(JsonNode node, String at, boolean required) {
        if (node.isMissingNode() || node.isNull()) {
            if (required) {
                throw invalid(at + " is required (an object of strings)", at);
            }
            return Map.of();
        }
        if (!node.isObject()) {
            throw invalid(at + " must be an object of strings", at);
        }
        if (node.size() > MAX_LABELS) {
            throw invalid(at + " has " + node.size() + " entries; at most " + MAX_LABELS, at);
        }
        Map<String, String> values = new LinkedHashMap<>();
        var fields = node.properties().iterator();
        while (fields.hasNext()) {
            var field = fields.next();
            JsonNode value = field.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw invalid(at + "." + SafeText.oneLine(field.getKey(), 40) + " must be a string", at);
            }
            if (field.getKey().length() > MAX_NAME || value.asText().length() > MAX_VALUE) {
                throw invalid(at + "." + SafeText.oneLine(field.getKey(), 40) + " is too long (names up to "
                                      + MAX_NAME + ", values up to " + MAX_VALUE + " characters)", at);
            }
            values.put(field.getKey(), value.asText());
        }
        return values;
    }

    private static Optional<String> text(JsonNode node, String field, String at) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw invalid(at + (at.isEmpty() || at.endsWith(".") ? "" : ".") + field + " must be a string",
                          at + field);
        }
        if (value.asText().length() > MAX_VALUE) {
            throw invalid(at + field + " is longer than " + MAX_VALUE + " characters", at + field);
        }
        return Optional.of(value.asText());
    }

    private static String quote(String value) {
        return "'" + SafeText.oneLine(value, 60) + "'";
    }

    private static InvalidRequestException invalid(String message, String param) {
        return new InvalidRequestException(400, message, param.isEmpty() ? Optional.empty() : Optional.of(param),
                                           "invalid_request");
    }
}
