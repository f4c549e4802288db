package haia.config;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Everything HAIA is configured with, read and validated once at start ({@link ConfigLoader}). Immutable; secrets
 * are {@link Secret}s, so {@code toString()} of any part is safe to log.
 *
 * @param server       where and how HAIA listens
 * @param security     who may call it
 * @param store        where conversations live
 * @param chat         memory and persona
 * @param tasks        how OpenWebUI's background task requests are handled
 * @param models       the models HAIA offers to clients, in {@code /v1/models} order
 * @param defaultModel the model that answers requests naming an unknown model; empty means such requests fail
 * @param providers    upstream connections by name, only those some model uses
 * @param resilience   retries, timeouts, circuit breaker and load limits for upstream calls
 * @param tools        HAIA's own read-only tools and MCP servers
 * @param watch        HAIA's watch: scheduled checks, investigations, notifications, Prometheus
 * @param origin       where the configuration was read from (logged at start)
 */
public record HaiaConfig(Server server,
                         Security security,
                         Store store,
                         Chat chat,
                         Tasks tasks,
                         List<Model> models,
                         Optional<String> defaultModel,
                         Map<String, Provider> providers,
                         Resilience resilience,
                         ToolsConfig tools,
                         WatchConfig watch,
                         Origin origin) {

    public HaiaConfig {
        models = List.copyOf(models);
        providers = Map.copyOf(providers);
    }

    /**
     * @param host           listen address
     * @param port           listen port (0 picks a free one)
     * @param maxBodyBytes   largest accepted request body
     * @param shutdownGrace  how long in-flight requests may run on after SIGTERM
     * @param keepAlive      quiet time after which a waiting stream gets an SSE comment
     * @param clientReadTimeout longest a client may take to send a request's headers, and again its body; also how
     *                       long an idle keep-alive connection stays open
     */
    public record Server(String host, int port, long maxBodyBytes, Duration shutdownGrace, Duration keepAlive,
                         Duration clientReadTimeout) {
    }

    /**
     * @param apiKey            when set, every {@code /v1} call needs {@code Authorization: Bearer <key>}
     * @param metricsRequireKey whether {@code /metrics} also needs the key
     * @param corsOrigins       origins allowed to call from a browser; empty disables CORS
     * @param openWebUiJwtSecret when set, OpenWebUI's signed user header is verified and each user's memory is theirs
     */
    public record Security(Optional<Secret> apiKey, boolean metricsRequireKey, List<String> corsOrigins,
                           Optional<Secret> openWebUiJwtSecret) {
        public Security {
            corsOrigins = List.copyOf(corsOrigins);
        }

        public Security(Optional<Secret> apiKey, boolean metricsRequireKey, List<String> corsOrigins) {
            this(apiKey, metricsRequireKey, corsOrigins, Optional.empty());
        }
    }

    /**
     * @param dbPath   the SQLite file; its folder is created when missing (not used with a PostgreSQL server)
     * @param maxBytes a cap on the SQLite database size; past it, writes fail like on a full disk (503), reads go on
     * @param server   a PostgreSQL server to use instead of the SQLite file; several HAIA replicas can share one
     * @param pool     connection pool and database timeouts
     */
    public record Store(Path dbPath, java.util.OptionalLong maxBytes, Optional<Server> server, Pool pool) {

        /** SQLite at {@code dbPath} with the default pool (tests and benchmarks). */
        public Store(Path dbPath, java.util.OptionalLong maxBytes) {
            this(dbPath, maxBytes, Optional.empty(), Pool.DEFAULT);
        }

        /**
         * A PostgreSQL server.
         *
         * @param url      {@code jdbc:postgresql://host:5432/db...}, never with a password in it (taken out at load)
         * @param user     the role to log in as, when not in the URL
         * @param password its password
         */
        public record Server(String url, Optional<String> user, Optional<Secret> password) {
        }

        /**
         * @param maxSize        connections in the pool
         * @param connectTimeout longest wait for a connection (pool and TCP connect): past it a request gets 503
         * @param queryTimeout   longest wait for the server's answer on an open connection (PostgreSQL)
         * @param leaseTtl       how long a replica's claim on a conversation outlives its last heartbeat (PostgreSQL)
         */
        public record Pool(int maxSize, Duration connectTimeout, Duration queryTimeout, Duration leaseTtl) {
            public static final Pool DEFAULT = new Pool(8, Duration.ofSeconds(5), Duration.ofSeconds(30),
                                                        Duration.ofSeconds(30));
        }
    }

    /**
     * @param contextWindow      how many stored messages go to the model with each request
     * @param maxTokens          default {@code max_tokens} for the upstream call
     * @param personaFile        persona prompt; empty means the shipped default
     * @param maxMessageChars    longest accepted single message
     * @param conversationHeader HAIA's own conversation header
     * @param chatIdHeader       OpenWebUI's chat id header
     * @param taskHeader         header that marks OpenWebUI task requests
     * @param maxImageBytes      largest image accepted (sent inline, or fetched from a URL)
     * @param contextStep        how far the window moves at once: it keeps between {@code contextWindow} and
     *                           {@code contextWindow + contextStep} messages (with the prompt cache on)
     * @param promptCache        mark the stable prefix for the provider's prompt cache ({@code HAIA_PROMPT_CACHE})
     * @param contextTokens      the window's token budget for every model without its own; empty: by provider
     * @param imageFetch         how pictures given by URL are fetched and checked
     * @param memoryTools        offer HAIA's memory tools to every tool-capable model ({@code HAIA_MEMORY_TOOLS})
     * @param memoryNotesMaxChars the longest the notes' system block may be ({@code HAIA_MEMORY_NOTES_MAX_CHARS})
     */
    public record Chat(int contextWindow,
                       int maxTokens,
                       Optional<Path> personaFile,
                       int maxMessageChars,
                       String conversationHeader,
                       String chatIdHeader,
                       String taskHeader,
                       int maxImageBytes,
                       int contextStep,
                       boolean promptCache,
                       OptionalInt contextTokens,
                       ImageFetch imageFetch,
                       boolean memoryTools,
                       int memoryNotesMaxChars) {
    }

    /**
     * How HAIA fetches the pictures clients give by URL (for providers that take bytes only), and checks the URLs
     * it passes on to providers that fetch them.
     *
     * @param allow    address ranges, addresses and host names inside the network that may be fetched from (by
     *                 default none: loopback, private, link-local, multicast and unspecified addresses are refused)
     * @param timeout  one wall-clock deadline over all of a request's fetches, bodies included
     * @param maxUrls  most picture URLs in one request
     * @param maxBytes most bytes one request may fetch, all its pictures together
     */
    public record ImageFetch(List<String> allow, Duration timeout, int maxUrls, long maxBytes) {
        public ImageFetch {
            allow = List.copyOf(allow);
        }
    }

    /**
     * @param detectByShape recognise task requests without the task header by their prompt shape
     * @param persona       whether task requests get the persona as system prompt
     * @param model         a cheaper model id to answer task requests; empty means the requested model
     */
    public record Tasks(boolean detectByShape, boolean persona, Optional<String> model) {
    }

    /**
     * A model HAIA offers.
     *
     * @param id            the id clients see and send ({@code haia}, {@code haia-local})
     * @param provider      name of the {@link Provider} that serves it
     * @param upstreamModel the provider's model name
     * @param maxTokens     per-model default {@code max_tokens}
     * @param temperature   per-model default temperature (OpenAI scale 0..2)
     * @param personaFile   per-model persona
     * @param contextWindow per-model window size
     * @param fallback      id of the model that answers when this one's provider is down before the first token
     * @param capabilities  what the model can do, when configured; else its provider type's defaults
     * @param contextTokens per-model token budget of a request (estimated), overriding {@code HAIA_CONTEXT_TOKENS}
     * @param price         what it costs ({@code models[].price}), overriding the built-in price table
     */
    public record Model(String id,
                        String provider,
                        String upstreamModel,
                        OptionalInt maxTokens,
                        OptionalDouble temperature,
                        Optional<Path> personaFile,
                        OptionalInt contextWindow,
                        Optional<String> fallback,
                        Optional<java.util.Set<haia.llm.Capability>> capabilities,
                        OptionalInt contextTokens,
                        Optional<PriceSetting> price) {
    }

    /**
     * A model's price as configured, in US dollars per million tokens (from 0 to {@link #MAX_USD_PER_MILLION}, at
     * most 6 decimals: whole micro-dollars, as {@code haia.usage.Rate} keeps them). Cache prices left out are filled
     * in by {@code haia.usage.Prices}: Anthropic's multipliers for a Claude model, else the input price.
     */
    public record PriceSetting(BigDecimal input, BigDecimal output, Optional<BigDecimal> cacheRead,
                               Optional<BigDecimal> cacheWrite) {

        /** Far above any published price ($75 per million output tokens for the dearest Claude): a typo guard. */
        public static final BigDecimal MAX_USD_PER_MILLION = BigDecimal.valueOf(10_000);

        /** Whether {@code usd} is a price HAIA can keep exactly and believe. */
        public static boolean valid(BigDecimal usd) {
            return usd.signum() >= 0 && usd.compareTo(MAX_USD_PER_MILLION) <= 0
                    && usd.stripTrailingZeros().scale() <= 6;
        }
    }

    /**
     * An upstream connection.
     *
     * @param name       the name models refer to
     * @param type       protocol: {@code anthropic}, {@code ollama}, {@code openai} or {@code gemini}
     * @param baseUrl    where it listens
     * @param apiKey     its credential, when it needs one
     * @param options    protocol-specific settings (e.g. Ollama's {@code keep-alive})
     * @param urlSetting the setting that changes the URL ({@code OLLAMA_BASE_URL}, or the YAML key), for messages
     * @param keySetting the setting that changes the key ({@code ANTHROPIC_API_KEY}, or the YAML key)
     */
    public record Provider(String name, String type, URI baseUrl, Optional<Secret> apiKey, Map<String, String> options,
                           String urlSetting, String keySetting) {
        public Provider {
            options = Map.copyOf(options);
        }

        /** Where the provider is, for messages: its URL without credentials, and the setting that changes it. */
        public String where() {
            URI url = baseUrl;
            String shown = url.getRawUserInfo() == null ? url.toString()
                    : url.toString().replace(url.getRawUserInfo() + "@", "****@");
            return shown + " (" + urlSetting + ")";
        }
    }

    /**
     * @param workDir the directory relative paths and {@code .env} are resolved against
     * @param dotEnv  the {@code .env} file read, if there was one
     * @param yaml    the YAML file read, if there was one (else only the built-in defaults)
     */
    public record Origin(Path workDir, Optional<Path> dotEnv, Optional<Path> yaml) {
    }

    /**
     * @param maxAttempts       attempts per upstream call, the first included
     * @param initialBackoff    first retry delay (doubles each retry, with jitter)
     * @param maxBackoff        cap on a single retry delay
     * @param retryDeadline     no retry starts after this much time since the first attempt
     * @param connectTimeout    TCP connect timeout to upstreams
     * @param firstTokenTimeout longest wait for the first streamed token
     * @param requestTimeout    longest whole upstream call
     * @param breakerFailures   requests in a row that failed because of the provider that open its breaker
     * @param breakerDelay      how long an open breaker fails fast before trying again
     * @param maxInflight       concurrent upstream calls allowed
     * @param queueTimeout      how long a call waits for a free slot before a 429
     * @param maxReplyChars     longest reply text taken from an upstream; past it the reply is cut off there
     * @param maxUpstreamBytes  largest upstream response body read (blocking or streamed)
     */
    public record Resilience(int maxAttempts,
                             Duration initialBackoff,
                             Duration maxBackoff,
                             Duration retryDeadline,
                             Duration connectTimeout,
                             Duration firstTokenTimeout,
                             Duration requestTimeout,
                             int breakerFailures,
                             Duration breakerDelay,
                             int maxInflight,
                             Duration queueTimeout,
                             int maxReplyChars,
                             long maxUpstreamBytes) {
    }

    /** The model entry with this id. */
    public Optional<Model> model(String id) {
        return models.stream().filter(m -> m.id().equals(id)).findFirst();
    }
}
