package haia.watch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import haia.config.WatchConfig;
import haia.observe.SafeText;
import haia.store.Finding;
import haia.store.FindingStore;
import haia.store.Severity;
import haia.store.Sighting;
import haia.store.StoreException;

/**
 * HAIA's watch: alerts in, its own checks on a schedule, findings recorded, investigations and messages out.
 * <ul>
 *     <li>{@link #accept} takes a webhook's alerts and returns at once; one recorder (a virtual thread) writes them
 *         in order, in short transactions, and hands what opened to the {@link Investigator} and what resolved to
 *         its messages. At most {@value #MAX_PENDING} alerts wait; past that a webhook is refused (503, so
 *         Alertmanager sends it again later).</li>
 *     <li>Every {@code HAIA_WATCH_INTERVAL} (the first round one interval after start) each {@link Check} runs once;
 *         a finding the round no longer sees is resolved, a check that cannot run is one finding of its own.</li>
 *     <li>Every {@link Board#REFRESH}, the board is read again (replicas share the database) and generic alerts
 *         nobody repeated within {@code HAIA_WATCH_ALERT_EXPIRY} are resolved.</li>
 * </ul>
 */
public final class Watch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Watch.class.getName());
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    /** Alerts accepted and not yet recorded, at most. */
    public static final int MAX_PENDING = 100_000;

    private final WatchConfig config;
    private final FindingStore store;
    private final Board board;
    private final Investigator investigator;
    private final List<Check> checks;
    private final Clock clock;
    private final BlockingQueue<List<Sighting>> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final ScheduledThreadPoolExecutor schedule;
    private final Thread recorder;
    private volatile boolean alertmanagerSends;
    private volatile Instant lastRound;

    Watch(WatchConfig config, FindingStore store, Board board, Investigator investigator, List<Check> checks,
          Clock clock) {
        this.config = config;
        this.store = store;
        this.board = board;
        this.investigator = investigator;
        this.checks = List.copyOf(checks);
        this.clock = clock;
        this.schedule = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "haia-watch-schedule");
            thread.setDaemon(true);
            return thread;
        });
        this.recorder = Thread.ofVirtual().name("haia-watch-recorder").unstarted(this::recordForever);
    }

    /** Reads the board, then starts the recorder, the investigator and the schedule. */
    void start() {
        try {
            alertmanagerSends = store.heardFrom("alertmanager");
            store.abandon(clock.instant().minus(Duration.ofHours(1)));
            board.load();
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "The watch starts without its findings: " + e.getMessage());
        }
        lastRound = clock.instant().minus(config.checks() ? config.interval() : Duration.ZERO);
        recorder.start();
        investigator.start();
        if (config.checks() && !checks.isEmpty()) {
            long every = config.interval().toMillis();
            schedule.scheduleWithFixedDelay(this::safeRound, every, every, TimeUnit.MILLISECONDS);
        }
        long refresh = Board.REFRESH.toMillis();
        schedule.scheduleWithFixedDelay(this::housekeeping, refresh, refresh, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes alerts to record in the background.
     *
     * @return false when too many wait already (the sender should try again later)
     */
    public boolean accept(List<Sighting> sightings) {
        if (pending.addAndGet(sightings.size()) > MAX_PENDING) {
            pending.addAndGet(-sightings.size());
            return false;
        }
        if (sightings.stream().anyMatch(s -> s.source().equals("alertmanager"))) {
            alertmanagerSends = true;
        }
        inbox.add(sightings);
        return true;
    }

    /** Whether Alertmanager has sent alerts (then the Prometheus check leaves alerts to it). */
    boolean alertmanagerSends() {
        return alertmanagerSends;
    }

    /** Alerts accepted and not recorded yet, and groups being investigated (tests and the benchmark wait for 0). */
    public int busy() {
        return pending.get() + investigator.busy();
    }

    private void recordForever() {
        try {
            while (true) {
                List<Sighting> batch = inbox.take();
                try {
                    record(batch);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, batch.size() + " alert(s) could not be recorded: "
                            + SafeText.escape(String.valueOf(e.getMessage())));
                } finally {
                    pending.addAndGet(-batch.size());
                }
            }
        } catch (InterruptedException e) {
            // HAIA is stopping
        }
    }

    /** Records sightings and acts on what changed. */
    void record(List<Sighting> sightings) {
        if (sightings.isEmpty()) {
            return;
        }
        FindingStore.Changes changes = store.record(sightings);
        if (!changes.any()) {
            return;
        }
        board.refresh();
        log(changes.opened(), "opened");
        log(changes.resolved(), "resolved");
        investigator.opened(changes.opened());
        investigator.resolved(changes.resolved());
    }

    private static void log(List<Finding> findings, String what) {
        if (!findings.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Watch: " + findings.size() + " finding(s) " + what + ": "
                    + SafeText.escape(String.join("; ", findings.stream().limit(5).map(f -> "#" + f.id() + " "
                    + SafeText.oneLine(f.title(), 100)).toList())) + (findings.size() > 5 ? "; …" : ""));
        }
    }

    private void safeRound() {
        try {
            round();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "A watch round failed: " + SafeText.escape(String.valueOf(
                    e.getMessage())));
        }
    }

    /** Runs every check once. */
    void round() {
        Instant started = clock.instant();
        for (Check check : checks) {
            Set<String> open = store.firing(check.source());
            Check.Round round;
            try {
                round = check.run(lastRound, open);
            } catch (RuntimeException e) {
                round = Check.Round.failed(String.valueOf(e.getMessage()));
            }
            record(sightings(check.source(), round, open));
        }
        lastRound = started;
    }

    /** A round's sightings: what fires, what it no longer sees (resolved), and whether the check itself ran. */
    static List<Sighting> sightings(String source, Check.Round round, Set<String> open) {
        List<Sighting> sightings = new ArrayList<>(round.firing());
        Set<String> firing = new HashSet<>();
        round.firing().forEach(s -> firing.add(s.fingerprint()));
        String self = source + "/check";
        for (String fingerprint : open) {
            boolean gone = !firing.contains(fingerprint) && (round.cleared().contains(fingerprint)
                    || round.covered().stream().anyMatch(fingerprint::startsWith));
            if (!fingerprint.equals(self) && gone) {
                sightings.add(new Sighting(fingerprint, source, fingerprint, Severity.INFO, "{}", false));
            }
        }
        if (round.problem().isPresent()) {
            String problem = SafeText.oneLine(round.problem().get(), 400);
            String detail = JSON.createObjectNode().put("source", source).put("check", "reachability")
                    .put("problem", problem).toString();
            sightings.add(new Sighting(self, source, "HAIA cannot check " + source + ": " + problem, Severity.WARNING,
                                       detail, true));
        } else if (open.contains(self)) {
            sightings.add(new Sighting(self, source, self, Severity.INFO, "{}", false));
        }
        return sightings;
    }

    private void housekeeping() {
        try {
            List<Finding> expired = store.expire("alert/", clock.instant().minus(config.alertExpiry()));
            board.refresh();
            if (!expired.isEmpty()) {
                log(expired, "expired (no repeat within HAIA_WATCH_ALERT_EXPIRY)");
                investigator.resolved(expired);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "The watch's housekeeping failed: " + SafeText.escape(
                    String.valueOf(e.getMessage())));
        }
    }

    @Override
    public void close() {
        schedule.shutdownNow();
        recorder.interrupt();
        investigator.close();
    }
}
