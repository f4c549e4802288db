package haia.config;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.llm.ProviderOption;
import haia.llm.Providers;
import haia.net.AddressRule;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * Builds {@link HaiaConfig} from three layers, highest priority first:
 * <ol>
 *     <li>environment variables (only the names in {@link #ENV}; a secret may come from a file named by
 *         {@code <NAME>_FILE}, as Podman secrets and the official database images do it),</li>
 *     <li>a {@code .env} file in the working directory,</li>
 *     <li>the YAML file named by {@code HAIA_CONFIG} (default {@code config/application.yaml}), on top of the
 *         defaults shipped inside the jar.</li>
 * </ol>
 * Every value is checked; all problems are reported together in one {@link ConfigException}, each naming where the
 * value came from: the environment variable, or the key and the YAML file.
 */
public final class ConfigLoader {

    /** The public environment interface: variable name → config key. */
    static final Map<String, String> ENV = envTable();

    /** Settings every provider has; the rest are its protocol's own options ({@link ProviderDescriptor#options()}). */
    private static final Set<String> PROVIDER_KEYS = Set.of("type", "base-url", "api-key");
    private static final String DEFAULTS_RESOURCE = "haia-defaults/application.yaml";
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

    private final Map<String, String> keyToEnv = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    /** Keys set by a variable (environment or .env), which problems with them name. */
    private final Set<String> fromVariables = new java.util.HashSet<>();
    private Config config;
    /** The YAML file alone: a value found there (and not set by a variable) is blamed on the file. */
    private Optional<Config> yamlOnly = Optional.empty();
    private Optional<Path> yamlFile = Optional.empty();

    private ConfigLoader() {
        ENV.forEach((env, key) -> keyToEnv.put(key, env));
    }

    /** Loads the configuration of the running process. */
    public static HaiaConfig fromEnvironment() {
        return load(System.getenv(), Path.of("").toAbsolutePath());
    }

    /**
     * Loads the configuration as a process with environment {@code env} started in {@code workDir} would.
     *
     * @throws ConfigException listing every problem found
     */
    public static HaiaConfig load(Map<String, String> env, Path workDir) {
        return new ConfigLoader().build(env, workDir);
    }

    private HaiaConfig build(Map<String, String> processEnv, Path workDir) {
        Path dotEnv = workDir.resolve(".env");
        Map<String, String> env = new LinkedHashMap<>(DotEnv.read(dotEnv, problems));
        env.putAll(processEnv);
        SecretFiles.resolve(env, workDir, problems, secretVariables());

        Map<String, String> overrides = new HashMap<>();
        ENV.forEach((name, key) -> {
            String value = env.get(name);
            if (value != null) {
                overrides.put(key, value.strip());
                fromVariables.add(key);
            }
        });

        Config.Builder builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .disableValueResolving()
                .addSource(ConfigSources.create(overrides, "environment"));
        Optional<String> configFile = Optional.ofNullable(env.get("HAIA_CONFIG")).filter(s -> !s.isBlank());
        Path yaml = workDir.resolve(configFile.orElse("config/application.yaml"));
        if (Files.isRegularFile(yaml)) {
            builder.addSource(ConfigSources.file(yaml));
            yamlFile = Optional.of(yaml.toAbsolutePath().normalize());
        } else if (configFile.isPresent()) {
            problems.add("HAIA_CONFIG: file " + yaml + " does not exist");
        }
        builder.addSource(ConfigSources.classpath(DEFAULTS_RESOURCE));
        try {
            config = builder.build();
            if (yamlFile.isPresent()) {
                yamlOnly = Optional.of(Config.builder().disableEnvironmentVariablesSource()
                                               .disableSystemPropertiesSource().disableValueResolving()
                                               .addSource(ConfigSources.file(yamlFile.get())).build());
            }
        } catch (io.helidon.config.ConfigException e) {
            // nothing else can be read without it: one line naming the file, the line and the column
            problems.add(YamlProblem.describe(yamlFile.orElse(yaml), e));
            throw new ConfigException(problems);
        }

        HaiaConfig.Server server = new HaiaConfig.Server(
                string("server.host"),
                port("server.port"),
                positiveLong("server.max-body-bytes"),
                duration("server.shutdown-grace"),
                duration("server.keep-alive"),
                duration("server.client-read-timeout"));
        HaiaConfig.Security security = new HaiaConfig.Security(
                secret("security.api-key"),
                bool("security.metrics-require-key"),
                list("security.cors-origins"));
        HaiaConfig.Store store = store(workDir);
        HaiaConfig.Chat chat = new HaiaConfig.Chat(
                positiveInt("chat.context-window"),
                positiveInt("chat.max-tokens"),
                optionalString("chat.persona-file").map(workDir::resolve),
                positiveInt("chat.max-message-chars"),
                headerName("chat.conversation-header"),
                headerName("chat.chat-id-header"),
                headerName("chat.task-header"),
                (int) Math.min(Integer.MAX_VALUE - 8, size("chat.max-image-bytes")),
                positiveInt("chat.context-window-step"),
                bool("chat.prompt-cache"),
                optionalPositiveInt("chat.context-tokens"),
                imageFetch());
        HaiaConfig.Tasks tasks = new HaiaConfig.Tasks(
                bool("tasks.detect-by-shape"),
                bool("tasks.persona"),
                optionalString("tasks.model"));

        List<HaiaConfig.Model> models = models(workDir);
        Optional<String> defaultModel = defaultModel(models);
        Map<String, HaiaConfig.Provider> providers = providers(models);
        checkModelReferences(models, tasks);

        HaiaConfig.Resilience resilience = new HaiaConfig.Resilience(
                positiveInt("resilience.max-attempts"),
                duration("resilience.initial-backoff"),
                duration("resilience.max-backoff"),
                duration("resilience.retry-deadline"),
                duration("resilience.connect-timeout"),
                duration("resilience.first-token-timeout"),
                duration("resilience.request-timeout"),
                breakerFailures(),
                duration("resilience.breaker.delay"),
                positiveInt("resilience.max-inflight"),
                duration("resilience.queue-timeout"),
                positiveInt("resilience.max-reply-chars"),
                size("resilience.max-upstream-bytes"));

        ToolsConfig tools = new ToolsConfigLoader(config, problems, this::name, this::positiveInt, this::duration)
                .read(workDir);
        WatchConfig watch = new WatchConfigLoader(config, problems, this::name, this::positiveInt, this::duration,
                                                  this::list).read(models);

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new HaiaConfig(server, security, store, chat, tasks, models, defaultModel, providers, resilience, tools,
                              watch, new HaiaConfig.Origin(workDir.toAbsolutePath().normalize(),
                                                    Files.isRegularFile(dotEnv)
                                                            ? Optional.of(dotEnv.toAbsolutePath().normalize())
                                                            : Optional.empty(),
                                                    yamlFile));
    }

    /** SQLite at {@code store.db-path}, or the PostgreSQL server {@code store.url} names. */
    private HaiaConfig.Store store(Path workDir) {
        HaiaConfig.Store.Pool pool = new HaiaConfig.Store.Pool(
                positiveInt("store.pool-size"),
                duration("store.connect-timeout"),
                duration("store.query-timeout"),
                duration("store.lease-ttl"));
        java.util.OptionalLong maxBytes = optionalSize("store.max-size");
        Optional<HaiaConfig.Store.Server> server = optionalString("store.url").flatMap(url -> PostgresUrl.parse(
                url, optionalString("store.user"), secret("store.password"), problems));
        if (server.isPresent() && maxBytes.isPresent()) {
            problems.add(name("store.max-size") + " applies to SQLite only; with PostgreSQL, watch the server's disk"
                                 + " (or set a quota there) instead");
        }
        return new HaiaConfig.Store(workDir.resolve(string("store.db-path")), maxBytes, server, pool);
    }

    /**
     * The models list from YAML; without one, a single model {@code haia} served by {@code HAIA_PROVIDER} with
     * upstream model {@code HAIA_MODEL} (the simple, environment-only set-up).
     */
    private List<HaiaConfig.Model> models(Path workDir) {
        List<Config> nodes = config.get("models").asNodeList().orElse(List.of());
        if (nodes.isEmpty()) {
            String provider = string("haia.provider").toLowerCase(Locale.ROOT);
            String upstream = optionalString("haia.model").orElse(Providers.byType(provider)
                                                                           .map(ProviderDescriptor::defaultModel)
                                                                           .orElse(""));
            return List.of(new HaiaConfig.Model("haia", provider, upstream, OptionalInt.empty(), OptionalDouble.empty(),
                                                Optional.empty(), OptionalInt.empty(), Optional.empty(),
                                                capabilities("haia.capabilities"), OptionalInt.empty(),
                                                Optional.empty()));
        }
        List<HaiaConfig.Model> models = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            String at = "models." + i;
            String id = string(at + ".id");
            if (!id.isEmpty() && !MODEL_ID.matcher(id).matches()) {
                problems.add(at + ".id: '" + id + "' is not a usable model id (letters, digits and ._:/- only)");
            }
            if (!seen.add(id)) {
                problems.add(at + ".id: model id '" + id + "' is declared twice");
            }
            String provider = string(at + ".provider");
            models.add(new HaiaConfig.Model(
                    id,
                    provider,
                    string(at + ".upstream-model"),
                    optionalPositiveInt(at + ".max-tokens"),
                    optionalTemperature(at + ".temperature"),
                    optionalString(at + ".persona-file").map(workDir::resolve),
                    optionalPositiveInt(at + ".context-window"),
                    optionalString(at + ".fallback"),
                    capabilities(at + ".capabilities"),
                    optionalPositiveInt(at + ".context-tokens"),
                    price(at + ".price")));
        }
        return models;
    }

    /**
     * What a model can do, when configured: a list ({@code [images, tools]}, or {@code images, tools} from a
     * variable) that replaces its provider type's defaults; {@code []} (or {@code none}) for plain text only.
     */
    private Optional<Set<Capability>> capabilities(String key) {
        Config node = config.get(key);
        if (!node.exists()) {
            return Optional.empty();
        }
        List<String> names = list(key);
        if (node.type() != Config.Type.LIST && names.isEmpty()) {
            return Optional.empty();   // an empty variable: the defaults
        }
        Set<Capability> capabilities = java.util.EnumSet.noneOf(Capability.class);
        for (String name : names) {
            if (name.equalsIgnoreCase("none")) {
                continue;
            }
            Capability.of(name.toLowerCase(Locale.ROOT)).ifPresentOrElse(capabilities::add, () -> problems.add(
                    name(key) + ": unknown capability '" + name + "' (known: images, tools, thinking, json)"));
        }
        return Optional.of(capabilities);
    }

    /**
     * {@code models[].price}: {@code input} and {@code output} (required), {@code cache-read} and {@code cache-write}
     * (optional), each in US dollars per million tokens.
     */
    private Optional<HaiaConfig.PriceSetting> price(String key) {
        Config node = config.get(key);
        if (!node.exists()) {
            return Optional.empty();
        }
        if (node.type() != Config.Type.OBJECT) {
            problems.add(name(key) + " must be a map with input, output, cache-read and cache-write (US dollars per"
                                 + " million tokens)");
            return Optional.empty();
        }
        node.asMap().orElse(Map.of()).keySet().stream()
                .map(k -> k.substring(key.length() + 1))
                .filter(k -> !Set.of("input", "output", "cache-read", "cache-write").contains(k))
                .forEach(k -> problems.add(name(key + "." + k) + ": unknown price key (known: input, output,"
                                                   + " cache-read, cache-write)"));
        Optional<BigDecimal> input = rate(key + ".input");
        Optional<BigDecimal> output = rate(key + ".output");
        for (String required : List.of("input", "output")) {
            if (optionalString(key + "." + required).isEmpty()) {
                problems.add(name(key + "." + required) + " is missing: a price needs input and output (US dollars"
                                     + " per million tokens; 0 for a free model)");
            }
        }
        Optional<BigDecimal> cacheRead = rate(key + ".cache-read");
        Optional<BigDecimal> cacheWrite = rate(key + ".cache-write");
        if (input.isEmpty() || output.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HaiaConfig.PriceSetting(input.get(), output.get(), cacheRead, cacheWrite));
    }

    /** A price in US dollars per million tokens, such as {@code 0.075}; empty when missing or invalid. */
    private Optional<BigDecimal> rate(String key) {
        Optional<String> raw = optionalString(key);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            BigDecimal usd = new BigDecimal(raw.get());
            if (HaiaConfig.PriceSetting.valid(usd)) {
                return Optional.of(usd);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(name(key) + " must be US dollars per million tokens, a number from 0 to "
                             + HaiaConfig.PriceSetting.MAX_USD_PER_MILLION + " with at most 6 decimals (such as 0.075),"
                             + " got '" + raw.get() + "'");
        return Optional.empty();
    }

    private Optional<String> defaultModel(List<HaiaConfig.Model> models) {
        Optional<String> configured = optionalString("default-model");
        if (config.get("models").asNodeList().orElse(List.of()).isEmpty()) {
            // environment-only set-up: the single model answers whatever model name a client sends
            return Optional.of(models.getFirst().id());
        }
        configured.ifPresent(id -> {
            if (models.stream().noneMatch(m -> m.id().equals(id))) {
                problems.add("default-model: '" + id + "' is not one of the configured models");
            }
        });
        return configured;
    }

    private Map<String, HaiaConfig.Provider> providers(List<HaiaConfig.Model> models) {
        Map<String, HaiaConfig.Provider> providers = new LinkedHashMap<>();
        for (HaiaConfig.Model model : models) {
            String name = model.provider();
            if (name.isEmpty() || providers.containsKey(name)) {
                continue;
            }
            Config node = config.get("providers." + name);
            String type = node.get("type").asString().orElse(name).toLowerCase(Locale.ROOT);
            Optional<ProviderDescriptor> known = Providers.byType(type);
            if (known.isEmpty()) {
                problems.add("model '" + model.id() + "': provider '" + name + "' has unknown type '" + type
                                     + "' (known: " + String.join(", ", Providers.ALL.stream()
                                                                         .map(ProviderDescriptor::type).toList()) + ")");
                continue;
            }
            ProviderDescriptor descriptor = known.get();
            String at = "providers." + name;
            URI baseUrl = url(at + ".base-url", descriptor.defaultBaseUrl().toString());
            Optional<Secret> apiKey = secret(at + ".api-key");
            if (apiKey.isEmpty() && descriptor.keyRequired()) {
                problems.add(name(at + ".api-key") + " is required: model '" + model.id() + "' uses the "
                                     + type + " provider, which needs an API key");
            }
            if (model.upstreamModel().isBlank()) {
                problems.add("model '" + model.id() + "': no upstream model name (HAIA_MODEL or models[].upstream-model)");
            }
            Map<String, String> options = options(descriptor, at, node);
            providers.put(name, new HaiaConfig.Provider(name, type, baseUrl, apiKey, options,
                                                        setting(at + ".base-url"), setting(at + ".api-key")));
        }
        return providers;
    }

    /**
     * A provider's own settings, as its protocol declares them: each checked, the defaults filled in, and anything
     * else under {@code providers.<name>} reported (a typo would otherwise be silently ignored).
     */
    private Map<String, String> options(ProviderDescriptor descriptor, String at, Config node) {
        Map<String, String> options = new LinkedHashMap<>();
        node.asMap().orElse(Map.of()).forEach((key, value) -> {
            String option = key.substring(at.length() + 1);
            if (PROVIDER_KEYS.contains(option)) {
                return;
            }
            Optional<ProviderOption> known = descriptor.option(option);
            if (known.isEmpty()) {
                problems.add(name(key) + " is not a setting of the " + descriptor.type() + " provider (its settings: "
                                     + String.join(", ", settingsOf(descriptor)) + ")");
            } else if (!value.isBlank()) {
                known.get().problem(value.strip()).ifPresentOrElse(problem -> problems.add(name(key) + " " + problem),
                                                                   () -> options.put(option, value.strip()));
            }
        });
        for (ProviderOption option : descriptor.options()) {
            option.defaultValue().ifPresent(value -> options.putIfAbsent(option.key(), value));
        }
        return options;
    }

    private static List<String> settingsOf(ProviderDescriptor descriptor) {
        List<String> settings = new ArrayList<>(List.of("type", "base-url", "api-key"));
        descriptor.options().forEach(o -> settings.add(o.key()));
        return settings;
    }

    private void checkModelReferences(List<HaiaConfig.Model> models, HaiaConfig.Tasks tasks) {
        Set<String> ids = new java.util.HashSet<>();
        models.forEach(m -> ids.add(m.id()));
        for (HaiaConfig.Model model : models) {
            model.fallback().ifPresent(fallback -> {
                if (!ids.contains(fallback)) {
                    problems.add("model '" + model.id() + "': fallback '" + fallback + "' is not a configured model");
                } else if (fallback.equals(model.id())) {
                    problems.add("model '" + model.id() + "': a model cannot be its own fallback");
                }
            });
            if (model.provider().isEmpty()) {
                problems.add("model '" + model.id() + "': no provider (HAIA_PROVIDER or models[].provider)");
            }
        }
        tasks.model().ifPresent(id -> {
            if (!ids.contains(id)) {
                problems.add("tasks.model: '" + id + "' is not one of the configured models");
            }
        });
    }

    // ---- typed readers; each records a problem naming the env variable or key instead of throwing ----

    /**
     * Where a problem's value came from: the variable that set it ({@code SERVER_PORT (server.port)}), or, for a
     * value from the YAML file, the key in that file; a value nobody set is named by the variable that would set it.
     */
    private String name(String key) {
        String env = keyToEnv.get(key);
        boolean fromYaml = !fromVariables.contains(key) && yamlOnly.map(y -> y.get(key).exists()).orElse(false);
        if (fromYaml) {
            return key + " in " + yamlFile.orElseThrow();
        }
        return env != null ? env + " (" + key + ")" : key;
    }

    /** The setting an operator changes for this key: its environment variable, else the YAML key. */
    private String setting(String key) {
        return keyToEnv.getOrDefault(key, key);
    }

    private String string(String key) {
        return config.get(key).asString().orElseGet(() -> {
            problems.add(name(key) + " is missing");
            return "";
        }).strip();
    }

    /**
     * The breaker's count of failed requests in a row. Its keys of before (a rolling window of attempts and an error
     * ratio, which let two bad requests open it) no longer mean anything: a file that still sets them is told so.
     */
    private int breakerFailures() {
        for (String retired : List.of("resilience.breaker.volume", "resilience.breaker.error-ratio")) {
            if (config.get(retired).exists()) {
                problems.add(name(retired) + " is no longer used: the circuit breaker now opens after"
                        + " resilience.breaker.failures requests in a row failed (default 5); remove " + retired);
            }
        }
        return positiveInt("resilience.breaker.failures");
    }

    /** How HAIA fetches pictures given by URL; each allow-list entry an address range, address or host name. */
    private HaiaConfig.ImageFetch imageFetch() {
        List<String> allow = list("chat.image-fetch.allow");
        allow.forEach(entry -> AddressRule.problem(entry).ifPresent(problem -> problems.add(
                name("chat.image-fetch.allow") + ": " + problem)));
        return new HaiaConfig.ImageFetch(allow, duration("chat.image-fetch.timeout"),
                                         positiveInt("chat.image-fetch.max-urls"), size("chat.image-fetch.max-bytes"));
    }

    private Optional<String> optionalString(String key) {
        return config.get(key).asString().map(String::strip).filter(s -> !s.isEmpty());
    }

    private Optional<Secret> secret(String key) {
        return optionalString(key).map(Secret::new);
    }

    private List<String> list(String key) {
        Config node = config.get(key);
        List<String> values = node.type() == Config.Type.LIST
                ? node.asList(String.class).orElse(List.of())
                : node.asString().map(s -> Arrays.asList(s.split(","))).orElse(List.of());
        return values.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private boolean bool(String key) {
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

    private int positiveInt(String key) {
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

    private OptionalInt optionalPositiveInt(String key) {
        return optionalString(key).isPresent() ? OptionalInt.of(positiveInt(key)) : OptionalInt.empty();
    }

    private long positiveLong(String key) {
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

    private int port(String key) {
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

    private OptionalDouble optionalTemperature(String key) {
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
    private Duration duration(String key) {
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
    private long size(String key) {
        String raw = string(key);
        return raw.isEmpty() ? 1 : optionalSize(key).orElse(1);
    }

    /** A size such as {@code 500MB}, {@code 2GB} or a number of bytes; empty means no limit. */
    private java.util.OptionalLong optionalSize(String key) {
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

    private URI url(String key, String fallback) {
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

    private String headerName(String key) {
        String raw = string(key);
        if (!raw.matches("[A-Za-z0-9-]+")) {
            problems.add(name(key) + " must be an HTTP header name, got '" + raw + "'");
        }
        return raw;
    }

    /** Variables that may come from a file ({@code <NAME>_FILE}): HAIA's and the database's, and every provider key. */
    private static List<String> secretVariables() {
        List<String> names = new ArrayList<>(SecretFiles.HAIA_NAMES);
        names.addAll(WatchConfigLoader.SECRET_VARIABLES);
        Providers.ALL.forEach(provider -> provider.apiKeyEnv().ifPresent(names::add));
        return names;
    }

    private static Map<String, String> envTable() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_HOST", "server.host");
        env.put("SERVER_PORT", "server.port");
        env.put("HAIA_MAX_BODY_BYTES", "server.max-body-bytes");
        env.put("HAIA_SHUTDOWN_GRACE", "server.shutdown-grace");
        env.put("HAIA_KEEP_ALIVE", "server.keep-alive");
        env.put("HAIA_CLIENT_READ_TIMEOUT", "server.client-read-timeout");
        env.put("HAIA_API_KEY", "security.api-key");
        env.put("HAIA_METRICS_REQUIRE_KEY", "security.metrics-require-key");
        env.put("HAIA_CORS_ORIGINS", "security.cors-origins");
        env.put("HAIA_DB_PATH", "store.db-path");
        env.put("HAIA_DB_MAX_SIZE", "store.max-size");
        env.put("HAIA_DB_URL", "store.url");
        env.put("HAIA_DB_USER", "store.user");
        env.put("HAIA_DB_PASSWORD", "store.password");
        env.put("HAIA_DB_POOL_SIZE", "store.pool-size");
        env.put("HAIA_DB_CONNECT_TIMEOUT", "store.connect-timeout");
        env.put("HAIA_DB_QUERY_TIMEOUT", "store.query-timeout");
        env.put("HAIA_DB_LEASE_TTL", "store.lease-ttl");
        env.put("HAIA_CONTEXT_WINDOW", "chat.context-window");
        env.put("HAIA_CONTEXT_WINDOW_STEP", "chat.context-window-step");
        env.put("HAIA_CONTEXT_TOKENS", "chat.context-tokens");
        env.put("HAIA_PROMPT_CACHE", "chat.prompt-cache");
        env.put("HAIA_MAX_TOKENS", "chat.max-tokens");
        env.put("HAIA_PERSONA_FILE", "chat.persona-file");
        env.put("HAIA_MAX_MESSAGE_CHARS", "chat.max-message-chars");
        env.put("HAIA_MAX_IMAGE_BYTES", "chat.max-image-bytes");
        env.put("HAIA_IMAGE_FETCH_ALLOW", "chat.image-fetch.allow");
        env.put("HAIA_IMAGE_FETCH_TIMEOUT", "chat.image-fetch.timeout");
        env.put("HAIA_IMAGE_FETCH_MAX_URLS", "chat.image-fetch.max-urls");
        env.put("HAIA_IMAGE_FETCH_MAX_BYTES", "chat.image-fetch.max-bytes");
        env.put("HAIA_PROVIDER", "haia.provider");
        env.put("HAIA_MODEL", "haia.model");
        env.put("HAIA_CAPABILITIES", "haia.capabilities");
        env.put("HAIA_DEFAULT_MODEL", "default-model");
        env.put("HAIA_TASK_MODEL", "tasks.model");
        // each protocol's variables set the provider named like its type
        for (ProviderDescriptor provider : Providers.ALL) {
            String at = "providers." + provider.type() + ".";
            env.put(provider.baseUrlEnv(), at + "base-url");
            provider.apiKeyEnv().ifPresent(variable -> env.put(variable, at + "api-key"));
            provider.options().forEach(option -> option.env().ifPresent(variable -> env.put(variable, at + option.key())));
        }
        env.put("HAIA_MAX_ATTEMPTS", "resilience.max-attempts");
        env.put("HAIA_FIRST_TOKEN_TIMEOUT", "resilience.first-token-timeout");
        env.put("HAIA_REQUEST_TIMEOUT", "resilience.request-timeout");
        env.put("HAIA_MAX_INFLIGHT", "resilience.max-inflight");
        env.put("HAIA_MAX_REPLY_CHARS", "resilience.max-reply-chars");
        env.put("HAIA_MAX_UPSTREAM_BYTES", "resilience.max-upstream-bytes");
        env.putAll(ToolsConfigLoader.ENV);
        env.putAll(WatchConfigLoader.ENV);
        return Map.copyOf(env);
    }
}
