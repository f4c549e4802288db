package haia.watch;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import haia.chat.Briefing;
import haia.chat.ChatPipeline;
import haia.config.HaiaConfig;
import haia.config.WatchConfig;
import haia.llm.ModelRegistry;
import haia.notify.Notifier;
import haia.notify.NotifyTarget;
import haia.observe.HaiaMetrics;
import haia.observe.Redactor;
import haia.observe.WatchMetrics;
import haia.store.FindingStore;
import haia.tools.ToolSource;
import haia.tools.docker.DockerClient;
import haia.tools.prometheus.PromClient;
import haia.tools.prometheus.PromTools;
import haia.tools.proxmox.PveClient;

/**
 * The watch, wired from HAIA's configuration by hand, in the two steps {@code Haia} needs: first what the chat
 * pipeline takes from it (the {@link Briefing}) and the tool catalog with its sources in it ({@link #catalog}:
 * Prometheus's tools, and {@code haia_watch_findings}), then, once the pipeline exists, the {@link Watch} that investigates with
 * it ({@link #attach}). Nothing runs before {@link #start()}.
 */
public final class Watching implements AutoCloseable {

    /** Longest wait per delivery attempt of a message, and the first pause before trying again. */
    static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(10);
    static final Duration NOTIFY_BACKOFF = Duration.ofSeconds(2);

    private final HaiaConfig config;
    private final FindingStore store;
    private final WatchMetrics metrics;
    private final Redactor redactor;
    private final Clock clock;
    private final Board board;
    private final Optional<PromClient> prometheus;
    private final List<ToolSource> sources = new ArrayList<>();
    private Notifier notifier;
    private Watch watch;

    private Watching(HaiaConfig config, FindingStore store, HaiaMetrics metrics, Redactor redactor, Clock clock) {
        this.config = config;
        this.store = store;
        this.metrics = new WatchMetrics(metrics);
        this.redactor = redactor;
        this.clock = clock;
        this.board = new Board(store, this.metrics, clock);
        this.prometheus = config.watch().prometheus().map(p -> new PromClient(p, config.tools().timeout()));
        prometheus.ifPresent(client -> sources.add(new PromTools(client, clock)));
        if (config.tools().any() || prometheus.isPresent() || !config.watch().targets().isEmpty()) {
            sources.add(new WatchTools(store, clock));
        }
        this.metrics.preRegister(config.watch().targets().stream().map(NotifyTarget::label).distinct().toList());
    }

    public static Watching of(HaiaConfig config, FindingStore store, HaiaMetrics metrics, Redactor redactor,
                              Clock clock) {
        return new Watching(config, store, metrics, redactor, clock);
    }

    /** What the next chat is told ("since you last looked"). */
    public Briefing briefing() {
        return board;
    }

    /**
     * The watch's tool sources, for HAIA's catalog: Prometheus's tools when it is configured, and the findings tool
     * when HAIA watches anything (a tool source, Prometheus, or someone to notify); without either, none.
     */
    public List<ToolSource> sources() {
        return List.copyOf(sources);
    }

    /** Builds the watch around the pipeline its investigations run through. */
    public Watching attach(ChatPipeline pipeline, ModelRegistry models) {
        WatchConfig watch = config.watch();
        String model = watch.model().or(config::defaultModel).orElse(models.all().getFirst().id());
        this.notifier = new Notifier(watch.targets(), NOTIFY_TIMEOUT, NOTIFY_BACKOFF, metrics, redactor::redact);
        Investigator investigator = new Investigator(watch, store, pipeline, model, notifier, board, metrics,
                                                     redactor::redact, clock);
        List<Check> checks = new ArrayList<>();
        Duration timeout = config.tools().timeout();
        config.tools().proxmox().ifPresent(p -> checks.add(new ProxmoxCheck(new PveClient(p, timeout),
                                                                            watch.storagePercent())));
        config.tools().docker().ifPresent(d -> checks.add(new EngineCheck(new DockerClient(d.socket(), timeout))));
        Watch[] self = new Watch[1];
        prometheus.ifPresent(client -> checks.add(new PrometheusCheck(client, () -> self[0].alertmanagerSends())));
        this.watch = new Watch(watch, store, board, investigator, checks, clock);
        self[0] = this.watch;
        return this;
    }

    /** Starts recording, investigating and the scheduled checks. */
    public void start() {
        watch.start();
    }

    /** Where alerts go in. */
    public Watch watch() {
        return watch;
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        if (notifier != null) {
            notifier.close();
        }
    }
}
