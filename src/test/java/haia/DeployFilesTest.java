package haia;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files users deploy HAIA and OpenWebUI with ({@code deploy/}): the Quadlet units parse as systemd units and use
 * only keys podman-systemd.unit(5) documents, they carry the wiring the docs promise, the compose file says the
 * same, and the health command is one the image provides. {@code bin/e2e-openwebui} runs OpenWebUI and HAIA with
 * the Environment= and Secret= lines of these units, and {@code bin/e2e-container} runs the image with the podman
 * command Quadlet's own generator makes of haia.container (checking there what this test checks here, and what only
 * a running container shows), so these and this test together cover what users copy.
 */
class DeployFilesTest {

    private static final Path DEPLOY = Path.of("deploy");

    /** The [Container] keys podman-systemd.unit(5) documents (Podman 5.x): a typo is not silently ignored. */
    private static final Set<String> CONTAINER_KEYS = Set.of(
            "AddCapability", "AddDevice", "AddHost", "Annotation", "AutoUpdate", "CgroupsMode", "ContainerName",
            "ContainersConfModule", "DNS", "DNSOption", "DNSSearch", "DropCapability", "Entrypoint", "Environment",
            "EnvironmentFile", "EnvironmentHost", "Exec", "ExposeHostPort", "GIDMap", "GlobalArgs", "Group",
            "GroupAdd", "HealthCmd", "HealthInterval", "HealthLogDestination", "HealthMaxLogCount", "HealthMaxLogSize",
            "HealthOnFailure", "HealthRetries", "HealthStartPeriod", "HealthStartupCmd", "HealthStartupInterval",
            "HealthStartupRetries", "HealthStartupSuccess", "HealthStartupTimeout", "HealthTimeout", "HostName",
            "Image", "IP", "IP6", "Label", "LogDriver", "LogOpt", "Mask", "Memory", "Mount", "Network", "NetworkAlias",
            "NoNewPrivileges", "Notify", "PidsLimit", "Pod", "PodmanArgs", "PublishPort", "Pull", "ReadOnly",
            "ReadOnlyTmpfs", "ReloadCmd", "ReloadSignal", "Retry", "RetryDelay", "Rootfs", "RunInit", "SeccompProfile",
            "Secret", "SecurityLabelDisable", "SecurityLabelFileType", "SecurityLabelLevel", "SecurityLabelNested",
            "SecurityLabelType", "ShmSize", "StartWithPod", "StopSignal", "StopTimeout", "SubGIDMap", "SubUIDMap",
            "Sysctl", "Timezone", "Tmpfs", "UIDMap", "Ulimit", "Unmask", "User", "UserNS", "Volume", "WorkingDir");
    private static final Set<String> NETWORK_KEYS = Set.of(
            "ContainersConfModule", "DisableDNS", "DNS", "Driver", "Gateway", "GlobalArgs", "InterfaceName",
            "Internal", "IPAMDriver", "IPRange", "IPv6", "Label", "NetworkDeleteOnStop", "NetworkName", "Options",
            "PodmanArgs", "Subnet");

    // ---- the Quadlet units ----

    @Test
    void unitsParseAndUseOnlyDocumentedQuadletKeys() throws IOException {
        for (String name : List.of("haia.container", "openwebui.container")) {
            Unit unit = Unit.read(DEPLOY.resolve(name));
            assertFalse(unit.section("Container").isEmpty(), name);
            unit.section("Container").keySet().forEach(k -> assertTrue(CONTAINER_KEYS.contains(k), name + ": " + k));
            assertEquals(1, unit.all("Container", "Image").size(), name + ": exactly one Image=");
            assertEquals(List.of("always"), unit.all("Service", "Restart"), name);
            assertEquals(List.of("default.target"), unit.all("Install", "WantedBy"), name + " starts at login/boot");
        }
        Unit network = Unit.read(DEPLOY.resolve("haia.network"));
        network.section("Network").keySet().forEach(k -> assertTrue(NETWORK_KEYS.contains(k), "haia.network: " + k));
    }

