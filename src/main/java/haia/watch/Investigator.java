package haia.watch;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import haia.chat.ChatPipeline;
import haia.config.WatchConfig;
import haia.notify.Notification;
import haia.notify.Notifier;
import haia.observe.SafeText;
import haia.observe.WatchMetrics;
import haia.store.Finding;
import haia.store.FindingStore;
import haia.store.Severity;
import haia.store.StoreException;

/**
 * Turns new findings into investigations and messages. Findings that open within the group wait of each other (a
 * storm: hundreds of alerts in one webhook, or a node going down with everything on it) are one investigation and one
 * message. An investigation is a caller of the one chat pipeline ({@link ChatPipeline#investigate} with
 * {@link WatchPrompt}'s command and a {@link CollectingSink}): the agent loop with HAIA's read-only tools, within
 * {@code HAIA_TOOLS_MAX_STEPS}/{@code HAIA_TOOLS_BUDGET}, each model call in the usage ledger.
 *
 * <p>Investigations have their own bound, far below the chat's: at most {@value #AT_ONCE} at once, on their own
 * virtual threads, so a chat never waits for one. Past {@code HAIA_WATCH_MAX_INVESTIGATIONS} in the last hour a group
 * is notified at once, uninvestigated, and says so. A finding's resolution is notified after its opening, never
 * before.
 */
