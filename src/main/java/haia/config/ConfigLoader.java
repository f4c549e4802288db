package haia.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.net.AddressRule;

import io.helidon.config.Config;

/**
 * Builds {@link HaiaConfig}: the sections assembled from typed values. Where the values come from and how each is
 * read is {@link ConfigValues}'s (environment variables, named in the {@link Variables} register, a secret possibly
 * from the file a {@code <NAME>_FILE} names; a {@code .env} file in the working directory; the YAML file named by
 * {@code HAIA_CONFIG}, default {@code config/application.yaml}; the defaults in the jar, in that order). The models
 * and providers are {@link ModelsConfigLoader}'s, the tools {@link ToolsConfigLoader}'s. Every value is checked; all
 * problems are reported together in one {@link ConfigException}, each naming where the value came from: the
 * environment variable, or the key and the YAML file.
 */
public final class ConfigLoader {

    private final ConfigValues values;
    private final Config config;
    private final List<String> problems;

    private ConfigLoader(ConfigValues values, List<String> problems) {
        this.values = values;
        this.config = values.config();
        this.problems = problems;
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
        List<String> problems = new ArrayList<>();
        return new ConfigLoader(new ConfigValues(env, workDir, problems), problems).build(workDir);
    }

    private HaiaConfig build(Path workDir) {
        HaiaConfig.Server server = new HaiaConfig.Server(
                values.string("server.host"),
                values.port("server.port"),
                values.positiveLong("server.max-body-bytes"),
                values.duration("server.shutdown-grace"),
                values.duration("server.keep-alive"),
                values.duration("server.client-read-timeout"));
        HaiaConfig.Security security = new HaiaConfig.Security(
                values.secret("security.api-key"),
                values.bool("security.metrics-require-key"),
                values.list("security.cors-origins"),
                values.secret("security.openwebui-jwt-secret"));
        HaiaConfig.Store store = store(workDir);
        HaiaConfig.Chat chat = new HaiaConfig.Chat(
                values.positiveInt("chat.context-window"),
                values.positiveInt("chat.max-tokens"),
                values.optionalString("chat.persona-file").map(workDir::resolve),
                values.positiveInt("chat.max-message-chars"),
                values.headerName("chat.conversation-header"),
                values.headerName("chat.chat-id-header"),
                values.headerName("chat.task-header"),
                (int) Math.min(Integer.MAX_VALUE - 8, values.size("chat.max-image-bytes")),
                values.positiveInt("chat.context-window-step"),
                values.bool("chat.prompt-cache"),
                values.optionalPositiveInt("chat.context-tokens"),
                imageFetch(),
                values.bool("chat.memory-tools"),
                values.positiveInt("chat.memory-notes-max-chars"));
        HaiaConfig.Tasks tasks = new HaiaConfig.Tasks(
                values.bool("tasks.detect-by-shape"),
                values.bool("tasks.persona"),
                values.optionalString("tasks.model"));

        ModelsConfigLoader modelsLoader = new ModelsConfigLoader(values, problems);
        List<HaiaConfig.Model> models = modelsLoader.models(workDir);
        Optional<String> defaultModel = modelsLoader.defaultModel(models);
        Map<String, HaiaConfig.Provider> providers = modelsLoader.providers(models);
        modelsLoader.checkModelReferences(models, tasks);

        HaiaConfig.Resilience resilience = new HaiaConfig.Resilience(
                values.positiveInt("resilience.max-attempts"),
                values.duration("resilience.initial-backoff"),
                values.duration("resilience.max-backoff"),
                values.duration("resilience.retry-deadline"),
                values.duration("resilience.connect-timeout"),
                values.duration("resilience.first-token-timeout"),
                values.duration("resilience.request-timeout"),
                breakerFailures(),
                values.duration("resilience.breaker.delay"),
                values.positiveInt("resilience.max-inflight"),
                values.duration("resilience.queue-timeout"),
                values.positiveInt("resilience.max-reply-chars"),
                values.size("resilience.max-upstream-bytes"));

        ToolsConfig tools = new ToolsConfigLoader(config, problems, values::name, values::positiveInt,
                                                  values::duration).read(workDir);
        WatchConfig watch = new WatchConfigLoader(values, problems).read(models);

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Path dotEnv = workDir.resolve(".env");
        return new HaiaConfig(server, security, store, chat, tasks, models, defaultModel, providers, resilience, tools,
                              watch, new HaiaConfig.Origin(workDir.toAbsolutePath().normalize(),
                                                    Files.isRegularFile(dotEnv)
                                                            ? Optional.of(dotEnv.toAbsolutePath().normalize())
                                                            : Optional.empty(),
                                                    values.yamlFile()));
    }

    /** SQLite at {@code store.db-path}, or the PostgreSQL server {@code store.url} names. */
    private HaiaConfig.Store store(Path workDir) {
        HaiaConfig.Store.Pool pool = new HaiaConfig.Store.Pool(
                values.positiveInt("store.pool-size"),
                values.duration("store.connect-timeout"),
                values.duration("store.query-timeout"),
                values.duration("store.lease-ttl"));
        java.util.OptionalLong maxBytes = values.optionalSize("store.max-size");
        Optional<HaiaConfig.Store.Server> server = values.optionalString("store.url").flatMap(
                url -> PostgresUrl.parse(url, values.optionalString("store.user"), values.secret("store.password"),
                                         problems));
        if (server.isPresent() && maxBytes.isPresent()) {
            problems.add(values.name("store.max-size") + " applies to SQLite only; with PostgreSQL, watch the server's"
                                 + " disk (or set a quota there) instead");
        }
        return new HaiaConfig.Store(workDir.resolve(values.string("store.db-path")), maxBytes, server, pool);
    }


    /**
     * The breaker's count of failed requests in a row. Its keys of before (a rolling window of attempts and an error
     * ratio, which let two bad requests open it) no longer mean anything: a file that still sets them is told so.
     */
    private int breakerFailures() {
        for (String retired : List.of("resilience.breaker.volume", "resilience.breaker.error-ratio")) {
            if (config.get(retired).exists()) {
                problems.add(values.name(retired) + " is no longer used: the circuit breaker now opens after"
                        + " resilience.breaker.failures requests in a row failed (default 5); remove " + retired);
            }
        }
        return values.positiveInt("resilience.breaker.failures");
    }

    /** How HAIA fetches pictures given by URL; each allow-list entry an address range, address or host name. */
    private HaiaConfig.ImageFetch imageFetch() {
        List<String> allow = values.list("chat.image-fetch.allow");
        allow.forEach(entry -> AddressRule.problem(entry).ifPresent(problem -> problems.add(
                values.name("chat.image-fetch.allow") + ": " + problem)));
        return new HaiaConfig.ImageFetch(allow, values.duration("chat.image-fetch.timeout"),
                                         values.positiveInt("chat.image-fetch.max-urls"),
                                         values.size("chat.image-fetch.max-bytes"));
    }
}