    @Test
    void haiaUnitKeepsItsDataSecretsHealthAndShutdown() throws IOException {
        Unit haia = Unit.read(DEPLOY.resolve("haia.container"));
        assertEquals("haia", haia.one("Container", "ContainerName"), "OpenWebUI reaches HAIA by this name");
        assertEquals(List.of("haia.network"), haia.all("Container", "Network"));
        assertEquals(List.of("haia-data:/data"), haia.all("Container", "Volume"));
        assertTrue(containerfile().contains("HAIA_DB_PATH=/data/haia.db"), "the volume holds the database");

        assertEquals(Map.of("ANTHROPIC_API_KEY", "anthropic-api-key", "HAIA_API_KEY", "haia-api-key"),
                     secretVariables(haia));
        environment(haia).keySet().forEach(k -> assertFalse(k.endsWith("_KEY"), "keys come from secrets: " + k));
        for (String line : haia.all("Container", "Secret")) {
            Map<String, String> options = secretOptions(line);
            // a file: env-type secrets show in `podman inspect` (Podman 4; later ones still with target=)
            assertEquals("mount", options.get("type"), line + ": a file HAIA reads through *_FILE");
            assertEquals("10001", options.get("uid"), line + ": owned by HAIA's user");
            assertEquals("0400", options.get("mode"), line + ": readable by HAIA's user alone");
            // Podman cannot place a file in /run/secrets in a read-only container (containers/podman#15541)
            assertTrue(options.get("target").startsWith("/run/") && !options.get("target").startsWith("/run/secrets/"),
                       line + ": an absolute path under /run (a tmpfs), not under /run/secrets");
        }

        // the image is never written to (HAIA writes /data and /tmp) and HAIA needs no privileges
        assertEquals("true", haia.one("Container", "ReadOnly"));
        assertEquals("true", haia.one("Container", "NoNewPrivileges"));
        assertEquals("all", haia.one("Container", "DropCapability"));

        assertEquals("/app/bin/healthcheck", haia.one("Container", "HealthCmd"));
        assertImageProvides(haia.one("Container", "HealthCmd"));

        Duration grace = Duration.parse("PT" + environment(haia).getOrDefault("HAIA_SHUTDOWN_GRACE", "30s"));
        Duration stopTimeout = Duration.ofSeconds(Long.parseLong(haia.one("Container", "StopTimeout")));
        Duration systemdStop = Duration.ofSeconds(Long.parseLong(haia.one("Service", "TimeoutStopSec")));
        assertEquals(Duration.ofSeconds(45), stopTimeout);
        assertTrue(stopTimeout.compareTo(grace) > 0, "podman waits longer than HAIA drains");
        assertTrue(systemdStop.compareTo(stopTimeout) > 0, "systemd waits longer than podman (podman-systemd.unit(5))");
    }

    @Test
    void openWebUiUnitTalksToHaiaWithTheSameKey() throws IOException {
        Unit haia = Unit.read(DEPLOY.resolve("haia.container"));
        Unit owui = Unit.read(DEPLOY.resolve("openwebui.container"));
        Map<String, String> env = environment(owui);
        String port = containerEnv("SERVER_PORT");
        assertEquals("http://" + haia.one("Container", "ContainerName") + ":" + port + "/v1",
                     env.get("OPENAI_API_BASE_URL"));
        assertEquals("true", env.get("ENABLE_FORWARD_USER_INFO_HEADERS"), "the chat id header keys conversations");
        assertEquals("false", env.get("ENABLE_OLLAMA_API"));
        // OpenWebUI reads its key from the environment only (no *_FILE)
        assertEquals(Map.of("OPENAI_API_KEY", secretVariables(haia).get("HAIA_API_KEY")), secretVariables(owui),
                     "OpenWebUI sends the key HAIA checks");
        owui.all("Container", "Secret").forEach(line -> assertEquals("env", secretOptions(line).get("type"), line));
        assertEquals(haia.all("Container", "Network"), owui.all("Container", "Network"));
        assertTrue(owui.all("Unit", "Requires").contains("haia.service"));
        assertTrue(owui.all("Unit", "After").contains("haia.service"));
    }

    // ---- the Containerfile ----

    @Test
    void containerfileTakesItsBasesAsArgumentsAndTheJarFromTheAppStage() throws IOException {
        String file = containerfile();
        // the defaults are the images users pull; bin/e2e-container builds on a Debian-packaged base instead
        assertTrue(file.contains("\nARG BUILD_IMAGE=docker.io/library/maven:3.9-eclipse-temurin-25\n"), "Maven base");
        assertTrue(file.contains("\nARG RUNTIME_IMAGE=docker.io/library/eclipse-temurin:25-jre\n"), "JRE base");
        assertEquals(List.of("FROM ${BUILD_IMAGE} AS build", "FROM scratch AS app", "FROM ${RUNTIME_IMAGE}"),
                     file.lines().filter(l -> l.startsWith("FROM ")).toList());
        // the runtime stage takes the jar and its libs from "app" alone, laid out as in target/, so that
        // --build-context app=target (a jar built outside) replaces the Maven stage
        String runtime = file.substring(file.indexOf("FROM ${RUNTIME_IMAGE}"));
        List<String> copies = runtime.lines().filter(l -> l.startsWith("COPY --from=")).toList();
        assertEquals(List.of("COPY --from=app /libs /app/libs", "COPY --from=app /haia.jar /app/haia.jar"), copies);
        String app = file.substring(file.indexOf("FROM scratch AS app"), file.indexOf("FROM ${RUNTIME_IMAGE}"));
        assertTrue(app.contains("COPY --from=build /src/target/haia.jar /haia.jar")
                   && app.contains("COPY --from=build /src/target/libs /libs"), app);
    }

