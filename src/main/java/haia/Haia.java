package haia;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;

import haia.api.AccessFilter;
import haia.api.ClientConnections;
import haia.api.Drain;
import haia.api.ChatCompletionsService;
import haia.api.ConversationsService;
import haia.api.MemoryService;
import haia.api.OpenWebUiJwt;
import haia.api.UserFilter;
import haia.api.ResponsesService;
import haia.api.ErrorMapper;
import haia.api.ErrorResponder;
import haia.api.ModelsService;
import haia.api.RequestLogFilter;
import haia.api.TransportErrors;
import haia.api.UsageService;
import haia.api.WatchService;
import haia.chat.ChatPipeline;
import haia.chat.MemoryBudget;
import haia.chat.Persona;
import haia.config.HaiaConfig;
import haia.json.Jackson;
import haia.llm.ErrorCategory;
import haia.llm.LlmClient;
import haia.llm.ModelRegistry;
import haia.llm.Providers;
import haia.llm.ResilientLlmClient;
import haia.observe.DatabaseHealthCheck;
import haia.observe.HaiaMetrics;
import haia.observe.ProvidersHealthCheck;
import haia.observe.Redactor;
import haia.observe.ShutdownHealthCheck;
import haia.observe.ToolsHealthCheck;
import haia.store.ConversationStore;
import haia.tools.ToolCatalog;
import haia.tools.ToolSource;
import haia.tools.ToolSources;
import haia.tools.memory.MemoryTools;
import haia.usage.Prices;
import haia.watch.Watching;

import io.helidon.common.Weighted;
import io.helidon.common.socket.SocketOptions;
import io.helidon.health.checks.DiskSpaceHealthCheck;
import io.helidon.health.checks.HealthChecks;
import io.helidon.http.media.MediaContext;
import io.helidon.http.media.jackson.JacksonSupport;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.cors.CorsFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * HAIA's object graph, built by hand from a {@link HaiaConfig}: store, provider clients, model registry, pipeline,
 * HTTP services and observers. {@link Main} builds one and starts it; tests build one per server they need.
 */
