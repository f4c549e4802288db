package haia.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import haia.notify.NotifyTarget;

import io.helidon.config.Config;

/**
 * Reads the {@code watch:} section and {@code tools.prometheus:} into a {@link WatchConfig}, beside
 * {@link ToolsConfigLoader} and in the same way: {@link ConfigLoader} hands it the merged configuration, its problem
 * list and its typed readers; every problem is one line naming the variable or key, and no credential is quoted.
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
    static final List<String> SECRET_VARIABLES = List.of("HAIA_NOTIFY", "HAIA_PROMETHEUS_TOKEN",
                                                         "HAIA_PROMETHEUS_PASSWORD");

    private final Config config;
    private final List<String> problems;
    private final Function<String, String> name;
    private final ToIntFunction<String> positiveInt;
    private final Function<String, Duration> duration;
    private final Function<String, List<String>> list;

    WatchConfigLoader(Config config, List<String> problems, Function<String, String> name,
                      ToIntFunction<String> positiveInt, Function<String, Duration> duration,
                      Function<String, List<String>> list) {
        this.config = config;
        this.problems = problems;
        this.name = name;
        this.positiveInt = positiveInt;
        this.duration = duration;
        this.list = list;
    }

    /** @param models the configured models, which {@code HAIA_WATCH_MODEL} must name one of */
    WatchConfig read(List<HaiaConfig.Model> models) {
        Duration interval = string("watch.interval").filter(v -> !v.equals("0"))
                .map(v -> duration.apply("watch.interval")).orElse(Duration.ZERO);
        int storage = positiveInt.applyAsInt("watch.storage-pct");
        if (storage > 100) {
            problems.add(name.apply("watch.storage-pct") + " is a percentage of a storage's size: 1 to 100, got "
                                 + storage);
        }
        Optional<String> model = string("watch.model");
        model.ifPresent(id -> {
            if (models.stream().noneMatch(m -> m.id().equals(id))) {
                problems.add(name.apply("watch.model") + ": '" + id + "' is not one of the configured models ("
                                     + String.join(", ", models.stream().map(HaiaConfig.Model::id).toList()) + ")");
            }
        });
        return new WatchConfig(interval, storage, investigations(), model, duration.apply("watch.group-wait"),
                               duration.apply("watch.alert-expiry"), targets(), url("watch.public-url",
                                                                                 "https://haia.example.lan"),
                               prometheus());
    }

    /** Investigations per hour: 0 turns them off (every finding is notified uninvestigated). */
    private int investigations() {
        String raw = string("watch.max-investigations").orElse("");
        if (raw.matches("\\d{1,6}")) {
            return Integer.parseInt(raw);
        }
        problems.add(name.apply("watch.max-investigations") + " must be a whole number of investigations per hour"
                             + " (0 for none), got '" + raw + "'");
        return 0;
    }

    private List<NotifyTarget> targets() {
        List<NotifyTarget> targets = new ArrayList<>();
        for (String url : list.apply("watch.notify")) {
            NotifyTarget.Parsed parsed = NotifyTarget.parse(url);
            parsed.problem().ifPresent(problem -> problems.add(name.apply("watch.notify") + ": " + problem));
            targets.addAll(parsed.targets());
        }
        return targets;
    }

    private Optional<WatchConfig.Prometheus> prometheus() {
        Optional<String> raw = string("tools.prometheus.url");
        Optional<Secret> token = string("tools.prometheus.token").map(Secret::new);
        Optional<String> user = string("tools.prometheus.user");
        Optional<Secret> password = string("tools.prometheus.password").map(Secret::new);
        Optional<String> fingerprint = string("tools.prometheus.fingerprint");
        if (raw.isEmpty()) {
            if (token.isPresent() || user.isPresent() || password.isPresent() || fingerprint.isPresent()) {
                problems.add(name.apply("tools.prometheus.url") + " is missing: Prometheus credentials are set, but"
                                     + " not its address (e.g. http://prometheus:9090)");
            }
            return Optional.empty();
        }
        Optional<URI> url = url("tools.prometheus.url", "http://prometheus:9090");
        if (token.isPresent() && (user.isPresent() || password.isPresent())) {
            problems.add("set " + name.apply("tools.prometheus.token") + " or " + name.apply("tools.prometheus.user")
                                 + " and " + name.apply("tools.prometheus.password") + ", not both");
        }
        if (user.isPresent() != password.isPresent()) {
            problems.add(name.apply("tools.prometheus.user") + " and " + name.apply("tools.prometheus.password")
                                 + " go together (HTTP basic authentication)");
        }
        Optional<byte[]> pin = fingerprint.flatMap(f -> ToolsConfigLoader.fingerprint(
                f, name.apply("tools.prometheus.fingerprint"), problems));
        if (pin.isPresent() && url.filter(u -> u.getScheme().equals("https")).isEmpty()) {
            problems.add(name.apply("tools.prometheus.fingerprint") + " pins an HTTPS certificate: the URL must be"
                                 + " https://...");
        }
        return url.map(u -> new WatchConfig.Prometheus(u, token, user, password, pin));
    }

    /** An http(s) URL without a query, its trailing slash removed. */
    private Optional<URI> url(String key, String example) {
        Optional<String> raw = string(key);
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
        problems.add(name.apply(key) + " must be an http(s) URL without credentials or query, such as " + example
                             + ", got " + ConfigLoader.masked(raw.get()));
        return Optional.empty();
    }

    private Optional<String> string(String key) {
        return config.get(key).asString().map(String::strip).filter(s -> !s.isEmpty());
    }
}