    // ---- the compose file ----

    @Test
    @SuppressWarnings("unchecked")
    void composeFileHasTheSameWiringAsTheUnits() throws IOException {
        Map<String, Object> compose = yaml(DEPLOY.resolve("compose.yaml"));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        for (String name : List.of("haia", "openwebui")) {
            Unit unit = Unit.read(DEPLOY.resolve(name + ".container"));
            Map<String, Object> service = (Map<String, Object>) services.get(name);
            assertEquals(unit.one("Container", "Image"), service.get("image"), name);
            assertEquals(unit.one("Container", "ContainerName"), service.get("container_name"), name);
            assertEquals(unit.all("Container", "Volume"), service.get("volumes"), name);
            assertEquals(unit.all("Container", "PublishPort"), service.getOrDefault("ports", List.of()), name);
            assertEquals("always", service.get("restart"), name);

            // the same variables: plain ones with the same values, each key the unit takes from a podman secret
            // (a file or an environment variable) as a ${VAR} the user fills in, in deploy/.env
            Map<String, String> expected = new TreeMap<>(environment(unit));
            secretVariables(unit).forEach((variable, secret) -> {
                expected.remove(variable + "_FILE");
                expected.put(variable, "${" + secretVariable(secret) + "}");
            });
            Map<String, String> actual = new TreeMap<>();
            ((Map<String, Object>) service.get("environment")).forEach((k, v) -> actual.put(k, String.valueOf(v)
                    .replaceAll("^\\$\\{([A-Z_]+):\\?[^}]*}$", "\\${$1}")));
            assertEquals(expected, actual, name);

            Map<String, Object> health = (Map<String, Object>) service.get("healthcheck");
            List<String> test = (List<String>) health.get("test");
            assertEquals("CMD", test.getFirst());
            assertEquals(unit.one("Container", "HealthCmd"), String.join(" ", test.subList(1, test.size())), name);
        }
        Unit haia = Unit.read(DEPLOY.resolve("haia.container"));
        assertEquals(haia.one("Container", "StopTimeout") + "s",
                     ((Map<String, Object>) services.get("haia")).get("stop_grace_period"));
    }

    @Test
    void composeEnvExampleNamesEveryVariableTheComposeFileNeeds() throws IOException {
        String compose = Files.readString(DEPLOY.resolve("compose.yaml"));
        Matcher needed = Pattern.compile("\\$\\{([A-Z_]+):\\?").matcher(compose);
        String example = Files.readString(DEPLOY.resolve("compose.env.example"));
        int count = 0;
        while (needed.find()) {
            count++;
            assertTrue(Pattern.compile("(?m)^" + needed.group(1) + "=").matcher(example).find(), needed.group(1));
        }
        assertEquals(3, count);
    }

    /** The parser itself: a test of the unit files must be able to fail. */
    @Test
    void theUnitParserRejectsWhatSystemdWouldNot() {
        assertThrows(IllegalArgumentException.class, () -> Unit.parse("Image=x\n"), "a key outside a section");
        assertThrows(IllegalArgumentException.class, () -> Unit.parse("[Container]\nImage\n"), "no '='");
        assertThrows(IllegalArgumentException.class, () -> Unit.parse("[Container\nImage=x\n"), "bad header");
        Unit unit = Unit.parse("# c\n[Container]\n; c\nEnvironment=A=1\nEnvironment=B=2 \\\n  3\n");
        assertEquals(List.of("A=1", "B=2 3"), unit.all("Container", "Environment"));
        assertThrows(IllegalArgumentException.class, () -> secretVariable("haia_api_key"));
    }

    // ---- helpers ----

    /** HealthCmd runs a program inside HAIA's image: the repository must ship it there. */
    private static void assertImageProvides(String command) throws IOException {
        String program = command.split(" ")[0];
        assertTrue(program.startsWith("/app/bin/"), program);
        Path source = Path.of("bin", program.substring("/app/bin/".length()));
        if (Files.exists(source)) {
            // issue 12's healthcheck script: copied into /app/bin/ by the Containerfile, and executable
            assertTrue(Files.isExecutable(source), source + " is executable");
            Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(.*) /app/bin/$").matcher(containerfile());
            List<String> copied = new ArrayList<>();
            while (copy.find()) {
                copied.addAll(List.of(copy.group(1).split(" ")));
            }
            assertTrue(copied.contains(source.toString()), "the Containerfile copies " + source + ": " + copied);
        } else {
            // until bin/healthcheck lands, the image's own HEALTHCHECK is the contract that script takes over:
            // it passes only while /health answers "status":"UP" on SERVER_PORT
            String containerfile = containerfile();
            assertTrue(containerfile.contains("HEALTHCHECK"), "the image declares a health check");
            assertTrue(containerfile.contains("GET /health") && containerfile.contains("\\\"status\\\":\\\"UP\\\""),
                       "it probes /health for UP");
        }
    }

