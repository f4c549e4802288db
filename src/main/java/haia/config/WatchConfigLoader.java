package haia.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.notify.NotifyTarget;

/**
 * Reads the {@code watch:} section and {@code tools.prometheus:} into a {@link WatchConfig}, beside
 * {@link ModelsConfigLoader} and in the same way: through {@link ConfigValues}, whose typed reads know each value's
 * source, into {@link ConfigLoader}'s problem list; every problem is one line naming the variable or key, and no
 * credential is quoted. Its variables are in the register ({@link Variables}).
 */
final class WatchConfigLoader {

    /** Environment names: variable name → config key. */
    static final Map<String, String> ENV = Map.ofEntries(
            Map.entry("HAIA_WATCH_INTERVAL", "watch.interval"),
            Map.entry("HAIA_WATCH_STORAGE_PCT", "watch.storage-pct"),
            Map.entry("HAIA_WATCH_MAX_INVESTIGATIONS", "watch.max-investigations"),
            Map.entry("HAIA_WATCH_MODEL", "watch.model"),
            Map.entry("HAIA_WATCH_GROUP_WAIT", "watch.group-wait"),
            Map.entry("HAIA_WATCH_ALERT_EXPIRY", "watch.alert-expiry"),
            Map.entry("HAIA_NOTIFY", "watch.notify"),
            Map.entry("HAIA_PUBLIC_URL", "watch.public-url"),
            Map.entry("HAIA_PROMETHEUS_URL", "tools.prometheus.url"),
            Map.entry("HAIA_PROMETHEUS_TOKEN", "tools.prometheus.token"),
            Map.entry("HAIA_PROMETHEUS_USER", "tools.prometheus.user"),
            Map.entry("HAIA_PROMETHEUS_PASSWORD", "tools.prometheus.password"),
            Map.entry("HAIA_PROMETHEUS_FINGERPRINT", "tools.prometheus.fingerprint"));

    /** Variables that may come from a file ({@code <NAME>_FILE}): they hold credentials. */
    static final List<String> FROM_FILE = List.of("HAIA_NOTIFY", "HAIA_PROMETHEUS_TOKEN",
                                                         "HAIA_PROMETHEUS_PASSWORD");

    private final ConfigValues values;
    private final List<String> problems;

    WatchConfigLoader(ConfigValues values, List<String> problems) {
        this.values = values;
        this.problems = problems;
    }

    /** @param models the configured models, which {@code HAIA_WATCH_MODEL} must name one of */
    WatchConfig read(List<HaiaConfig.Model> models) {
        Duration interval = values.optionalString("watch.interval").filter(v -> !v.equals("0"))
                .map(v -> values.duration("watch.interval")).orElse(Duration.ZERO);
        int storage = values.positiveInt("watch.storage-pct");
        if (storage > 100) {
            problems.add(values.name("watch.storage-pct") + " is a percentage of a storage's size: 1 to 100, got "
                                 + storage);
        }
        Optional<String> model = values.optionalString("watch.model");
        model.ifPresent(id -> {
            if (models.stream().noneMatch(m -> m.id().equals(id))) {
                problems.add(values.name("watch.model") + ": '" + id + "' is not one of the configured models ("
                                     + String.join(", ", models.stream().map(HaiaConfig.Model::id).toList()) + ")");
            }
        });
        return new WatchConfig(interval, storage, investigations(), model, values.duration("watch.group-wait"),
                               values.duration("watch.alert-expiry"), targets(), url("watch.public-url",
                                                                                 "https://haia.example.lan"),
                               prometheus());
    }

    /** Investigations per hour: 0 turns them off (every finding is notified uninvestigated). */
    private int investigations() {
        String raw = values.optionalString("watch.max-investigations").orElse("");
        if (raw.matches("\\d{1,6}")) {
            return Integer.parseInt(raw);
        }
        problems.add(values.name("watch.max-investigations") + " must be a whole number of investigations per hour"
                             + " (0 for none), got '" + raw + "'");
        return 0;
    }

    private List<NotifyTarget> targets() {
        List<NotifyTarget> targets = new ArrayList<>();
        for (String url : values.list("watch.notify")) {
            NotifyTarget.Parsed parsed = NotifyTarget.parse(url);
            parsed.problem().ifPresent(problem -> problems.add(values.name("watch.notify") + ": " + problem));
            targets.addAll(parsed.targets());
        }
        return targets;
    }

    private Optional<WatchConfig.Prometheus> prometheus() {
        Optional<String> raw = values.optionalString("tools.prometheus.url");
        Optional<Secret> token = values.secret("tools.prometheus.token");
        Optional<String> user = values.optionalString("tools.prometheus.user");
        Optional<Secret> password = values.secret("tools.prometheus.password");
        Optional<String> fingerprint = values.optionalString("tools.prometheus.fingerprint");
        if (raw.isEmpty()) {
            if (token.isPresent() || user.isPresent() || password.isPresent() || fingerprint.isPresent()) {
                problems.add(values.name("tools.prometheus.url") + " is missing: Prometheus credentials are set, but"
                                     + " not its address (e.g. http://prometheus:9090)");
            }
            return Optional.empty();
        }
        Optional<URI> url = url("tools.prometheus.url", "http://prometheus:9090");
        if (token.isPresent() && (user.isPresent() || password.isPresent())) {
            problems.add("set " + values.name("tools.prometheus.token") + " or " + values.name("tools.prometheus.user")
                                 + " and " + values.name("tools.prometheus.password") + ", not both");
        }
        if (user.isPresent() != password.isPresent()) {
            problems.add(values.name("tools.prometheus.user") + " and " + values.name("tools.prometheus.password")
                                 + " go together (HTTP basic authentication)");
        }
        Optional<byte[]> pin = fingerprint.flatMap(f -> ToolsConfigLoader.fingerprint(
                f, values.name("tools.prometheus.fingerprint"), problems));
        if (pin.isPresent() && url.filter(u -> u.getScheme().equals("https")).isEmpty()) {
            problems.add(values.name("tools.prometheus.fingerprint") + " pins an HTTPS certificate: the URL must be"
                                 + " https://...");
        }
        return url.map(u -> new WatchConfig.Prometheus(u, token, user, password, pin));
    }

    /** An http(s) URL without a query, its trailing slash removed. */
    private Optional<URI> url(String key, String example) {
        Optional<String> raw = values.optionalString(key);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(raw.get().replaceAll("/+$", ""));
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getQuery() == null && uri.getUserInfo() == null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        problems.add(values.name(key) + " must be an http(s) URL without credentials or query, such as " + example
                             + ", got " + ConfigValues.masked(raw.get()));
        return Optional.empty();
    }
}
