package haia.observe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import haia.store.PoolStats;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * Every metric HAIA publishes, named in one place. All are {@code haia_*} in {@code /metrics} (Prometheus text);
 * counters get the {@code _total} suffix there, timers {@code _seconds_bucket/_count/_sum}.
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

    private final MeterRegistry registry;
    private final AtomicInteger streamsOpen = new AtomicInteger();
    /**
     * Meters by name and label values. Building a meter (and the registry's lookup behind it) costs far more than
     * recording into it, so each label combination is built once.
     */
    private final ConcurrentHashMap<String, Object> meters = new ConcurrentHashMap<>();

    public HaiaMetrics() {
        this(Metrics.globalRegistry());
    }

    HaiaMetrics(MeterRegistry registry) {
        this.registry = registry;
        gauge(Gauge.builder("haia_streams_open", streamsOpen::get).description("Streaming replies currently open"),
              "haia_streams_open", List.of());
    }

    /** A finished HTTP request to a {@code /v1} endpoint; outcome is {@code ok}, {@code client_error}, ... */
    public void request(String endpoint, String outcome) {
        counter("haia_requests", "Requests by endpoint and outcome",
                Tag.create("endpoint", endpoint), Tag.create("outcome", outcome)).increment();
    }

    /** One model call (all retries included), by the model that answered or failed. */
    public void llmCall(String provider, String model, String outcome, Duration elapsed) {
        timer("haia_llm_call", "Upstream model call latency", CALL_BUCKETS,
              Tag.create("provider", provider), Tag.create("model", model), Tag.create("outcome", outcome))
                .record(elapsed);
    }

    public void tokens(String provider, String model, int input, int output) {
        counter("haia_tokens", "Tokens billed by providers", Tag.create("provider", provider),
                Tag.create("model", model), Tag.create("direction", "in")).increment(input);
        counter("haia_tokens", "Tokens billed by providers", Tag.create("provider", provider),
                Tag.create("model", model), Tag.create("direction", "out")).increment(output);
    }

    public void messagesStored(String role, String status, int count) {
        if (count > 0) {
            counter("haia_messages_stored", "Messages written to the database",
                    Tag.create("role", role), Tag.create("status", status)).increment(count);
        }
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
        counter("haia_streams_cancelled", "Streams whose client disconnected before the end",
                Tag.create("provider", provider), Tag.create("model", model)).increment();
    }

    public void taskRequest(String model) {
        counter("haia_task_requests", "OpenWebUI background task requests (answered statelessly)",
                Tag.create("model", model)).increment();
    }

    public void retry(String provider, String category) {
        counter("haia_upstream_retries", "Upstream call retries",
                Tag.create("provider", provider), Tag.create("reason", category)).increment();
    }

    public void fallback(String from, String to) {
        counter("haia_model_fallbacks", "Requests answered by a fallback model",
                Tag.create("from", from), Tag.create("to", to)).increment();
    }

    /** An exchange that ran (the model was called) but could not be stored, e.g. on a full disk. */
    public void exchangeLost(String outcome) {
        counter("haia_exchanges_lost", "Exchanges whose model call ran but that could not be stored",
                Tag.create("outcome", outcome)).increment();
    }

    public void rejectedBusy() {
        counter("haia_upstream_rejected", "Requests refused because the in-flight limit was reached").increment();
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
                Timer.builder(name).description(description).buckets(buckets).tags(List.of(tags))));
    }

    private static String key(String name, Tag... tags) {
        StringBuilder key = new StringBuilder(name);
        for (Tag tag : tags) {
            key.append('\u0000').append(tag.value());
        }
        return key.toString();
    }
}