    private static String containerfile() throws IOException {
        return Files.readString(Path.of("Containerfile"), StandardCharsets.UTF_8);
    }

    /** A variable the Containerfile sets with ENV (e.g. SERVER_PORT=8000). */
    private static String containerEnv(String name) throws IOException {
        Matcher m = Pattern.compile("\\b" + name + "=(\\S+)").matcher(containerfile());
        assertTrue(m.find(), name + " in the Containerfile");
        return m.group(1);
    }

    /** The unit's Environment= lines as a map. */
    static Map<String, String> environment(Unit unit) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : unit.all("Container", "Environment")) {
            int eq = line.indexOf('=');
            assertTrue(eq > 0, line);
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return env;
    }

    /**
     * The keys the unit takes from podman secrets: variable → secret name. An env-type secret is its target
     * variable; a file (type=mount) is the variable whose {@code <VARIABLE>_FILE} names the file's path.
     */
    static Map<String, String> secretVariables(Unit unit) {
        Map<String, String> byPath = new TreeMap<>();
        environment(unit).forEach((name, value) -> {
            if (name.endsWith("_FILE")) {
                byPath.put(value, name.substring(0, name.length() - "_FILE".length()));
            }
        });
        Map<String, String> secrets = new TreeMap<>();
        for (String line : unit.all("Container", "Secret")) {
            String name = line.split(",")[0];
            Map<String, String> options = secretOptions(line);
            switch (options.getOrDefault("type", "mount")) {
                case "env" -> secrets.put(options.get("target"), name);
                case "mount" -> {
                    String target = options.getOrDefault("target", name);
                    String path = target.startsWith("/") ? target : "/run/secrets/" + target;
                    assertTrue(byPath.containsKey(path), line + ": no Environment=..._FILE=" + path + " names it");
                    secrets.put(byPath.get(path), name);
                }
                default -> throw new AssertionError(line + ": type=env or type=mount");
            }
        }
        return secrets;
    }

    /** A Secret= line's options after the secret's name (type=mount,target=...). */
    static Map<String, String> secretOptions(String line) {
        Map<String, String> options = new TreeMap<>();
        String[] parts = line.split(",");
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            options.put(kv[0], kv[1]);
        }
        return options;
    }

    /** The compose variable that stands for a podman secret: haia-api-key → HAIA_API_KEY. */
    static String secretVariable(String secret) {
        if (!secret.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("secret names are lower-case words joined by '-': " + secret);
        }
        return secret.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        Object root = yaml.load(Files.readString(file, StandardCharsets.UTF_8));
        assertTrue(root instanceof Map, file + " is a YAML mapping");
        return (Map<String, Object>) root;
    }

    /** A systemd unit file (systemd.syntax(7)): sections of keys, each key possibly repeated, in file order. */
    record Unit(Map<String, Map<String, List<String>>> sections) {

        static Unit read(Path file) throws IOException {
            assertTrue(Files.isRegularFile(file), file + " exists");
            try {
                return parse(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new AssertionError(file + ": " + e.getMessage(), e);
            }
        }

        static Unit parse(String text) {
            Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
            Map<String, List<String>> current = null;
            String pending = null;
            int number = 0;
            for (String raw : text.split("\n", -1)) {
                number++;
                String line = pending == null ? raw.strip() : pending + " " + raw.strip();
                pending = null;
                if (line.endsWith("\\")) {
                    pending = line.substring(0, line.length() - 1).strip();
                    continue;
                }
                if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                    continue;
                }
                if (line.startsWith("[")) {
                    if (!line.matches("\\[[A-Za-z]+]")) {
                        throw new IllegalArgumentException("line " + number + ": bad section header " + line);
                    }
                    current = sections.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
                    continue;
                }
                int eq = line.indexOf('=');
                if (current == null || eq <= 0) {
                    throw new IllegalArgumentException("line " + number + ": expected Key=value in a section: " + line);
                }
                current.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                        .add(line.substring(eq + 1).strip());
            }
            return new Unit(sections);
        }

        Map<String, List<String>> section(String name) {
            return sections.getOrDefault(name, Map.of());
        }

        List<String> all(String section, String key) {
            return section(section).getOrDefault(key, List.of());
        }

        String one(String section, String key) {
            List<String> values = all(section, key);
            assertEquals(1, values.size(), "[" + section + "] " + key + "= once");
            return values.getFirst();
        }
    }
}
