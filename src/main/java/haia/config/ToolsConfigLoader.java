package haia.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

import io.helidon.config.Config;

/**
 * Reads the {@code tools:} section into a {@link ToolsConfig}. Kept apart from {@link ConfigLoader}, which hands it
 * the merged configuration, its problem list and its typed readers (so durations and numbers read the same
 * everywhere); every problem is one line naming the variable or key, and a secret's value is never quoted in one.
 */
final class ToolsConfigLoader {

    /** Environment names of the tools section: variable name → config key. */
    static final Map<String, String> ENV = Map.of(
            "HAIA_TOOLS_MAX_STEPS", "tools.max-steps",
            "HAIA_TOOLS_BUDGET", "tools.budget",
            "HAIA_TOOLS_TIMEOUT", "tools.timeout",
            "HAIA_TOOLS_MAX_OUTPUT", "tools.max-output-chars",
            "HAIA_PROXMOX_URL", "tools.proxmox.url",
            "HAIA_PROXMOX_TOKEN", "tools.proxmox.token",
            "HAIA_PROXMOX_TOKEN_FILE", "tools.proxmox.token-file",
            "HAIA_PROXMOX_FINGERPRINT", "tools.proxmox.fingerprint",
            "HAIA_DOCKER_HOST", "tools.docker.host");

    /** Names of MCP servers: they become part of tool names, so short and plain. */
    static final Pattern SERVER_NAME = Pattern.compile("[a-z][a-z0-9-]{0,23}");
    /** Source names the built-in tools use. */
    static final Set<String> RESERVED = Set.of("pve", "docker", "prom", "watch", "memory");
    /** As Proxmox shows a token: {@code user@realm!tokenid=secret}. */
    private static final Pattern PVE_TOKEN = Pattern.compile("[^\\s@=!]+@[^\\s@=!]+![^\\s@=!]+=\\S+");

    private final Config config;
    private final List<String> problems;
    private final Function<String, String> name;
    private final ToIntFunction<String> positiveInt;
    private final Function<String, Duration> duration;

    ToolsConfigLoader(Config config, List<String> problems, Function<String, String> name,
                      ToIntFunction<String> positiveInt, Function<String, Duration> duration) {
        this.config = config;
        this.problems = problems;
        this.name = name;
        this.positiveInt = positiveInt;
        this.duration = duration;
    }

    ToolsConfig read(Path workDir) {
        return new ToolsConfig(
                positiveInt.applyAsInt("tools.max-steps"),
                duration.apply("tools.budget"),
                duration.apply("tools.timeout"),
                positiveInt.applyAsInt("tools.max-output-chars"),
                proxmox(workDir),
                docker(),
                mcpServers(),
                duration.apply("tools.mcp-retry"));
    }

    private Optional<ToolsConfig.Proxmox> proxmox(Path workDir) {
        Optional<String> url = string("tools.proxmox.url");
        Optional<String> inline = string("tools.proxmox.token");
        Optional<String> file = string("tools.proxmox.token-file");
        Optional<String> fingerprint = string("tools.proxmox.fingerprint");
        if (url.isEmpty()) {
            if (inline.isPresent() || file.isPresent() || fingerprint.isPresent()) {
                problems.add(name.apply("tools.proxmox.url") + " is missing: a Proxmox token or fingerprint is set,"
                                     + " but not the API's address (e.g. https://pve1:8006)");
            }
            return Optional.empty();
        }
        URI uri = proxmoxUrl(url.get());
        Optional<byte[]> pin = fingerprint.flatMap(this::fingerprint);   // checked whatever else is wrong
        if (inline.isPresent() && file.isPresent()) {
            problems.add("set one of " + name.apply("tools.proxmox.token") + " and "
                                 + name.apply("tools.proxmox.token-file") + ", not both");
        }
        Optional<String> token = inline.or(() -> file.flatMap(f -> readSecretFile(workDir.resolve(f))));
        if (token.isEmpty()) {
            if (file.isEmpty()) {
                problems.add(name.apply("tools.proxmox.token") + " is required with HAIA_PROXMOX_URL: an API token"
                                     + " as Proxmox shows it, user@realm!tokenid=secret (docs/tools.md)");
            }
            return Optional.empty();
        }
        String value = token.get().startsWith("PVEAPIToken=") ? token.get().substring(12) : token.get();
        if (!PVE_TOKEN.matcher(value).matches()) {
            // never quote the value: it is a credential, however malformed
            problems.add(name.apply("tools.proxmox.token") + " must look like user@realm!tokenid=secret,"
                                 + " as Proxmox shows it when the token is created");
            return Optional.empty();
        }
        return Optional.of(new ToolsConfig.Proxmox(uri, new Secret(value), pin));
    }

