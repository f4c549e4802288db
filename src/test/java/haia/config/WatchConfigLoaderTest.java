package haia.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.notify.NotifyTarget;
import haia.testing.EnvPairs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code watch:} section and Prometheus: defaults, every environment name, Apprise URLs (ntfy, Gotify, JSON) as
 * homelab users write them, and one line per problem that never quotes a credential.
 */
class WatchConfigLoaderTest {

    @TempDir
    Path dir;

    private WatchConfig load(String... pairs) {
        return ConfigLoader.load(env(pairs), dir).watch();
    }

    private static Map<String, String> env(String... pairs) {
        return EnvPairs.of(Map.of("ANTHROPIC_API_KEY", "sk-ant-x"), pairs);
    }

    private List<String> problems(String... pairs) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(env(pairs), dir)).problems();
    }

    @Test
    void defaultsWatchEveryFiveMinutesAndTellNobody() {
        WatchConfig watch = load();
        assertEquals(Duration.ofMinutes(5), watch.interval());
        assertTrue(watch.checks());
        assertEquals(85, watch.storagePercent());
        assertEquals(6, watch.maxInvestigations());
        assertEquals(Optional.empty(), watch.model());
        assertEquals(Duration.ofSeconds(5), watch.groupWait());
        assertEquals(Duration.ofHours(24), watch.alertExpiry());
        assertEquals(List.of(), watch.targets());
        assertEquals(Optional.empty(), watch.publicUrl());
        assertEquals(Optional.empty(), watch.prometheus());
    }

    @Test
    void everyEnvironmentNameIsHonoured() {
        WatchConfig watch = load("HAIA_WATCH_INTERVAL", "0", "HAIA_WATCH_STORAGE_PCT", "90",
                                 "HAIA_WATCH_MAX_INVESTIGATIONS", "0", "HAIA_WATCH_MODEL", "haia",
                                 "HAIA_WATCH_GROUP_WAIT", "2s", "HAIA_WATCH_ALERT_EXPIRY", "1h",
                                 "HAIA_PUBLIC_URL", "https://haia.lan/",
                                 "HAIA_NOTIFY", "ntfy://ntfy.lan/homelab, gotifys://gotify.lan/AbCdEf.123",
                                 "HAIA_PROMETHEUS_URL", "http://prometheus:9090/", "HAIA_PROMETHEUS_TOKEN", "prom-tok");
        assertFalse(watch.checks());
        assertEquals(90, watch.storagePercent());
        assertEquals(0, watch.maxInvestigations());
        assertEquals(Optional.of("haia"), watch.model());
        assertEquals(Duration.ofSeconds(2), watch.groupWait());
        assertEquals(Duration.ofHours(1), watch.alertExpiry());
        assertEquals(Optional.of(URI.create("https://haia.lan")), watch.publicUrl());
        assertEquals(2, watch.targets().size());
        assertEquals(URI.create("http://prometheus:9090"), watch.prometheus().orElseThrow().url());
        assertEquals("prom-tok", watch.prometheus().orElseThrow().token().orElseThrow().reveal());
        assertFalse(watch.prometheus().toString().contains("prom-tok"), watch.prometheus().toString());
    }

    @Test
    void ntfyUrlsAsAppriseWritesThem() {
        NotifyTarget plain = only("ntfy://ntfy.lan/homelab");
        assertEquals(NotifyTarget.Kind.NTFY, plain.kind());
        assertEquals(URI.create("http://ntfy.lan:80/homelab"), plain.endpoint());
        assertEquals(Optional.empty(), plain.token());
        assertEquals("ntfy://ntfy.lan", plain.label());

        NotifyTarget tls = only("ntfys://ntfy.sh:8443/alerts?token=tk_abcdef123");
        assertEquals(URI.create("https://ntfy.sh:8443/alerts"), tls.endpoint());
        assertEquals("tk_abcdef123", tls.token().orElseThrow().reveal());
        assertFalse(tls.label().contains("tk_") || tls.toString().contains("tk_"), tls.toString());

        assertEquals("tk_xyz", only("ntfys://tk_xyz@ntfy.sh/alerts").token().orElseThrow().reveal());
        NotifyTarget basic = only("ntfy://phil:s3cr%40t@ntfy.lan/alerts");
        assertEquals("phil", basic.basic().orElseThrow().user());
        assertEquals("s3cr@t", basic.basic().orElseThrow().password().reveal());

        List<NotifyTarget> two = NotifyTarget.parse("ntfy://ntfy.lan/one/two").targets();
        assertEquals(List.of("http://ntfy.lan:80/one", "http://ntfy.lan:80/two"),
                     two.stream().map(t -> t.endpoint().toString()).toList());
    }

    @Test
    void gotifyAndJsonUrlsAsAppriseWritesThem() {
        NotifyTarget gotify = only("gotifys://push.lan:8443/sub/path/AbCdEf.123?priority=7");
        assertEquals(URI.create("https://push.lan:8443/sub/path/message"), gotify.endpoint());
        assertEquals("AbCdEf.123", gotify.token().orElseThrow().reveal());
        assertEquals(Optional.of(7), gotify.priority());
        assertEquals(URI.create("http://gotify:80/message"), only("gotify://gotify/Tok").endpoint());

        NotifyTarget json = only("jsons://user:pw@hooks.lan/haia/in?+X-Token=abc%20def");
        assertEquals(URI.create("https://hooks.lan:443/haia/in"), json.endpoint());
        assertEquals("abc def", json.headers().get("X-Token").reveal());
        assertEquals("pw", json.basic().orElseThrow().password().reveal());
    }

    @Test
    void aBadUrlIsOneLineThatQuotesNoCredential() {
        List<String> problems = problems("HAIA_NOTIFY", "slack://T000/B000/XXXsecretXXX, ntfy://ntfy.lan/",
                                         "HAIA_WATCH_MODEL", "nope", "HAIA_WATCH_STORAGE_PCT", "150",
                                         "HAIA_WATCH_MAX_INVESTIGATIONS", "-1", "HAIA_WATCH_INTERVAL", "often");
        String all = String.join("\n", problems);
        assertFalse(all.contains("XXXsecretXXX"), all);
        assertTrue(all.contains("HAIA_NOTIFY (watch.notify): 'slack://T000/…' is not a notification URL"), all);
        assertTrue(all.contains("ntfy://ntfy.lan: no topic"), all);
        assertTrue(all.contains("HAIA_WATCH_MODEL (watch.model): 'nope' is not one of the configured models"), all);
        assertTrue(all.contains("HAIA_WATCH_STORAGE_PCT"), all);
        assertTrue(all.contains("HAIA_WATCH_MAX_INVESTIGATIONS"), all);
        assertTrue(all.contains("HAIA_WATCH_INTERVAL"), all);
        assertEquals(6, problems.size(), all);

        String gotify = String.join("\n", problems("HAIA_NOTIFY", "gotify://push.lan/Tok3n?priority=11"));
        assertTrue(gotify.contains("priority must be a whole number from 0 to 10"), gotify);
        assertFalse(gotify.contains("Tok3n"), gotify);
    }

    @Test
    void prometheusCredentialsGoTogetherAndSecretsMayComeFromFiles() throws Exception {
        assertTrue(String.join("\n", problems("HAIA_PROMETHEUS_TOKEN", "t0ken")).contains("HAIA_PROMETHEUS_URL"));
        assertTrue(String.join("\n", problems("HAIA_PROMETHEUS_URL", "http://p:9090", "HAIA_PROMETHEUS_USER", "u"))
                           .contains("go together"));
        assertTrue(String.join("\n", problems("HAIA_PROMETHEUS_URL", "https://p:9090",
                                               "HAIA_PROMETHEUS_FINGERPRINT", "AB:CD")).contains("SHA-256"));
        String pinned = String.join("\n", problems("HAIA_PROMETHEUS_URL", "http://p:9090",
                                                   "HAIA_PROMETHEUS_FINGERPRINT", "AB".repeat(32)));
        assertTrue(pinned.contains("pins an HTTPS certificate"), pinned);

        Files.writeString(dir.resolve("notify"), "gotify://push.lan/FromAFile\n");
        Files.writeString(dir.resolve("password"), "pw-from-file\n");
        WatchConfig watch = load("HAIA_NOTIFY_FILE", "notify", "HAIA_PROMETHEUS_URL", "https://p.lan:9090",
                                 "HAIA_PROMETHEUS_USER", "haia", "HAIA_PROMETHEUS_PASSWORD_FILE", "password");
        assertEquals("FromAFile", watch.targets().getFirst().token().orElseThrow().reveal());
        assertEquals("pw-from-file", watch.prometheus().orElseThrow().password().orElseThrow().reveal());
        assertEquals(2, watch.secrets().size());
    }

    private static NotifyTarget only(String url) {
        NotifyTarget.Parsed parsed = NotifyTarget.parse(url);
        assertEquals(Optional.empty(), parsed.problem());
        assertEquals(1, parsed.targets().size());
        return parsed.targets().getFirst();
    }
}
