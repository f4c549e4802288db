package haia.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.common.LazyValue;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * The configuration's values, typed: the layers merged (environment, {@code .env}, the YAML file, the defaults in the
 * jar), and each value read as what it must be. A reader never throws: it records a problem naming where the value
 * came from and returns a stand-in, so that every problem is found in one pass.
 */
final class ConfigValues {

    private static final String DEFAULTS_RESOURCE = "haia-defaults/application.yaml";
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    /** Where a value came from, highest priority first. */
    enum Source {
        /** A variable of the process's environment. */
        ENVIRONMENT,
        /** A variable in the working directory's {@code .env} file. */
        DOT_ENV,
        /** The file a {@code <NAME>_FILE} variable names. */
        SECRET_FILE,
        /** The YAML file. */
        YAML,
        /** HAIA's defaults, in the jar (or nobody: the key is not set at all). */
        DEFAULT
    }

    private final Map<String, String> keyToEnv = new HashMap<>();
    private final List<String> problems;
    /** Keys set by a variable (environment, .env or a secret file), which problems with them name. */
    private final Map<String, Source> fromVariables = new HashMap<>();
    private Config config;
    /**
     * The YAML file alone: a value found there (and not set by a variable) is blamed on the file. Read only when a
     * problem is to be named, not at every start; empty when the file no longer parses by then.
     */
    private final LazyValue<Optional<Config>> yamlOnly = LazyValue.create(this::readYamlAlone);
    private Optional<Path> yamlFile = Optional.empty();

    ConfigValues(Map<String, String> processEnv, Path workDir, List<String> problems) {
        this.problems = problems;
        Variables.ENV.forEach((env, key) -> keyToEnv.put(key, env));
        Path dotEnv = workDir.resolve(".env");
        Map<String, String> env = new LinkedHashMap<>(DotEnv.read(dotEnv, problems));
        env.putAll(processEnv);
        Set<String> fromFiles = SecretFiles.resolve(env, workDir, problems, Variables.FROM_FILE);

        Map<String, String> overrides = new HashMap<>();
        Variables.ENV.forEach((name, key) -> {
            String value = env.get(name);
            if (value != null) {
                overrides.put(key, value.strip());
                fromVariables.put(key, fromFiles.contains(name) ? Source.SECRET_FILE
                        : processEnv.containsKey(name) ? Source.ENVIRONMENT : Source.DOT_ENV);
            }
        });

        Config.Builder builder = onlyGivenSources().addSource(ConfigSources.create(overrides, "environment"));
        Optional<String> configFile = Optional.ofNullable(env.get(Variables.CONFIG_FILE)).filter(s -> !s.isBlank());
        Path yaml = workDir.resolve(configFile.orElse("config/application.yaml"));
        if (Files.isRegularFile(yaml)) {
            builder.addSource(ConfigSources.file(yaml));
            yamlFile = Optional.of(yaml.toAbsolutePath().normalize());
        } else if (configFile.isPresent()) {
            problems.add(Variables.CONFIG_FILE + ": file " + yaml + " does not exist");
        }
        builder.addSource(ConfigSources.classpath(DEFAULTS_RESOURCE));
        try {
            config = builder.build();
        } catch (io.helidon.config.ConfigException e) {
            // nothing else can be read without it: one line naming the file, the line and the column
            problems.add(YamlProblem.describe(yamlFile.orElse(yaml), e));
            throw new ConfigException(problems);
        }
    }

    /** The merged configuration, for what is read as a whole (lists of models, a provider's own settings). */
    Config config() {
        return config;
    }

    /** The YAML file in use, if any. */
    Optional<Path> yamlFile() {
        return yamlFile;
    }

    /** Where the value of {@code key} came from. */
    Source source(String key) {
        Source variable = fromVariables.get(key);
        if (variable != null) {
            return variable;
        }
        return yamlOnly.get().map(yaml -> yaml.get(key).exists()).orElse(false) ? Source.YAML : Source.DEFAULT;
    }

    /**
     * A Helidon configuration of the sources added to it and nothing else: HAIA reads its variables itself (only the
     * registered ones, {@link Variables}), so Helidon's environment and system-property sources and its
     * {@code ${...}} resolving stay off.
     */
    private static Config.Builder onlyGivenSources() {
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .disableValueResolving();
    }

    private Optional<Config> readYamlAlone() {
        try {
            return yamlFile.map(file -> onlyGivenSources().addSource(ConfigSources.file(file)).build());
        } catch (io.helidon.config.ConfigException e) {
            // edited since it was read: its problem is named by the variable that would set the key instead
            return Optional.empty();
        }
    }

    /**
     * Where a problem's value came from: the variable that set it ({@code SERVER_PORT (server.port)}), or, for a
     * value from the YAML file, the key in that file; a value nobody set is named by the variable that would set it.
     */
    String name(String key) {
        String env = keyToEnv.get(key);
        if (source(key) == Source.YAML) {
            return key + " in " + yamlFile.orElseThrow();
        }
        return env != null ? env + " (" + key + ")" : key;
    }

    /** The setting an operator changes for this key: its environment variable, else the YAML key. */
    String setting(String key) {
        return keyToEnv.getOrDefault(key, key);
    }