    private URI proxmoxUrl(String raw) {
        try {
            URI uri = new URI(raw.replaceAll("/+$", "").replaceAll("/api2/json$", ""));
            if ("https".equals(uri.getScheme()) && uri.getHost() != null
                    && (uri.getPath() == null || uri.getPath().isEmpty()) && uri.getQuery() == null) {
                return uri;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        problems.add(name.apply("tools.proxmox.url") + " must be the API's https address such as"
                             + " https://pve1:8006 (Proxmox serves its API over TLS only), got '" + raw + "'");
        return URI.create("https://invalid");
    }

    private Optional<String> readSecretFile(Path file) {
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!value.isEmpty()) {
                return Optional.of(value);
            }
            problems.add(name.apply("tools.proxmox.token-file") + ": " + file + " is empty");
        } catch (IOException e) {
            problems.add(name.apply("tools.proxmox.token-file") + ": cannot read " + file + " ("
                                 + e.getClass().getSimpleName() + ")");
        }
        return Optional.empty();
    }

    private Optional<byte[]> fingerprint(String raw) {
        return fingerprint(raw, name.apply("tools.proxmox.fingerprint"), problems);
    }

    /**
     * A certificate's SHA-256 fingerprint, {@code AB:CD:...} as Proxmox's certificate panel (or {@code openssl x509
     * -fingerprint -sha256}) shows it; colons optional, any case.
     *
     * @param setting how a problem names the setting
     */
    static Optional<byte[]> fingerprint(String raw, String setting, List<String> problems) {
        String hex = raw.replace(":", "").replace(" ", "");
        if (hex.matches("[0-9A-Fa-f]{64}")) {
            return Optional.of(HexFormat.of().parseHex(hex));
        }
        String hint = hex.matches("[0-9A-Fa-f]{40}") ? " (this looks like a SHA-1 fingerprint; use the SHA-256 one)"
                : "";
        problems.add(setting + " must be the certificate's SHA-256 fingerprint, 32 hex bytes like AB:CD:...:EF" + hint
                             + ", got '" + raw + "'");
        return Optional.empty();
    }

    private Optional<ToolsConfig.Docker> docker() {
        return string("tools.docker.host").flatMap(raw -> {
            if (raw.startsWith("unix://") && raw.length() > 7 && raw.charAt(7) == '/') {
                return Optional.of(new ToolsConfig.Docker(Path.of(raw.substring(7))));
            }
            problems.add(name.apply("tools.docker.host") + " must be a unix socket such as"
                                 + " unix:///run/podman/podman.sock or unix:///var/run/docker.sock, got '" + raw + "'");
            return Optional.empty();
        });
    }

    private List<ToolsConfig.McpServer> mcpServers() {
        List<Config> nodes = config.get("tools.mcp-servers").asNodeList().orElse(List.of());
        List<ToolsConfig.McpServer> servers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            Config node = nodes.get(i);
            String at = "tools.mcp-servers." + i;
            String serverName = node.get("name").asString().orElse("").strip();
            if (!SERVER_NAME.matcher(serverName).matches()) {
                problems.add(at + ".name: '" + serverName + "' is not a usable server name (a lower-case letter, then"
                                     + " up to 23 lower-case letters, digits or '-'; it becomes part of tool names)");
            } else if (RESERVED.contains(serverName)) {
                problems.add(at + ".name: '" + serverName + "' is reserved for HAIA's built-in tools");
            } else if (!seen.add(serverName)) {
                problems.add(at + ".name: MCP server '" + serverName + "' is declared twice");
            }
            List<String> allow = node.get("tools").asList(String.class).orElse(List.of());
            transport(node, at).ifPresent(t -> servers.add(new ToolsConfig.McpServer(serverName, t, allow)));
        }
        return servers;
    }

    private Optional<ToolsConfig.McpTransport> transport(Config node, String at) {
        List<String> command = node.get("command").asList(String.class).orElse(List.of());
        Optional<String> url = node.get("url").asString().map(String::strip).filter(s -> !s.isEmpty());
        if (command.isEmpty() == url.isEmpty()) {
            problems.add(at + ": give either command (a list: the program and its arguments, for stdio) or url"
                                 + " (a Streamable HTTP endpoint), exactly one");
            return Optional.empty();
        }
        if (url.isEmpty()) {
            if (node.get("headers").exists()) {
                problems.add(at + ".headers: only for servers with a url");
            }
            return Optional.of(new ToolsConfig.McpTransport.Stdio(command, secrets(node.get("env"), at + ".env")));
        }
        if (node.get("env").exists()) {
            problems.add(at + ".env: only for servers HAIA starts (command)");
        }
        try {
            URI uri = new URI(url.get());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(new ToolsConfig.McpTransport.Http(uri, secrets(node.get("headers"), at + ".headers")));
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        problems.add(at + ".url must be an http(s) URL such as http://mcp-host:3001/mcp, got '" + url.get() + "'");
        return Optional.empty();
    }

    /** A map of names to values that may hold credentials (environment variables, HTTP headers). */
    private Map<String, Secret> secrets(Config node, String at) {
        Map<String, Secret> values = new LinkedHashMap<>();
        for (Config entry : node.asNodeList().orElse(List.of())) {
            String value = entry.asString().orElse("");
            if (value.isBlank()) {
                problems.add(at + "." + entry.name() + " is empty");
            } else {
                values.put(entry.name(), new Secret(value));
            }
        }
        return values;
    }

    private Optional<String> string(String key) {
        return config.get(key).asString().map(String::strip).filter(s -> !s.isEmpty());
    }
}
