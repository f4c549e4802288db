package haia.notify;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.UnaryOperator;

import haia.observe.SafeText;
import haia.observe.WatchMetrics;

import io.helidon.common.LazyValue;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.ClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

/**
 * Delivers the watch's messages to every target, and never blocks anything: {@link #send} queues the message for
 * each target and returns. Each target has a worker of its own (a virtual thread) that delivers its messages in
 * order (a resolution never arrives before its opening): a target that hangs or fails holds up its own queue only.
 * A failed delivery (no connection, a timeout, 429 or 5xx) is tried again after 1, 4 and 16 backoff units; any other
 * answer is final. Every outcome is counted ({@code haia_notifications_total}); a message given up on is logged,
 * with the target's label, never a credential.
 */
public final class Notifier implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Notifier.class.getName());
    /** Messages waiting per target; past it the oldest is dropped (a storm the target cannot keep up with). */
    static final int QUEUE = 1000;
    /** Attempts per message. */
    static final int ATTEMPTS = 4;

    private final List<Worker> workers = new ArrayList<>();
    private final WatchMetrics metrics;
    private final UnaryOperator<String> redactor;
    private final Duration backoff;
    private final LazyValue<WebClient> http;

    /**
     * @param timeout longest connect and longest wait for an answer, per attempt
     * @param backoff the first pause before another attempt (then 4 and 16 times it)
     */
    public Notifier(List<NotifyTarget> targets, Duration timeout, Duration backoff, WatchMetrics metrics,
                    UnaryOperator<String> redactor) {
        this.metrics = metrics;
        this.redactor = redactor;
        this.backoff = backoff;
        // built by the first notification, not at start (its TLS context is a tenth of start-up's CPU)
        this.http = LazyValue.create(() -> WebClient.builder()
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .followRedirects(false)
                .sendExpectContinue(false)
                .build());
        for (NotifyTarget target : targets) {
            Worker worker = new Worker(target);
            workers.add(worker);
            worker.thread = Thread.ofVirtual().name("haia-notify-" + target.kind().scheme()).start(worker);
        }
    }

    /** Whether there is anyone to tell. */
    public boolean any() {
        return !workers.isEmpty();
    }

    /** Queues the message for every target and returns at once. */
    public void send(Notification message) {
        for (Worker worker : workers) {
            while (!worker.queue.offer(message)) {
                if (worker.queue.poll() != null) {
                    metrics.notification(worker.target.label(), "dropped");
                }
            }
        }
    }

    /** Messages still waiting (or being delivered), for tests and shutdown. */
    public int pending() {
        return workers.stream().mapToInt(w -> w.queue.size() + (w.busy ? 1 : 0)).sum();
    }

    @Override
    public void close() {
        workers.forEach(w -> w.thread.interrupt());
    }

    private final class Worker implements Runnable {
        final NotifyTarget target;
        final BlockingQueue<Notification> queue = new LinkedBlockingQueue<>(QUEUE);
        volatile boolean busy;
        Thread thread;

        Worker(NotifyTarget target) {
            this.target = target;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Notification message = queue.take();
                    busy = true;
                    try {
                        deliver(message);
                    } catch (RuntimeException e) {
                        // this message is lost, not the target: the worker goes on with the next one
                        metrics.notification(target.label(), "failed");
                        LOG.log(System.Logger.Level.WARNING, "Could not notify " + target.label() + ": "
                                + redactor.apply(String.valueOf(e)));
                    } finally {
                        busy = false;
                    }
                }
            } catch (InterruptedException e) {
                // HAIA is stopping
            }
        }

        private void deliver(Notification message) throws InterruptedException {
            Delivery delivery = Delivery.of(target, message);
            String problem = "";
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                Answer answer = post(delivery);
                if (answer.status() >= 200 && answer.status() < 300) {
                    metrics.notification(target.label(), "sent");
                    return;
                }
                problem = answer.problem();
                if (!answer.retryable() || attempt == ATTEMPTS) {
                    break;
                }
                metrics.notification(target.label(), "retried");
                Thread.sleep(backoff.multipliedBy(1L << (2 * (attempt - 1))));
            }
            metrics.notification(target.label(), "failed");
            LOG.log(System.Logger.Level.WARNING, "Could not notify " + target.label() + " of \""
                    + SafeText.escape(SafeText.oneLine(message.title(), 120)) + "\": " + redactor.apply(problem));
        }

        private Answer post(Delivery delivery) {
            // the client is built by the first notification: a failure to build it is this delivery's failure
            try {
                ClientRequest<?> request = http.get().post().uri(URI.create(target.endpoint().toString()));
                delivery.headers().forEach((name, value) -> request.header(HeaderNames.create(name), value));
                return send(request, delivery);
            } catch (Exception e) {
                return new Answer(0, true, SafeText.escape(String.valueOf(e.getMessage() == null
                        ? e.getClass().getSimpleName() : e.getMessage())));
            }
        }

        private static Answer send(ClientRequest<?> request, Delivery delivery) throws java.io.IOException {
            try (HttpClientResponse response = request.submit(delivery.body())) {
                int status = response.status().code();
                String said = "";
                if (status >= 300) {
                    try (InputStream in = response.inputStream()) {
                        said = SafeText.oneLine(new String(in.readNBytes(300), StandardCharsets.UTF_8), 200);
                    }
                }
                return new Answer(status, status == 408 || status == 429 || status >= 500,
                                  "HTTP " + status + (said.isEmpty() ? "" : " (" + SafeText.escape(said) + ")"));
            }
        }
    }

    private record Answer(int status, boolean retryable, String problem) {
    }
}
