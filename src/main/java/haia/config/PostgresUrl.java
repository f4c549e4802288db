package haia.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code HAIA_DB_URL}: a PostgreSQL JDBC URL whose credentials may sit in its query
 * ({@code jdbc:postgresql://db:5432/haia?user=haia&password=...}) or come from {@code HAIA_DB_USER} /
 * {@code HAIA_DB_PASSWORD}. The password is taken out of the URL into a {@link Secret}, so the URL HAIA keeps (and
 * prints in log lines and error messages, Hikari's included) never contains it.
 */
final class PostgresUrl {

    static final String PREFIX = "jdbc:postgresql:";

    private PostgresUrl() {
    }

    /**
     * @param raw      the configured URL
     * @param user     {@code HAIA_DB_USER}
     * @param password {@code HAIA_DB_PASSWORD}
     * @param problems where configuration problems go; they never quote a password
     */
    static Optional<HaiaConfig.Store.Server> parse(String raw, Optional<String> user, Optional<Secret> password,
                                                  List<String> problems) {
        if (!raw.startsWith(PREFIX + "//")) {
            problems.add("HAIA_DB_URL (store.url) must be a PostgreSQL JDBC URL such as"
                                 + " jdbc:postgresql://db-host:5432/haia, got '" + withoutPassword(raw) + "'");
            return Optional.empty();
        }
        int query = raw.indexOf('?');
        String base = query < 0 ? raw : raw.substring(0, query);
        String authority = base.substring((PREFIX + "//").length()).split("/", 2)[0];
        if (authority.contains("@")) {
            problems.add("HAIA_DB_URL (store.url): the PostgreSQL driver does not read user:password@ in the URL;"
                                 + " use HAIA_DB_USER and HAIA_DB_PASSWORD (or ?user=...&password=...)");
            return Optional.empty();
        }
        if (authority.isEmpty() || base.endsWith("//" + authority) || base.endsWith("/")) {
            problems.add("HAIA_DB_URL (store.url) must name a host and a database, as in"
                                 + " jdbc:postgresql://db-host:5432/haia, got '" + withoutPassword(raw) + "'");
            return Optional.empty();
        }
        List<String> kept = new ArrayList<>();
        Optional<String> urlUser = Optional.empty();
        Optional<Secret> urlPassword = Optional.empty();
        if (query >= 0) {
            for (String parameter : raw.substring(query + 1).split("&")) {
                String name = parameter.split("=", 2)[0];
                String value = parameter.contains("=") ? decode(parameter.substring(parameter.indexOf('=') + 1)) : "";
                if (name.equals("password")) {
                    urlPassword = value.isBlank() ? Optional.empty() : Optional.of(new Secret(value));
                } else {
                    if (name.equals("user")) {
                        urlUser = Optional.of(value).filter(v -> !v.isBlank());
                    }
                    if (!parameter.isEmpty()) {
                        kept.add(parameter);
                    }
                }
            }
        }
        if (urlPassword.isPresent() && password.isPresent()) {
            problems.add("HAIA_DB_PASSWORD and a password in HAIA_DB_URL are both set: give it once");
        }
        if (urlUser.isPresent() && user.isPresent()) {
            problems.add("HAIA_DB_USER and a user in HAIA_DB_URL are both set: give it once");
        }
        String url = kept.isEmpty() ? base : base + "?" + String.join("&", kept);
        Optional<Secret> fromUrl = urlPassword;
        return Optional.of(new HaiaConfig.Store.Server(url, user, password.or(() -> fromUrl)));
    }

    /** The URL with any password parameter's value masked, for messages. */
    static String withoutPassword(String url) {
        return url.replaceAll("(?i)([?&]password=)[^&]*", "$1****").replaceAll("//[^/@]*@", "//****@");
    }

    private static String decode(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return value;
        }
    }
}