    String string(String key) {
        return config.get(key).asString().orElseGet(() -> {
            problems.add(name(key) + " is missing");
            return "";
        }).strip();
    }

    Optional<String> optionalString(String key) {
        return config.get(key).asString().map(String::strip).filter(s -> !s.isEmpty());
    }

    Optional<Secret> secret(String key) {
        return optionalString(key).map(Secret::new);
    }

    List<String> list(String key) {
        Config node = config.get(key);
        List<String> values = node.type() == Config.Type.LIST
                ? node.asList(String.class).orElse(List.of())
                : node.asString().map(s -> Arrays.asList(s.split(","))).orElse(List.of());
        return values.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    boolean bool(String key) {
        String raw = string(key).toLowerCase(Locale.ROOT);
        return switch (raw) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off", "" -> false;
            default -> {
                problems.add(name(key) + " must be true or false, got '" + raw + "'");
                yield false;
            }
        };
    }

    int positiveInt(String key) {
        String raw = string(key);
        try {
            int value = Integer.parseInt(raw);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name(key) + " must be a positive integer, got '" + raw + "'");
        return 1;
    }

    OptionalInt optionalPositiveInt(String key) {
        return optionalString(key).isPresent() ? OptionalInt.of(positiveInt(key)) : OptionalInt.empty();
    }

    long positiveLong(String key) {
        String raw = string(key);
        try {
            long value = Long.parseLong(raw);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name(key) + " must be a positive integer, got '" + raw + "'");
        return 1;
    }

    int port(String key) {
        String raw = string(key);
        try {
            int value = Integer.parseInt(raw);
            if (value >= 0 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name(key) + " must be a port number (0-65535), got '" + raw + "'");
        return 0;
    }

    OptionalDouble optionalTemperature(String key) {
        Optional<String> raw = optionalString(key);
        if (raw.isEmpty()) {
            return OptionalDouble.empty();
        }
        try {
            double value = Double.parseDouble(raw.get());
            if (value >= 0 && value <= 2) {
                return OptionalDouble.of(value);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name(key) + " must be a number from 0 to 2, got '" + raw.get() + "'");
        return OptionalDouble.empty();
    }

    /** Accepts ISO-8601 ({@code PT30S}) or the short forms {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    Duration duration(String key) {
        String raw = string(key);
        Matcher simple = SIMPLE_DURATION.matcher(raw.toLowerCase(Locale.ROOT));
        try {
            Duration value;
            if (simple.matches()) {
                long amount = Long.parseLong(simple.group(1));
                value = switch (simple.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            } else {
                value = Duration.parse(raw);
            }
            if (!value.isNegative() && !value.isZero()) {
                return value;
            }
        } catch (DateTimeParseException | NumberFormatException ignored) {
            // reported below
        }
        problems.add(name(key) + " must be a positive duration such as 30s, 500ms or PT1M, got '" + raw + "'");
        return Duration.ofSeconds(1);
    }

    /** A required size, such as {@code 16MB}. */
    long size(String key) {
        String raw = string(key);
        return raw.isEmpty() ? 1 : optionalSize(key).orElse(1);
    }

    /** A size such as {@code 500MB}, {@code 2GB} or a number of bytes; empty means no limit. */
    java.util.OptionalLong optionalSize(String key) {
        Optional<String> raw = optionalString(key);
        if (raw.isEmpty()) {
            return java.util.OptionalLong.empty();
        }
        Matcher m = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb|tb)?").matcher(raw.get().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long value = Long.parseLong(m.group(1));
            long unit = switch (m.group(2) == null ? "b" : m.group(2)) {
                case "kb" -> 1L << 10;
                case "mb" -> 1L << 20;
                case "gb" -> 1L << 30;
                case "tb" -> 1L << 40;
                default -> 1L;
            };
            if (value > 0 && value <= Long.MAX_VALUE / unit) {
                return java.util.OptionalLong.of(value * unit);
            }
        }
        problems.add(name(key) + " must be a size such as 500MB or 2GB, got '" + raw.get() + "'");
        return java.util.OptionalLong.empty();
    }

    URI url(String key, String fallback) {
        String raw = optionalString(key).orElse(fallback);
        try {
            URI uri = new URI(raw);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        problems.add(name(key) + " must be an http(s) URL such as https://api.example.com, got " + masked(raw));
        return URI.create(fallback);
    }

    /**
     * A URL value as a config error may show it: only its scheme and host. A base URL can carry a credential (in its
     * user info, path or query), and an error message ends up in logs and terminals.
     */
    static String masked(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getScheme() != null && uri.getHost() != null) {
                return "'" + uri.getScheme() + "://" + uri.getHost() + "/…' (the rest is not shown: it may hold a credential)";
            }
        } catch (URISyntaxException notAUrl) {
            // nothing of it can be shown safely
        }
        return "a value that is not a URL (not shown: it may hold a credential)";
    }

    String headerName(String key) {
        String raw = string(key);
        if (!raw.matches("[A-Za-z0-9-]+")) {
            problems.add(name(key) + " must be an HTTP header name, got '" + raw + "'");
        }
        return raw;
    }
}