public final class Haia implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Haia.class.getName());
    /** All request headers together (Helidon's HTTP/1.1 default); OpenWebUI sends a few hundred bytes. */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private final HaiaConfig config;
    private final Clock clock;
    private final ConversationStore store;
    private final ScheduledThreadPoolExecutor timers;
    private final List<ResilientLlmClient> clients = new ArrayList<>();
    private final ModelRegistry models;
    private final ChatPipeline pipeline;
    private final HaiaMetrics metrics;
    private final Redactor redactor;
    private final ErrorMapper errors;
    private final ObjectMapper json;
    private final Drain drain = new Drain();
    private final ClientConnections connections;
    /** What requests hold at once in bodies and fetched pictures (see {@link MemoryBudget}). */
    private final MemoryBudget memory;
    /** HAIA's own tools (memory; Proxmox, Docker/Podman, MCP servers), which the agent loop offers the models. */
    private final ToolCatalog tools;
    private final Watching watching;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Haia(HaiaConfig config, Clock clock, CompletableFuture<HaiaMetrics> building,
                 CompletableFuture<ConversationStore> opening) {
        this.config = config;
        this.clock = clock;
        this.redactor = Redactor.of(config);
        this.errors = new ErrorMapper(redactor, config.resilience().maxAttempts());
        this.json = Jackson.apiMapper();
        this.timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "haia-timers");
            thread.setDaemon(true);
            return thread;
        });
        // deadlines are usually cancelled long before they fire: drop them at once instead of keeping them queued
        timers.setRemoveOnCancelPolicy(true);
        this.connections = new ClientConnections(config.server().clientReadTimeout(), config.server().maxBodyBytes(),
                                                 timers);
        // a quarter of the heap for request bodies and fetched pictures, and always room for one largest body
        this.memory = new MemoryBudget(Math.max(MemoryBudget.defaultBytes(), config.server().maxBodyBytes()),
                                       config.resilience().queueTimeout());

        Persona defaultPersona = Persona.load(config.chat().personaFile());
        Map<String, Persona> personas = new HashMap<>();
        for (HaiaConfig.Model model : config.models()) {
            model.personaFile().ifPresent(file -> personas.put(model.id(), Persona.load(model.personaFile())));
        }

        // what needs no meters is built above, while the meters are built on another core (see create)
        this.metrics = finished(building);
        Map<String, ResilientLlmClient> byProvider = new LinkedHashMap<>();
        config.providers().values().forEach(provider -> {
            LlmClient raw = Providers.create(provider, config.resilience(), redactor);
            ResilientLlmClient client = new ResilientLlmClient(
                    raw, config.resilience(), timers,
                    (name, cause, delay) -> metrics.retry(name, cause.category().code()),
                    clock);
            metrics.breakerGauge(client.provider(), client::breakerOpen);
            byProvider.put(provider.name(), client);
            clients.add(client);
        });
        this.models = new ModelRegistry(config.models().stream()
                                                .map(m -> ModelRegistry.Route.of(m, byProvider.get(m.provider()),
                                                        Providers.byType(config.providers().get(m.provider()).type())
                                                                .orElseThrow()))
                                                .toList(),
                                        config.defaultModel());

        preRegisterMetrics();
        models.all().forEach(route -> metrics.modelTokensGauges(route.provider(), route.id(),
                                                                () -> models.measure(route).tokensPerCharacter(),
                                                                () -> models.measure(route).context().orElse(0)));
        this.store = finished(opening);
        Optional<ToolSource> memoryTools = Optional.<ToolSource>of(
                new MemoryTools(store.search(), store.windows(), store.notes(), clock))
                .filter(source -> config.chat().memoryTools());
        metrics.poolGauges(store::poolStats);
        this.watching = Watching.of(config, store.findings(), metrics, redactor, clock);
        this.tools = ToolSources.catalog(config.tools(), memoryTools, watching.sources(), redactor::redact, clock,
                                         metrics::toolCall);
        Prices prices = Prices.of(config);
        this.pipeline = new ChatPipeline(store, models, personas, defaultPersona, config, tools, metrics, prices,
                                         memory, watching.briefing(), clock);
        watching.attach(pipeline, models);
        LOG.log(System.Logger.Level.INFO, "Persona: " + defaultPersona.source() + "; database: " + store.dialect()
                + " " + store.location() + "; models: " + models.describe() + "; prices: " + prices.describe());
        prices.warnings(config).forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
    }

    /** Every counter whose labels are known now starts at 0 (docs/operations.md "Metrics"). */
    private void preRegisterMetrics() {
        List<String> outcomes = new ArrayList<>(ChatPipeline.Outcome.NOT_ERRORS);
        outcomes.addAll(ErrorMapper.codes());
        Map<String, List<String>> modelsByProvider = new LinkedHashMap<>();
        Map<String, String> fallbacks = new LinkedHashMap<>();
        for (ModelRegistry.Route route : models.all()) {
            modelsByProvider.computeIfAbsent(route.provider(), p -> new ArrayList<>()).add(route.id());
            route.settings().fallback().ifPresent(to -> fallbacks.put(route.id(), to));
        }
        List<String> retryReasons = Arrays.stream(ErrorCategory.values())
                .filter(ErrorCategory::retryable).map(ErrorCategory::code).toList();
        metrics.preRegister(outcomes, modelsByProvider, fallbacks, retryReasons);
    }

    /** Builds HAIA; opens (and migrates) the database. */
    public static Haia create(HaiaConfig config) {
        return create(config, Clock.systemUTC());
    }

    public static Haia create(HaiaConfig config, Clock clock) {
        return create(config, clock, CompletableFuture.completedFuture(new HaiaMetrics()));
    }

    /**
     * Builds HAIA while its meters are still being built ({@link Main} starts them before it reads the
     * configuration). The database opens and migrates on a thread of its own meanwhile; the JSON mapper, the
     * personas and the rest that needs no meters are built before HAIA waits for them (start-up is mostly loading
     * classes: three independent pieces on two cores).
     */
    static Haia create(HaiaConfig config, Clock clock, CompletableFuture<HaiaMetrics> metrics) {
        CompletableFuture<ConversationStore> opening = CompletableFuture.supplyAsync(
                () -> ConversationStore.open(config.store(), clock), Haia::startUpThread);
        try {
            return new Haia(config, clock, metrics, opening);
        } catch (RuntimeException | Error e) {
            opening.thenAccept(ConversationStore::close);   // once it has opened, if it does
            throw e;
        }
    }

    /** A thread for one piece of start-up work (a daemon: a failed start exits without waiting for it). */
    static void startUpThread(Runnable work) {
        Thread.ofPlatform().name("haia-start-up").daemon().start(work);
    }

    /**
     * What a start-up thread built, or the reason it could not (the opened database, or why not, as
     * {@link ConversationStore#open} throws it).
     */
    private static <T> T finished(CompletableFuture<T> building) {
        try {
            return building.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error failure) {
                throw failure;
            }
            throw e;
        }
    }

    /** Applies HAIA's routing, media support and observers to a server builder (also used by tests). */
    public WebServerConfig.Builder configure(WebServerConfig.Builder server) {
        Duration clientReadTimeout = config.server().clientReadTimeout();
        return server
                .host(config.server().host())
                .port(config.server().port())
                .shutdownHook(false)                 // Main shuts down in order: drain, stop, close the database
                .featuresDiscoverServices(false)     // everything HAIA serves is wired below, nothing by discovery
                .protocolsDiscoverServices(false)
                // HTTP/1.1, with the listener that gives each request a deadline to arrive and refuses a body declared
                // over the limit before a byte of it is read, ending the connection with a lingering close
                // (ClientConnections)
                .addProtocol(Http1Config.builder().addReceiveListener(connections).build())
                // a blocking socket per connection, as before Helidon 4.5 made NIO channels the default: the listener
                // above half-closes it for a lingering close, and times out its reads (ClientConnections)
                .useNio(false)
                // Helidon's own limit stays as the backstop: it counts a chunked body's chunks as they arrive, so no
                // chunk larger than the limit is ever buffered (a declared length never reaches it: see above)
                .maxPayloadSize(config.server().maxBodyBytes())
                // idle keep-alive connections, and clients trickling a request's first line, are closed (Helidon
                // counts a long request as idle too, and closes its connection after it instead of keeping it)
                .idleConnectionTimeout(clientReadTimeout)
                .idleConnectionPeriod(shorter(clientReadTimeout.dividedBy(4), Duration.ofSeconds(5)))
                .directHandlers(TransportErrors.handlers(MAX_HEADER_BYTES, config.server().maxBodyBytes()))
                // hands the parser's reason to those handlers, which put a short, escaped summary of it in the 400
                .errorHandling(ErrorHandling.builder().includeEntity(true).build())
                // stream chunks and small responses leave at once (no Nagle + delayed-ACK stalls of up to 40 ms)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .mediaContext(MediaContext.builder()
                                      .mediaSupportsDiscoverServices(false)
                                      .addMediaSupport(JacksonSupport.create(json))
                                      .build())
                .addFeature(observe())
                .update(builder -> cors().ifPresent(builder::addFeature))
                .routing(this::routing);
    }

    /**
     * CORS for the configured browser origins, on {@code /v1} only. Weighted below the routing's own filters, so its
     * filter runs after them: a request with a wrong key is refused by the access filter first (which lets
     * preflights through: they never carry credentials), and the request log and the connection filter see every
     * answer CORS gives. A preflight from a configured origin is answered, any other origin's requests get 403.
     */
    private Optional<CorsFeature> cors() {
        List<String> origins = config.security().corsOrigins();
        if (origins.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(CorsFeature.builder()
                                   .weight(Weighted.DEFAULT_WEIGHT - 10)
                                   .addDefaults(false)   // Helidon's default would open every path to any origin
                                   .addPath(path -> path.pathPattern("/v1/*")
                                           .allowOrigins(Set.copyOf(origins))
                                           .allowMethods(Set.of("GET", "POST", "DELETE", "OPTIONS"))
                                           .allowHeaders(Set.of("*"))
                                           .exposeHeaders(Set.of("X-Request-Id", "X-Haia-Model")))
                                   .build());
    }

    /** Starts the server, then checks the providers in the background (start-up never waits for an upstream). */
    public WebServer start() {
        WebServer server = configure(WebServer.builder()).build().start();
        Thread.ofVirtual().name("haia-provider-check").start(this::checkProviders);
        tools.start();   // connects MCP servers and checks the built-in sources in the background
        watching.start();
        return server;
    }

    /** Asks each provider, once, whether it works as configured ({@link ProviderChecks}); logs and returns the warnings. */
    public List<String> checkProviders() {
        return ProviderChecks.run(models, config, redactor);
    }

    void routing(HttpRouting.Builder routing) {
        routing.addFilter(connections)   // first: it closes a connection that says so after everything else
                .addFilter(new RequestLogFilter())
                .addFilter(drain)
                .addFilter(new AccessFilter(config.security().apiKey(), config.security().metricsRequireKey(),
                                            connections))
                .addFilter(new UserFilter(config.security().openWebUiJwtSecret()
                                                  .map(secret -> new OpenWebUiJwt(secret, clock)), connections));
        ChatCompletionsService chat = new ChatCompletionsService(pipeline, config, errors, metrics, timers,
                                                                 connections, memory, clock);
        routing.register("/v1",
                         chat,
                         new ResponsesService(pipeline, store.responses(), store.windows(), config, errors, metrics,
                                              timers, connections, memory, chat, clock),
                         new ModelsService(models),
                         new ConversationsService(store.conversations()),
                         new UsageService(store.ledger()),
                         new WatchService(watching.watch(), store.findings(), config.server().maxBodyBytes()),
                         new MemoryService(store.search(), store.notes()))
                .error(Throwable.class, new ErrorResponder(errors, connections));
    }

    private ObserveFeature observe() {
        io.helidon.webserver.observe.health.HealthObserverConfig.Builder health = HealthObserver.builder()
                .endpoint("health")
                .details(true)
                // the built-in checks, but the disk one on the database's own file system
                .useSystemServices(false)
                .addCheck(HealthChecks.heapMemoryCheck())
                .addCheck(HealthChecks.deadlockCheck())
                // (on PostgreSQL, HAIA's working directory: the database's disk is the server's to watch)
                .addCheck(DiskSpaceHealthCheck.builder()
                                  .path(store.file().map(Path::getParent).orElse(Path.of("").toAbsolutePath())).build())
                .addCheck(new DatabaseHealthCheck(store))
                .addCheck(new ShutdownHealthCheck(drain::draining))
                .addCheck(new ProvidersHealthCheck(clients, redactor));
        if (config.tools().any()) {   // the infrastructure's tools (the memory tools are the database's)
            health.addCheck(new ToolsHealthCheck(tools));
        }
        return ObserveFeature.builder()
                .endpoint("/")
                .addObserver(health.build())
                .addObserver(MetricsObserver.builder()
                                     .endpoint("metrics")
                                     .metricsConfig(HaiaMetrics.CONFIG)
                                     .meterRegistry(metrics.registry())
                                     .build())
                .build();
    }

    public HaiaConfig config() {
        return config;
    }

    public ConversationStore store() {
        return store;
    }

    /** HAIA's own tools, for the agent loop. */
    public ToolCatalog tools() {
        return tools;
    }

    public Watching watching() {
        return watching;
    }

    /**
     * Graceful stop: refuse new requests and let every request already accepted finish (queued ones and retries
     * included: the upstream clients and the database stay open) within the grace period. Requests still running
     * near its end are stopped: each stores what it has (the user's message at least) and answers its client with
     * 503. Then the server stops and the database closes.
     */
    public void shutdown(WebServer server) {
        Duration grace = config.server().shutdownGrace();
        // the end of the grace is kept for stopping what did not finish: storing and answering takes a moment
        Duration reserve = shorter(grace.dividedBy(4), Duration.ofSeconds(5));
        LOG.log(System.Logger.Level.INFO, "Shutting down: waiting up to " + grace.toSeconds() + " s for "
                + drain.inflight() + " request(s) in flight");
        drain.start();
        if (!drain.awaitIdle(grace.minus(reserve))) {
            LOG.log(System.Logger.Level.WARNING, "Stopping " + drain.inflight()
                    + " request(s) still running near the end of the grace period; their messages are kept");
            pipeline.stopAll();
            if (!drain.awaitIdle(reserve)) {
                LOG.log(System.Logger.Level.WARNING, drain.inflight()
                        + " request(s) still running after the grace period");
            }
        }
        server.stop();
        close();
        LOG.log(System.Logger.Level.INFO, "HAIA stopped");
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            timers.shutdownNow();
            watching.close();
            clients.forEach(ResilientLlmClient::close);
            tools.close();
            store.close();
        }
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }
}
