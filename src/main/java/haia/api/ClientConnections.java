package haia.api;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import haia.llm.Cancellation;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * The HTTP/1.1 connection behind the request the current thread handles. Helidon reads each connection, and runs
 * the handler of each of its requests, on that connection's own virtual thread, and tells this listener on the
 * same thread when a request's first line and then its headers have been read. That is enough for two things
 * Helidon 4.1 does not do by itself:
 * <ul>
 *     <li><b>A deadline for receiving a request</b>: {@code HAIA_CLIENT_READ_TIMEOUT} from its first line to the end
 *         of its headers, and again for its body (until the handler has read it, see {@link #bodyReceived}). A
 *         client that trickles bytes is cut off: the connection's thread is interrupted, which closes the socket
 *         under the blocked read. (A first line trickled forever is cut by Helidon's idle-connection check, which
 *         HAIA sets to the same timeout.)</li>
 *     <li><b>Noticing that a client went away</b> while its request waits or its blocking model call runs
 *         ({@link Connection#watch}).</li>
 * </ul>
 */
public final class ClientConnections implements Http1ConnectionListener {

    private static final System.Logger LOG = System.getLogger(ClientConnections.class.getName());

    private final Duration readTimeout;
    private final ScheduledExecutorService timers;
    private final ThreadLocal<Connection> current = new ThreadLocal<>();

    public ClientConnections(Duration readTimeout, ScheduledExecutorService timers) {
        this.readTimeout = readTimeout;
        this.timers = timers;
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        Connection previous = current.get();
        if (previous != null) {
            previous.receiving(false);   // a body nobody read (Helidon drained it): that request is over
        }
        Connection connection = new Connection(ctx);
        current.set(connection);
        connection.receiving(true);
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        Connection connection = current.get();
        if (connection != null) {
            // a body gets its own time; without one the request is in
            connection.receiving(false);
            if (hasBody(headers)) {
                connection.receiving(true);
            }
        }
    }

    /** The handler has read the whole request body: the request is in. */
    public void bodyReceived() {
        Connection connection = current.get();
        if (connection != null) {
            connection.receiving(false);
        }
    }

    /** The connection of the request this thread handles (empty outside a request handler). */
    public Optional<Connection> current() {
        return Optional.ofNullable(current.get());
    }

    private static boolean hasBody(Headers headers) {
        return headers.contains(HeaderValues.TRANSFER_ENCODING_CHUNKED)
                || headers.first(HeaderNames.CONTENT_LENGTH).filter(length -> !length.strip().equals("0")).isPresent();
    }

    /** One request's connection. */
    public final class Connection {

        private enum Watch { NONE, WATCHED, DONE }

        private final ConnectionContext ctx;
        private final AtomicReference<Watch> watch = new AtomicReference<>(Watch.NONE);
        private Cancellation.Interruption deadline;
        private ScheduledFuture<?> timer;

        private Connection(ConnectionContext ctx) {
            this.ctx = ctx;
        }

        /** Starts (or ends) a phase of receiving the request, on the connection's thread. */
        private void receiving(boolean start) {
            if (deadline != null) {
                timer.cancel(false);
                deadline.close();   // clears an interrupt that fired too late to matter
                deadline = null;
            }
            if (start) {
                Cancellation tooSlow = new Cancellation();
                Cancellation.Interruption interruption = tooSlow.interruptOnCancel();
                deadline = interruption;
                timer = timers.schedule(() -> {
                    tooSlow.cancel(Cancellation.Reason.CLIENT_TOO_SLOW);
                    if (interruption.interrupted()) {
                        LOG.log(System.Logger.Level.INFO, "Closed a connection from " + ctx.remotePeer().host()
                                + ": its request did not arrive within " + readTimeout.toSeconds()
                                + " s (HAIA_CLIENT_READ_TIMEOUT)");
                    }
                }, readTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        /**
         * Watches the connection for its end, from now until the request is done, and runs {@code gone} when the
         * client closes it. The request has been read completely, so the next thing a client sends on this
         * connection would be its next request; HTTP/1.1 clients send none before they have their response, so
         * a read that returns is the end of the connection. The read cannot be taken back, so a watched connection
         * is not reused: {@link #finish} closes it after the response.
         */
        public void watch(Runnable gone) {
            if (!watch.compareAndSet(Watch.NONE, Watch.WATCHED)) {
                return;   // the request is already done
            }
            HelidonSocket socket;
            try {
                socket = ctx.serverSocket();
            } catch (UnsupportedOperationException e) {
                return;
            }
            Thread.ofVirtual().name("haia-client-watch").start(() -> {
                try {
                    if (socket.get() == null) {
                        gone.run();
                    }
                } catch (RuntimeException closed) {   // reset by the client, or closed by HAIA after the response (then nobody listens)
                }
            });
        }

        /** Whether the connection is being watched (its response then says {@code Connection: close}). */
        public boolean watched() {
            return watch.get() == Watch.WATCHED;
        }

        /**
         * The response has been sent. A watched connection is closed now (its watcher still reads it), otherwise
         * it stays open for the client's next request.
         */
        public void finish() {
            if (!watch.compareAndSet(Watch.NONE, Watch.DONE)) {
                close();
            }
        }

        /**
         * Closes the connection now, after its response. (Throwing Helidon's {@code CloseConnectionException} would
         * be the usual way, but its metrics filter swallows exceptions that pass through it.) Helidon's next read
         * then finds the socket closed and ends the connection.
         */
        public void close() {
            try {
                ctx.serverSocket().close();
            } catch (RuntimeException alreadyClosed) {
                // the client was faster
            }
        }
    }
}
