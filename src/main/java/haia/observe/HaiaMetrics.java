package haia.observe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import haia.llm.Usage;
import haia.store.PoolStats;
import haia.usage.Charge;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.api.ScopingConfig;
import io.helidon.metrics.api.SystemTagsManager;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.service.registry.Services;

/**
 * Every metric HAIA publishes, named in one place. All are {@code haia_*} in {@code /metrics} (Prometheus text);
 * counters get the {@code _total} suffix there, timers are histograms ({@code _seconds_bucket/_count/_sum}, no
 * client-side quantiles, which Prometheus computes from the buckets). Next to them: the JVM and the process under
 * Micrometer's standard names ({@link JvmMeters}). No {@code scope} label: HAIA has one registry.
 *
 * <p>Counters exist at 0 from the start for every label value HAIA knows in advance ({@link #preRegister}), so
 * {@code rate()} alerts see a series before the first event instead of nothing.
 *
 * <p>Labels never carry message text, keys or user ids: only endpoints, outcomes, providers and model ids.
 */
public final class HaiaMetrics {

    private static final Duration[] CALL_BUCKETS = {
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};
    private static final Duration[] FIRST_TOKEN_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    /** HAIA's metrics settings: no scope tag (nothing to tell apart in one application's registry). */
    public static final MetricsConfig CONFIG = MetricsConfig.builder()
            .scoping(ScopingConfig.builder().clearTagName().build())
            .build();

    private final MeterRegistry registry;
    /** The Micrometer registry below Helidon's, which {@code /metrics} serves (for the one double counter). */
    private final Optional<io.micrometer.core.instrument.MeterRegistry> scraped;
    private final AtomicInteger streamsOpen = new AtomicInteger();
    /**
     * Meters by name and label values. Building a meter (and the registry's lookup behind it) costs far more than
     * recording into it, so each label combination is built once.
     */
    private final ConcurrentHashMap<String, Object> meters = new ConcurrentHashMap<>();

    public HaiaMetrics() {
        this(haiaRegistry());
        JvmMeters.bindOnce(registry);
    }

    /**
     * Helidon's global registry with HAIA's settings. Helidon keeps the scope tag's name in a singleton that its
     * factory sets up from the default settings the first time: set again with HAIA's before any meter exists. The
     * factory is Helidon's current one, as its service registry hands it out (what the deprecated
     * {@code MetricsFactory.getInstance()} returned).
     */
    private static MeterRegistry haiaRegistry() {
        MetricsFactory factory = Services.get(MetricsFactory.class);
        SystemTagsManager.instance(CONFIG);
        return factory.globalRegistry(CONFIG);
    }

    /** The registry {@code /metrics} serves. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Creates the counters whose label values are known at start at 0.
     *
     * @param outcomes  every outcome a request can have
     * @param providers the configured providers by name, with the models each serves
     * @param fallbacks model id to the model that answers for it
     * @param retryReasons the outcomes a retry can be for
     */
    public void preRegister(List<String> outcomes, java.util.Map<String, List<String>> providers,
                            java.util.Map<String, String> fallbacks, List<String> retryReasons) {
        outcomes.forEach(outcome -> requests("chat_completions", outcome));
        providers.forEach((provider, models) -> {
            retryReasons.forEach(reason -> retries(provider, reason));
            models.forEach(model -> {
                for (String direction : List.of("in", "out", "cache_read", "cache_write", "reasoning")) {
                    tokenCounter(provider, model, direction);
                }
                costCounter(provider, model);
                contextShrunkCounter(provider, model);
                cancelled(provider, model);
                tasks(model);
            });
        });
        fallbacks.forEach(this::fallbacks);
        for (String[] stored : new String[][] {{"user", "ok"}, {"user", "failed"}, {"user", "imported"},
                {"assistant", "ok"}, {"assistant", "incomplete"}, {"assistant", "imported"}}) {
            stored(stored[0], stored[1]);
        }
        rejected();
        for (String end : new String[] {"answered", "client_tools", "step_bound", "time_bound", "failed"}) {
            agentLoopCounters(end);
        }
        lost("answered");
        lost("unanswered");
    }

    HaiaMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.scraped = JvmMeters.scraped(registry);
        gauge(Gauge.builder("haia_streams_open", streamsOpen::get).description("Streaming replies currently open"),
              "haia_streams_open", List.of());
    }

    /** A finished HTTP request to a {@code /v1} endpoint; outcome is {@code ok}, {@code cancelled} or the error code. */
    public void request(String endpoint, String outcome) {
        requests(endpoint, outcome).increment();
    }

    private Counter requests(String endpoint, String outcome) {
        return counter("haia_requests", "Requests by endpoint and outcome",
                       Tag.create("endpoint", endpoint), Tag.create("outcome", outcome));
    }

    /** One model call (all retries included), by the model that answered or failed. */
    public void llmCall(String provider, String model, String outcome, Duration elapsed) {
        timer("haia_llm_call", "Upstream model call latency", CALL_BUCKETS,
              Tag.create("provider", provider), Tag.create("model", model), Tag.create("outcome", outcome))
                .record(elapsed);
    }

    /**
     * A call of one of HAIA's own tools in the agent loop: {@code haia_tool_call_seconds} by tool (its public name,
     * or {@code unknown}) and result ({@code ok}, {@code error}, {@code timeout}); {@code result}, not
     * {@code outcome}, which is the one vocabulary of request outcomes.
     */
    public void toolCall(String tool, String result, Duration elapsed) {
        timer("haia_tool_call", "HAIA's own tool calls in the agent loop", CALL_BUCKETS,
              Tag.create("tool", tool), Tag.create("result", result)).record(elapsed);
    }

    /** One request's agent loop ended: {@code haia_agent_steps} counts its model calls, by how the loop ended. */
    public void agentLoop(String end, int steps) {
        agentLoops(end).increment();
        agentSteps(end).increment(steps);
    }

    private void agentLoopCounters(String end) {
        agentLoops(end);
        agentSteps(end);
    }

    private Counter agentLoops(String end) {
        return counter("haia_agent_loops", "Agent loops (requests offered HAIA's tools) by how they ended",
                       Tag.create("end", end));
    }

    private Counter agentSteps(String end) {
        return counter("haia_agent_steps", "Model calls made by agent loops, by how the loop ended",
                       Tag.create("end", end));
    }

    /**
     * A billed model call: its tokens ({@code in} counts every input token; {@code cache_read} and
     * {@code cache_write} are parts of it; {@code out} every output token, {@code reasoning} a part of it) and, when
     * its price is known, its cost.
     */
    public void billed(String provider, String model, Charge charge) {
        Usage usage = charge.usage();
        tokenCounter(provider, model, "in").increment(usage.inputTokens());
        tokenCounter(provider, model, "out").increment(usage.outputTokens());
        tokenCounter(provider, model, "cache_read").increment(usage.cacheReadTokens());
        tokenCounter(provider, model, "cache_write").increment(usage.cacheWriteTokens());
        if (usage.reasoningTokens() > 0) {   // most calls have none to count: no fifth counter lookup for them
            tokenCounter(provider, model, "reasoning").increment(usage.reasoningTokens());
        }
        charge.cost().ifPresent(cost -> costCounter(provider, model).ifPresent(
                counter -> counter.increment(cost.usd().doubleValue())));
    }

    /**
     * {@code haia_cost_usd_total}: dollars are fractional, and Helidon's counters count whole numbers, so this one
     * is Micrometer's own (a double), on the registry {@code /metrics} is scraped from, like the JVM meters. Exact
     * amounts are in the usage ledger ({@code /v1/usage}); this sum of doubles is for rates and dashboards.
     */
    private Optional<io.micrometer.core.instrument.Counter> costCounter(String provider, String model) {
        return scraped.map(micrometer -> (io.micrometer.core.instrument.Counter) meters.computeIfAbsent(
                key("haia_cost_usd", Tag.create("provider", provider), Tag.create("model", model)),
                k -> io.micrometer.core.instrument.Counter.builder("haia_cost_usd")
                        .description("US dollars billed by providers, at the prices in force")
                        .tags("provider", provider, "model", model)
                        .register(micrometer)));
    }

    private Counter tokenCounter(String provider, String model, String direction) {
        return counter("haia_tokens", "Tokens billed by providers", Tag.create("provider", provider),
                       Tag.create("model", model), Tag.create("direction", direction));
    }

    public void messagesStored(String role, String status, int count) {
        if (count > 0) {
            stored(role, status).increment(count);
        }
    }

    private Counter stored(String role, String status) {
        return counter("haia_messages_stored", "Messages written to the database",
                       Tag.create("role", role), Tag.create("status", status));
    }

    public void firstToken(String provider, String model, Duration elapsed) {
        timer("haia_stream_first_token", "Time from request to the first streamed token", FIRST_TOKEN_BUCKETS,
              Tag.create("provider", provider), Tag.create("model", model)).record(elapsed);
    }

    public void streamFinished(String provider, String model, Duration elapsed) {
        timer("haia_stream_duration", "Duration of streamed replies", CALL_BUCKETS,
              Tag.create("provider", provider), Tag.create("model", model)).record(elapsed);
    }

    public void streamOpened() {
        streamsOpen.incrementAndGet();
    }

    public void streamClosed() {
        streamsOpen.decrementAndGet();
    }

    public void streamCancelled(String provider, String model) {
        cancelled(provider, model).increment();
    }

    private Counter cancelled(String provider, String model) {
        return counter("haia_streams_cancelled", "Streams whose client disconnected before the end",
                       Tag.create("provider", provider), Tag.create("model", model));
    }

    public void taskRequest(String model) {
        tasks(model).increment();
    }

    private Counter tasks(String model) {
        return counter("haia_task_requests", "OpenWebUI background task requests (answered statelessly)",
                       Tag.create("model", model));
    }

    /** One retry of an upstream call; {@code reason} is the failure's outcome code. */
    public void retry(String provider, String reason) {
        retries(provider, reason).increment();
    }

    private Counter retries(String provider, String reason) {
        return counter("haia_upstream_retries", "Upstream call retries",
                       Tag.create("provider", provider), Tag.create("reason", reason));
    }

    /**
     * A model refused a prompt as longer than its context, and HAIA shrank the window to what it learned of the model
     * and tried once more.
     */
    public void contextShrunk(String provider, String model) {
        contextShrunkCounter(provider, model).increment();
    }

    private Counter contextShrunkCounter(String provider, String model) {
        return counter("haia_context_shrunk", "Prompts a model refused as too long for its context, sent again with a"
                + " smaller window", Tag.create("provider", provider), Tag.create("model", model));
    }

    /**
     * What HAIA learned of a model's tokens ({@code haia.llm.ModelTokens}): its tokens per character (0.25, HAIA's
     * default estimate, until learned) and its context in tokens (0 while unknown).
     */
    public void modelTokensGauges(String provider, String model, Supplier<Double> tokensPerCharacter,
                                  Supplier<Integer> contextTokens) {
        List<Tag> tags = List.of(Tag.create("provider", provider), Tag.create("model", model));
        gauge(Gauge.builder("haia_model_tokens_per_char", tokensPerCharacter::get)
                      .description("Tokens per character HAIA learned of the model (0.25 until learned)")
                      .tags(tags),
              "haia_model_tokens_per_char", tags);
        gauge(Gauge.builder("haia_model_context_tokens", () -> (double) contextTokens.get())
                      .description("The model's context in tokens, as its server said (0 while unknown)")
                      .tags(tags),
              "haia_model_context_tokens", tags);
    }

    public void fallback(String from, String to) {
        fallbacks(from, to).increment();
    }

    private Counter fallbacks(String from, String to) {
        return counter("haia_model_fallbacks", "Requests answered by a fallback model",
                       Tag.create("from", from), Tag.create("to", to));
    }

    /**
     * An exchange that ran (the model was called) but could not be stored, e.g. on a full disk. The label is
     * {@code reply} ({@code answered} or {@code unanswered}), not {@code outcome}: that word names the request's
     * outcome code everywhere else, and this request's outcome was whatever the model call gave.
     */
    public void exchangeLost(String reply) {
        lost(reply).increment();
    }

    private Counter lost(String reply) {
        return counter("haia_exchanges_lost", "Exchanges whose model call ran but that could not be stored",
                       Tag.create("reply", reply));
    }

    public void rejectedBusy() {
        rejected().increment();
    }

    private Counter rejected() {
        return counter("haia_upstream_rejected", "Requests refused because the in-flight limit was reached");
    }

    /** Publishes 1 while the provider's circuit breaker is open. */
    public void breakerGauge(String provider, BooleanSupplier open) {
        List<Tag> tags = List.of(Tag.create("provider", provider));
        gauge(Gauge.builder("haia_circuit_breaker_open", () -> open.getAsBoolean() ? 1 : 0)
                      .description("1 while HAIA fails fast for this provider")
                      .tags(tags),
              "haia_circuit_breaker_open", tags);
    }

    /** The database connection pool: connections by state, its size limit, and requests waiting for one. */
    public void poolGauges(Supplier<Optional<PoolStats>> stats) {
        List<Tag> active = List.of(Tag.create("state", "active"));
        List<Tag> idle = List.of(Tag.create("state", "idle"));
        gauge(Gauge.builder("haia_db_pool_connections", () -> stats.get().map(PoolStats::active).orElse(0))
                      .description("Database connections in the pool, by state").tags(active),
              "haia_db_pool_connections", active);
        gauge(Gauge.builder("haia_db_pool_connections", () -> stats.get().map(PoolStats::idle).orElse(0))
                      .description("Database connections in the pool, by state").tags(idle),
              "haia_db_pool_connections", idle);
        gauge(Gauge.builder("haia_db_pool_max_connections", () -> stats.get().map(PoolStats::max).orElse(0))
                      .description("The database connection pool's size limit"),
              "haia_db_pool_max_connections", List.of());
        gauge(Gauge.builder("haia_db_pool_waiting_requests", () -> stats.get().map(PoolStats::waiting).orElse(0))
                      .description("Requests waiting for a database connection"),
              "haia_db_pool_waiting_requests", List.of());
    }

    /**
     * Gauges read live state, so each HAIA instance binds its own: a gauge left by an earlier instance in the same
     * JVM (the registry is global) is replaced rather than reused.
     */
    private void gauge(Gauge.Builder<?> builder, String name, List<Tag> tags) {
        registry.remove(name, tags);
        registry.getOrCreate(builder);
    }

    private Counter counter(String name, String description, Tag... tags) {
        return (Counter) meters.computeIfAbsent(key(name, tags), k -> registry.getOrCreate(
                Counter.builder(name).description(description).tags(List.of(tags))));
    }

    private Timer timer(String name, String description, Duration[] buckets, Tag... tags) {
        return (Timer) meters.computeIfAbsent(key(name, tags), k -> registry.getOrCreate(
                // buckets only: Helidon's default client-side percentiles would put quantile series into a histogram
                Timer.builder(name).description(description).buckets(buckets).percentiles(new double[0]).tags(List.of(tags))));
    }

    private static String key(String name, Tag... tags) {
        StringBuilder key = new StringBuilder(name);
        for (Tag tag : tags) {
            key.append('\u0000').append(tag.value());
        }
        return key.toString();
    }
}