final class Investigator implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Investigator.class.getName());
    /** Investigations running at once. */
    static final int AT_ONCE = 2;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final WatchConfig config;
    private final FindingStore store;
    private final ChatPipeline pipeline;
    private final String model;
    private final Notifier notifier;
    private final Board board;
    private final WatchMetrics metrics;
    private final UnaryOperator<String> redactor;
    private final Clock clock;
    private final BlockingQueue<List<Finding>> queue = new LinkedBlockingQueue<>();
    private final Semaphore slots = new Semaphore(AT_ONCE);
    /** Findings whose opening has not been notified yet, and those of them resolved meanwhile. */
    private final Set<Long> unannounced = new HashSet<>();
    private final Map<Long, Finding> resolvedEarly = new HashMap<>();
    private final Thread dispatcher;
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();

    Investigator(WatchConfig config, FindingStore store, ChatPipeline pipeline, String model, Notifier notifier,
                 Board board, WatchMetrics metrics, UnaryOperator<String> redactor, Clock clock) {
        this.config = config;
        this.store = store;
        this.pipeline = pipeline;
        this.model = model;
        this.notifier = notifier;
        this.board = board;
        this.metrics = metrics;
        this.redactor = redactor;
        this.clock = clock;
        this.dispatcher = Thread.ofVirtual().name("haia-watch-investigator").unstarted(this::dispatch);
    }

    void start() {
        dispatcher.start();
    }

    /** New findings: investigated (grouped with others opening about now) and notified. */
    void opened(List<Finding> findings) {
        if (findings.isEmpty()) {
            return;
        }
        synchronized (this) {
            findings.forEach(f -> unannounced.add(f.id()));
        }
        queue.add(findings);
    }

    /** Resolved findings: notified, after their opening's message if that is still to come. */
    void resolved(List<Finding> findings) {
        List<Finding> now = new ArrayList<>();
        synchronized (this) {
            for (Finding f : findings) {
                if (unannounced.contains(f.id())) {
                    resolvedEarly.put(f.id(), f);
                } else {
                    now.add(f);
                }
            }
        }
        announceResolved(now);
    }

    /** Groups waiting or being investigated (for tests and the benchmark). */
    int busy() {
        return queue.size() + running.get();
    }

    private void dispatch() {
        try {
            while (true) {
                List<Finding> group = new ArrayList<>(queue.take());
                running.incrementAndGet();   // busy from here: grouping, waiting for a slot, investigating
                Instant until = clock.instant().plus(config.groupWait());
                for (long left = config.groupWait().toMillis(); left > 0;
                     left = Duration.between(clock.instant(), until).toMillis()) {
                    List<Finding> more = queue.poll(left, TimeUnit.MILLISECONDS);
                    if (more == null) {
                        break;
                    }
                    group.addAll(more);
                }
                slots.acquire();
                Thread.ofVirtual().name("haia-watch-investigation").start(() -> {
                    try {
                        investigate(group);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "A watch investigation failed: "
                                + SafeText.escape(redactor.apply(String.valueOf(e.getMessage()))));
                    } finally {
                        running.decrementAndGet();
                        slots.release();
                    }
                });
            }
        } catch (InterruptedException e) {
            // HAIA is stopping
        }
    }

    private void investigate(List<Finding> group) {
        List<Long> ids = group.stream().map(Finding::id).toList();
        int lastHour = store.investigationsSince(clock.instant().minus(Duration.ofHours(1)));
        if (lastHour >= config.maxInvestigations()) {
            String why = "Not investigated: HAIA's limit of " + config.maxInvestigations() + " investigation"
                    + (config.maxInvestigations() == 1 ? "" : "s") + " per hour is reached"
                    + " (HAIA_WATCH_MAX_INVESTIGATIONS). Ask HAIA in a chat to look into it.";
            store.startInvestigation(ids, FindingStore.Result.LIMITED, Optional.of(why));
            metrics.investigation("limited");
            announceOpened(group, why);
            return;
        }
        long investigation = store.startInvestigation(ids, FindingStore.Result.RUNNING, Optional.empty());
        CollectingSink sink = new CollectingSink();
        OptionalLong conversation = OptionalLong.empty();
        try {
            ChatPipeline.Outcome outcome = pipeline.investigate(WatchPrompt.command(model, investigation, group), sink);
            if (outcome.conversationId().isPresent()) {
                conversation = OptionalLong.of(outcome.conversationId().get());
            }
        } catch (RuntimeException e) {
            sink.fail(e);
        }
        String answer;
        FindingStore.Result result;
        if (sink.reply().isPresent()) {
            answer = CollectingSink.answer(sink.reply().get().parts());
            result = FindingStore.Result.ANSWERED;
        } else {
            answer = "HAIA could not investigate this: " + sink.error().map(e -> redactor.apply(
                    SafeText.oneLine(String.valueOf(e.getMessage()), 300))).orElse("no answer");
            result = FindingStore.Result.FAILED;
        }
        if (answer.isBlank()) {
            answer = "(The model gave no answer.)";
        }
        try {
            store.finishInvestigation(investigation, result, answer, conversation);
            board.refresh();
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "An investigation's answer could not be stored: " + e.getMessage());
        }
        metrics.investigation(result.dbValue());
        announceOpened(group, answer);
    }

    private void announceOpened(List<Finding> group, String answer) {
        Severity worst = group.stream().map(Finding::severity).min(Comparator.naturalOrder()).orElse(Severity.INFO);
        String body = answer + "\n\n---\n" + list(group, true);
        notifier.send(new Notification(true, title(group, worst), worst, body, link(group), group));
        List<Finding> early = new ArrayList<>();
        synchronized (this) {
            for (Finding f : group) {
                unannounced.remove(f.id());
                Finding resolved = resolvedEarly.remove(f.id());
                if (resolved != null) {
                    early.add(resolved);
                }
            }
        }
        announceResolved(early);
    }

    private void announceResolved(List<Finding> resolved) {
        if (resolved.isEmpty()) {
            return;
        }
        Severity worst = resolved.stream().map(Finding::severity).min(Comparator.naturalOrder()).orElseThrow();
        String title = "Resolved: " + (resolved.size() == 1 ? resolved.getFirst().title()
                : resolved.size() + " findings: " + names(resolved));
        notifier.send(new Notification(false, SafeText.oneLine(title, 200), worst, list(resolved, false),
                                       link(resolved), resolved));
    }

    /** What fired, where: the finding's title, or a count and the first titles. */
    private static String title(List<Finding> group, Severity worst) {
        String what = group.size() == 1 ? group.getFirst().title() : group.size() + " findings: " + names(group);
        return SafeText.oneLine("[" + worst.dbValue() + "] " + what, 200);
    }

    private static String names(List<Finding> findings) {
        return String.join(", ", findings.stream().limit(3).map(Finding::title).toList())
                + (findings.size() > 3 ? ", …" : "");
    }

    /** The findings, one escaped line each (alert text cannot add links or markup to the message). */
    private static String list(List<Finding> findings, boolean opened) {
        StringBuilder text = new StringBuilder();
        int shown = 0;
        for (Finding f : findings) {
            if (shown++ == 10) {
                text.append("- … and ").append(findings.size() - 10).append(" more\n");
                break;
            }
            text.append("- ").append(opened ? "firing since " + TIME.format(f.firstSeen())
                    : "resolved at " + f.resolvedAt().map(TIME::format).orElse("?") + " after "
                    + haia.tools.Units.duration(Duration.between(f.firstSeen(), f.resolvedAt().orElse(f.lastSeen()))
                                                        .toSeconds()))
                    .append(": ").append(Markdown.text(f.title(), 160)).append(" (").append(f.severity().dbValue())
                    .append(", ").append(Markdown.text(f.source(), 40)).append(")\n");
        }
        return text.toString().strip();
    }

    private Optional<URI> link(List<Finding> findings) {
        return config.publicUrl().map(base -> URI.create(base + "/v1/findings/" + findings.getFirst().id()));
    }

    @Override
    public void close() {
        dispatcher.interrupt();
    }
}
