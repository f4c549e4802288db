package haia;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import haia.api.AccessFilter;
import haia.api.Drain;
import haia.api.ChatCompletionsService;
import haia.api.ConversationsService;
import haia.api.ErrorMapper;
import haia.api.ModelsService;
import haia.api.RequestLog;
import haia.api.RequestLogFilter;
import haia.api.TransportErrors;
import haia.chat.ChatPipeline;
import haia.chat.Persona;
import haia.config.HaiaConfig;
import haia.json.Jackson;
import haia.llm.LlmClient;
import haia.llm.LlmException;
import haia.llm.ModelRegistry;
import haia.llm.Providers;
import haia.llm.ResilientLlmClient;
import haia.observe.DatabaseHealthCheck;
import haia.observe.HaiaMetrics;
import haia.observe.ProvidersHealthCheck;
import haia.observe.Redactor;
import haia.store.ConversationStore;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderValues;
import io.helidon.http.media.MediaContext;
import io.helidon.http.media.jackson.JacksonSupport;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.cors.CorsSupport;
import io.helidon.cors.CrossOriginConfig;
import io.helidon.webserver.http.HttpRouting;
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
    private final HaiaMetrics metrics = new HaiaMetrics();
    private final Redactor redactor;
    private final ErrorMapper errors;
    private final ObjectMapper json;
    private final Drain drain = new Drain();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Haia(HaiaConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.redactor = Redactor.of(config);
        this.errors = new ErrorMapper(redactor);
        this.json = JsonMapper.builder(Jackson.factory())
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(new Jdk8Module())
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
        this.timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "haia-timers");
            thread.setDaemon(true);
            return thread;
        });
        // deadlines are usually cancelled long before they fire: drop them at once instead of keeping them queued
        timers.setRemoveOnCancelPolicy(true);

        Persona defaultPersona = Persona.load(config.chat().personaFile());
        Map<String, Persona> personas = new HashMap<>();
        for (HaiaConfig.Model model : config.models()) {
            model.personaFile().ifPresent(file -> personas.put(model.id(), Persona.load(model.personaFile())));
        }

        Map<String, ResilientLlmClient> byProvider = new LinkedHashMap<>();
        config.providers().values().forEach(provider -> {
            LlmClient raw = Providers.create(provider, config.resilience());
            ResilientLlmClient client = new ResilientLlmClient(
                    raw, config.resilience(), timers,
                    (name, cause, delay) -> metrics.retry(name, cause.category().name().toLowerCase(java.util.Locale.ROOT)),
                    clock);
            metrics.breakerGauge(client.provider(), client::breakerOpen);
            byProvider.put(provider.name(), client);
            clients.add(client);
        });
        this.models = new ModelRegistry(config.models().stream()
                                                .map(m -> new ModelRegistry.Route(m, byProvider.get(m.provider())))
                                                .toList(),
                                        config.defaultModel());

        this.store = ConversationStore.open(config.store(), clock);
        metrics.poolGauges(store::poolStats);
        this.pipeline = new ChatPipeline(store, models, personas, defaultPersona, config, metrics, clock);
        LOG.log(System.Logger.Level.INFO, "Persona: " + defaultPersona.source() + "; database: " + store.dialect()
                + " " + store.location() + "; models: " + describeModels());
    }

    /** Builds HAIA; opens (and migrates) the database. */
    public static Haia create(HaiaConfig config) {
        return new Haia(config, Clock.systemUTC());
    }

    public static Haia create(HaiaConfig config, Clock clock) {
        return new Haia(config, clock);
    }

    /** Applies HAIA's routing, media support and observers to a server builder (also used by tests). */
    public WebServerConfig.Builder configure(WebServerConfig.Builder server) {
        return server
                .host(config.server().host())
                .port(config.server().port())
                .shutdownHook(false)                 // Main shuts down in order: drain, stop, close the database
                .featuresDiscoverServices(false)     // everything HAIA serves is wired below, nothing by discovery
                .directHandlers(TransportErrors.handlers(MAX_HEADER_BYTES))
                // stream chunks and small responses leave at once (no Nagle + delayed-ACK stalls of up to 40 ms)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .mediaContext(MediaContext.builder()
                                      .mediaSupportsDiscoverServices(false)
                                      .addMediaSupport(JacksonSupport.create(json))
                                      .build())
                .addFeature(observe())
                .routing(this::routing);
    }

    /** Starts the server, then checks the providers in the background (start-up never waits for an upstream). */
    public WebServer start() {
        WebServer server = configure(WebServer.builder()).build().start();
        Thread.ofVirtual().name("haia-provider-check").start(this::checkProviders);
        return server;
    }

    /**
     * Asks each provider, once, whether it is reachable and has the configured models (where it can tell, e.g.
     * Ollama's pulled models), and logs one warning per problem with its fix. The answers also seed {@code /health}'s
     * provider reachability. Problems are warnings, not start-up failures: a GPU box may boot after HAIA.
     *
     * @return the warnings logged
     */
    public List<String> checkProviders() {
        List<String> warnings = new ArrayList<>();
        for (ModelRegistry.Route route : models.all()) {
            try {
                route.client().modelProblem(route.upstreamModel()).ifPresent(problem -> warnings.add(
                        "Model '" + route.id() + "' (provider " + route.provider() + "): " + problem));
            } catch (LlmException e) {
                warnings.add("Model '" + route.id() + "' (provider " + route.provider() + ") cannot be checked: "
                                     + redactor.redact(e.getMessage()) + ". Chats with it fail until this is fixed.");
            }
        }
        warnings.forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
        return warnings;
    }

    void routing(HttpRouting.Builder routing) {
        routing.addFilter(new RequestLogFilter())
                .addFilter(drain)
                .addFilter(new AccessFilter(config.security().apiKey(), config.security().metricsRequireKey()));
        if (!config.security().corsOrigins().isEmpty()) {
            routing.register("/v1", CorsSupport.builder()
                    .name("haia-cors")
                    .addCrossOrigin(CrossOriginConfig.builder()
                                            .allowOrigins(config.security().corsOrigins().toArray(String[]::new))
                                            .allowMethods("GET", "POST", "DELETE", "OPTIONS")
                                            .allowHeaders("*")
                                            .exposeHeaders("X-Request-Id", "X-Haia-Model")
                                            .build())
                    .build());
        }
        routing.register("/v1",
                         new ChatCompletionsService(pipeline, config, errors, metrics, timers, clock),
                         new ModelsService(models, clock),
                         new ConversationsService(store))
                .error(Throwable.class, (req, res, error) -> {
                    var apiError = errors.map(error, RequestLog.of(req).correlationId());
                    apiError.retryAfterSeconds().ifPresent(s -> res.header(io.helidon.http.HeaderNames.RETRY_AFTER, s));
                    res.status(io.helidon.http.Status.create(apiError.status()));
                    res.header(HeaderValues.CONTENT_TYPE_JSON);
                    res.send(apiError.body());
                });
    }

    private ObserveFeature observe() {
        return ObserveFeature.builder()
                .endpoint("/")
                .addObserver(HealthObserver.builder()
                                     .endpoint("health")
                                     .details(true)
                                     .useSystemServices(true)
                                     .addCheck(new DatabaseHealthCheck(store))
                                     .addCheck(new ProvidersHealthCheck(clients, redactor))
                                     .build())
                .addObserver(MetricsObserver.builder().endpoint("metrics").build())
                .build();
    }

    public HaiaConfig config() {
        return config;
    }

    public ConversationStore store() {
        return store;
    }

    /**
     * Graceful stop: refuse new requests, let in-flight requests and streams finish within the grace period, stop
     * the server, close the database.
     */
    public void shutdown(WebServer server) {
        Duration grace = config.server().shutdownGrace();
        LOG.log(System.Logger.Level.INFO, "Shutting down: waiting up to " + grace.toSeconds() + " s for "
                + drain.inflight() + " request(s) in flight");
        drain.start();
        if (!drain.awaitIdle(grace)) {
            LOG.log(System.Logger.Level.WARNING, drain.inflight() + " request(s) still running after the grace period");
        }
        server.stop();
        close();
        LOG.log(System.Logger.Level.INFO, "HAIA stopped");
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            timers.shutdownNow();
            store.close();
        }
    }

    private String describeModels() {
        StringBuilder text = new StringBuilder();
        for (ModelRegistry.Route route : models.all()) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(route.id()).append(" (").append(route.provider()).append(' ').append(route.upstreamModel());
            route.settings().fallback().ifPresent(f -> text.append(", falls back to ").append(f));
            text.append(')');
        }
        config.defaultModel().ifPresent(d -> text.append("; default model ").append(d));
        return text.toString();
    }
}
