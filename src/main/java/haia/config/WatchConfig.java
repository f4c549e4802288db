package haia.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import haia.notify.NotifyTarget;

/**
 * HAIA's watch (YAML {@code watch:} and {@code tools.prometheus:}, read by {@link WatchConfigLoader}): its own
 * scheduled checks, the investigations of what it finds or is told, where it tells the user, and Prometheus as a
 * tool source.
 *
 * @param interval          how often the built-in checks run ({@code HAIA_WATCH_INTERVAL}); zero: never
 * @param storagePercent    a storage fuller than this is a finding ({@code HAIA_WATCH_STORAGE_PCT})
 * @param maxInvestigations investigations per hour at most ({@code HAIA_WATCH_MAX_INVESTIGATIONS}); past it a
 *                          finding is notified uninvestigated, and says so
 * @param model             the model that investigates ({@code HAIA_WATCH_MODEL}); empty: the default model
 * @param groupWait         findings that open within this time of each other are one investigation and one message
 *                          ({@code HAIA_WATCH_GROUP_WAIT})
 * @param alertExpiry       a generic alert ({@code POST /v1/alerts}) nobody repeats or resolves for this long resolves
 *                          itself ({@code HAIA_WATCH_ALERT_EXPIRY})
 * @param targets           where messages go ({@code HAIA_NOTIFY}), in order
 * @param publicUrl         HAIA's address as the user's phone reaches it ({@code HAIA_PUBLIC_URL}): messages link to
 *                          the finding there
 * @param prometheus        the Prometheus server HAIA reads ({@code HAIA_PROMETHEUS_URL}), when configured
 */
public record WatchConfig(Duration interval,
                          int storagePercent,
                          int maxInvestigations,
                          Optional<String> model,
                          Duration groupWait,
                          Duration alertExpiry,
                          List<NotifyTarget> targets,
                          Optional<URI> publicUrl,
                          Optional<Prometheus> prometheus) {

    public WatchConfig {
        targets = List.copyOf(targets);
    }

    /** Whether the built-in checks run on a schedule. */
    public boolean checks() {
        return !interval.isZero();
    }

    /** Every credential here, for the redactor. */
    public List<Secret> secrets() {
        List<Secret> secrets = new ArrayList<>();
        targets.forEach(target -> secrets.addAll(target.secrets()));
        prometheus.ifPresent(p -> {
            p.token().ifPresent(secrets::add);
            p.password().ifPresent(secrets::add);
        });
        return secrets;
    }

    /**
     * A Prometheus server's HTTP API, read only.
     *
     * @param url         {@code http://prometheus:9090} (a path prefix, such as {@code /prometheus}, is kept)
     * @param token       sent as {@code Authorization: Bearer}
     * @param user        with {@code password}: HTTP basic authentication
     * @param password    the basic password
     * @param fingerprint SHA-256 of an HTTPS server's leaf certificate (32 bytes): exactly that one is trusted
     */
    public record Prometheus(URI url, Optional<Secret> token, Optional<String> user, Optional<Secret> password,
                             Optional<byte[]> fingerprint) {
        @Override
        public String toString() {
            return "Prometheus[url=" + url + ", token=" + token.map(t -> "****").orElse("none") + ", user="
                    + user.orElse("none") + ", pinned=" + fingerprint.isPresent() + "]";
        }
    }
}
