package haia.notify;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import haia.config.Secret;

/**
 * Where HAIA's watch sends its messages, written as an Apprise URL (the syntax homelab tools share):
 * <pre>
 * ntfy://[user:password@|token@]host[:port]/topic[/topic...][?token=tk_...]     ntfys:// for HTTPS
 * gotify://host[:port][/path]/apptoken[?priority=N]                             gotifys:// for HTTPS
 * json://[user:password@]host[:port]/path[?+Header=value...]                     jsons:// for HTTPS
 * </pre>
 * One target per ntfy topic. Credentials (tokens, passwords, header values) are {@link Secret}s: they never appear in
 * {@link #display()}, {@link #label()} or a parse problem.
 *
 * @param kind     the protocol
 * @param endpoint the HTTP(S) URL HAIA posts to (without credentials)
 * @param token    ntfy's access token, Gotify's application token
 * @param basic    user and password for HTTP basic authentication
 * @param headers  extra headers (json:// {@code +Name=value})
 * @param priority a fixed Gotify priority that replaces the one from the severity
 * @param label    {@code kind://host[:port]}: the metrics label and what logs show
 */
public record NotifyTarget(Kind kind, URI endpoint, Optional<Secret> token, Optional<Basic> basic,
                           Map<String, Secret> headers, Optional<Integer> priority, String label) {

    /** ntfy's topic names ({@code server.go} topicRegex). */
    static final Pattern NTFY_TOPIC = Pattern.compile("[-_A-Za-z0-9]{1,64}");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9-]{1,64}");

    public enum Kind {
        NTFY, GOTIFY, JSON;

        public String scheme() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** HTTP basic credentials. */
    public record Basic(String user, Secret password) {
    }

    public NotifyTarget {
        headers = Map.copyOf(headers);
    }

    /** What logs and {@code /health} may show: the label (never the topic, a token or a password). */
    public String display() {
        return label;
    }

    /** Every credential in this target, for the redactor. */
    public List<Secret> secrets() {
        List<Secret> secrets = new ArrayList<>(headers.values());
        token.ifPresent(secrets::add);
        basic.ifPresent(b -> secrets.add(b.password()));
        return secrets;
    }

    @Override
    public String toString() {
        return "NotifyTarget[" + label + "]";
    }

    /** A parsed URL: its targets, or what is wrong with it (without quoting a credential). */
    public record Parsed(List<NotifyTarget> targets, Optional<String> problem) {
        static Parsed problem(String problem) {
            return new Parsed(List.of(), Optional.of(problem));
        }
    }

    /** Parses one Apprise URL. */
    public static Parsed parse(String raw) {
        String url = raw.strip();
        int colon = url.indexOf("://");
        String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
        boolean tls = scheme.endsWith("s");
        String base = tls ? scheme.substring(0, scheme.length() - 1) : scheme;
        Kind kind = switch (base) {
            case "ntfy" -> Kind.NTFY;
            case "gotify" -> Kind.GOTIFY;
            case "json" -> Kind.JSON;
            default -> null;
        };
        if (kind == null) {
            return Parsed.problem("'" + shown(url) + "' is not a notification URL HAIA knows: use ntfy://, ntfys://,"
                                          + " gotify://, gotifys://, json:// or jsons:// (Apprise's syntax)");
        }
        URI uri;
        try {
            uri = new URI("http" + url.substring(colon));
        } catch (URISyntaxException e) {
            return Parsed.problem(scheme + "://" + " URL is not a valid URL (" + e.getReason() + ")");
        }
        if (uri.getHost() == null) {
            return Parsed.problem(scheme + ":// URL has no host name: " + kind.scheme() + "://host[:port]/...");
        }
        String http = tls ? "https" : "http";
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String hostPort = uri.getHost() + ":" + port;
        String label = scheme + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        List<String> path = new ArrayList<>();
        for (String segment : (uri.getRawPath() == null ? "" : uri.getRawPath()).split("/")) {
            if (!segment.isEmpty()) {
                path.add(decode(segment));
            }
        }
        Map<String, String> query = query(uri.getRawQuery());
        Optional<String> userInfo = Optional.ofNullable(uri.getRawUserInfo()).map(NotifyTarget::decode);
        return switch (kind) {
            case NTFY -> ntfy(http, hostPort, label, path, query, userInfo);
            case GOTIFY -> gotify(http, hostPort, label, path, query);
            case JSON -> json(http, hostPort, label, path, query, userInfo);
        };
    }

    private static Parsed ntfy(String http, String hostPort, String label, List<String> topics,
                               Map<String, String> query, Optional<String> userInfo) {
        if (topics.isEmpty()) {
            return Parsed.problem(label + ": no topic; write ntfy://host/topic");
        }
        for (String topic : topics) {
            if (!NTFY_TOPIC.matcher(topic).matches()) {
                return Parsed.problem(label + ": a topic may only hold letters, digits, '-' and '_' (1 to 64 of"
                                              + " them), as ntfy requires");
            }
        }
        Optional<String> queryToken = Optional.ofNullable(query.get("token")).filter(t -> !t.isBlank());
        Optional<Secret> token = queryToken.map(Secret::new);
        Optional<Basic> basic = Optional.empty();
        if (userInfo.isPresent()) {
            int split = userInfo.get().indexOf(':');
            if (userInfo.get().isBlank() || split == 0 || split == userInfo.get().length() - 1) {
                return Parsed.problem(label + ": write the credentials as user:password@host or token@host");
            }
            if (split < 0) {
                token = Optional.of(new Secret(userInfo.get()));   // ntfy://tk_...@host/topic
            } else {
                basic = Optional.of(new Basic(userInfo.get().substring(0, split),
                                              new Secret(userInfo.get().substring(split + 1))));
            }
        }
        if (token.isPresent() && basic.isPresent()) {
            return Parsed.problem(label + ": give a token or a user and password, not both");
        }
        List<NotifyTarget> targets = new ArrayList<>();
        for (String topic : topics) {
            targets.add(new NotifyTarget(Kind.NTFY, URI.create(http + "://" + hostPort + "/" + topic), token, basic,
                                         Map.of(), Optional.empty(), label));
        }
        return new Parsed(targets, Optional.empty());
    }

    private static Parsed gotify(String http, String hostPort, String label, List<String> path,
                                 Map<String, String> query) {
        if (path.isEmpty()) {
            return Parsed.problem(label + ": no application token; write gotify://host/apptoken");
        }
        String token = path.getLast();
        if (token.isBlank()) {
            return Parsed.problem(label + ": the application token is empty");
        }
        String prefix = String.join("/", path.subList(0, path.size() - 1));
        Optional<Integer> priority = Optional.empty();
        if (query.containsKey("priority")) {
            try {
                int p = Integer.parseInt(query.get("priority").strip());
                if (p < 0 || p > 10) {
                    throw new NumberFormatException();
                }
                priority = Optional.of(p);
            } catch (NumberFormatException e) {
                return Parsed.problem(label + ": priority must be a whole number from 0 to 10");
            }
        }
        URI endpoint = URI.create(http + "://" + hostPort + (prefix.isEmpty() ? "" : "/" + prefix) + "/message");
        return new Parsed(List.of(new NotifyTarget(Kind.GOTIFY, endpoint, Optional.of(new Secret(token)),
                                                   Optional.empty(), Map.of(), priority, label)), Optional.empty());
    }

    private static Parsed json(String http, String hostPort, String label, List<String> path,
                               Map<String, String> query, Optional<String> userInfo) {
        Map<String, Secret> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : query.entrySet()) {
            if (!entry.getKey().startsWith("+") || !HEADER.matcher(entry.getKey().substring(1)).matches()) {
                return Parsed.problem(label + ": only +Header=value parameters are understood (e.g."
                                              + " ?+Authorization=Bearer%20...)");
            }
            if (entry.getValue().isBlank()) {
                return Parsed.problem(label + ": the header " + entry.getKey().substring(1) + " has no value");
            }
            headers.put(entry.getKey().substring(1), new Secret(entry.getValue()));
        }
        if (userInfo.isPresent() && (userInfo.get().indexOf(':') < 1 || userInfo.get().endsWith(":"))) {
            return Parsed.problem(label + ": write the credentials as user:password@host");
        }
        Optional<Basic> basic = userInfo.map(info -> new Basic(info.substring(0, info.indexOf(':')),
                                                               new Secret(info.substring(info.indexOf(':') + 1))));
        String target = path.stream().map(NotifyTarget::encode).reduce("", (a, b) -> a + "/" + b);
        URI endpoint = URI.create(http + "://" + hostPort + (target.isEmpty() ? "/" : target));
        return new Parsed(List.of(new NotifyTarget(Kind.JSON, endpoint, Optional.empty(), basic, headers,
                                                   Optional.empty(), label)), Optional.empty());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            query.put(name.startsWith("+") ? name : name.toLowerCase(Locale.ROOT),
                      eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return query;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The scheme and host of a URL that failed, for a problem: its path and query may hold a credential. */
    private static String shown(String url) {
        int at = url.indexOf('@');
        String rest = at >= 0 ? url.substring(at + 1) : url.substring(Math.max(0, url.indexOf("://") + 3));
        int slash = rest.indexOf('/');
        String scheme = url.contains("://") ? url.substring(0, url.indexOf("://") + 3) : "";
        return scheme + (slash >= 0 ? rest.substring(0, slash) + "/…" : rest);
    }

    /** Percent-encodes a path segment (spaces, non-ASCII). */
    private static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
