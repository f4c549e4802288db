package haia.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import haia.llm.Cancellation;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * The HTTP/1.1 connection behind the request the current thread handles. Helidon reads each connection, and runs
 * the handler of each of its requests, on that connection's own virtual thread, and tells this listener on the
 * same thread when a request's first line and then its headers have been read. That is enough for what Helidon
 * 4.1 does not do by itself:
 * <ul>
 *     <li><b>A deadline for receiving a request</b>: {@code HAIA_CLIENT_READ_TIMEOUT} from its first line to the end
 *         of its headers, and again for its body (until the handler has read it, see {@link #bodyReceived}). A
 *         client that trickles bytes is cut off: the connection's thread is interrupted, which closes the socket
 *         under the blocked read. (A first line trickled forever is cut by Helidon's idle-connection check, which
 *         HAIA sets to the same timeout.)</li>
 *     <li><b>Noticing that a client went away</b> while its request waits or its blocking model call runs
 *         ({@link Connection#watch}).</li>
 *     <li><b>Refusing a body without losing the answer</b>: a body declared larger than {@code HAIA_MAX_BODY_BYTES}
 *         gets its 413 here, before Helidon's own check of the declared length, and the connection of a refused
 *         body ends with a lingering close ({@link Connection#closeLingering}) instead of Helidon's immediate one.
 *         </li>
 *     <li><b>Ending a connection that says {@code Connection: close}</b> once its response is out
 *         ({@link #filter}): Helidon 4.1.7 answers with the header but goes on reading the socket until its idle
 *         timeout, so a client reading to the end of the stream waited 30 s, and the socket stayed open as long.</li>
 * </ul>
 */
public final class ClientConnections implements Http1ConnectionListener, Filter {

    private static final System.Logger LOG = System.getLogger(ClientConnections.class.getName());
    /**
     * The most a lingering close reads (and drops) of a refused body: a body several times the limit still gets its
     * answer (a client's whole chat of screenshots; the test sends 64 MiB with urllib), an endless one is cut off.
     */
    public static final long LINGER_BYTES = 256L << 20;
    /**
     * The JDK socket under Helidon's plain socket: Helidon 4.1's sockets cannot half-close, JDK sockets can. Null
     * if a Helidon version without this field (or a module boundary) hides it; connections then close at once.
     */
    private static final Field JDK_SOCKET = jdkSocketField();

    private final Duration readTimeout;
    private final long maxBodyBytes;
    private final ScheduledExecutorService timers;
    private final ThreadLocal<Connection> current = new ThreadLocal<>();

    public ClientConnections(Duration readTimeout, long maxBodyBytes, ScheduledExecutorService timers) {
        this.readTimeout = readTimeout;
        this.maxBodyBytes = maxBodyBytes;
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
            if (declaredLength(headers) > maxBodyBytes) {
                // Helidon's maxPayloadSize would refuse it right after this listener, with the same 413, but then
                // close the socket at once, and a client still sending its body would get a reset instead (see
                // closeLingering): answered here, with a lingering close, before Helidon reads any of the body
                connection.refuse(TransportErrors.bodyTooLarge(headers.first(RequestLogFilter.REQUEST_ID),
                                                               declaredLength(headers), maxBodyBytes));
            }
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

    /**
     * The routing's outermost filter: a response that says {@code Connection: close} (one HAIA refused, or shutting
     * down), or one to a request that asked for it, ends its connection once it is sent. The request's body was read
     * (a plain close), or it was not (a lingering close, so the client still gets the answer). A response not sent
     * yet (an exception on its way to the error handler) is left alone: that handler answers and closes.
     */
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (saysClose(req.headers())) {
            // Helidon says keep-alive to "Connection: Close" and "keep-alive, close": HAIA answers as it closes
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        chain.proceed();
        if (res.isSent() && (saysClose(req.headers()) || saysClose(res.headers()))) {
            current().ifPresent(connection -> {
                if (req.content().consumed()) {
                    connection.close();
                } else {
                    connection.closeLingering();
                }
            });
        }
    }

    /** {@code Connection: close}, alone or among other tokens ({@code keep-alive, close}), in any case. */
    static boolean saysClose(Headers headers) {
        return headers.first(HeaderNames.CONNECTION).filter(value -> {
            for (String token : value.split(",")) {
                if (token.strip().toLowerCase(Locale.ROOT).equals("close")) {
                    return true;
                }
            }
            return false;
        }).isPresent();
    }

    /** The connection of the request this thread handles (empty outside a request handler). */
    public Optional<Connection> current() {
        return Optional.ofNullable(current.get());
    }

    private static boolean hasBody(Headers headers) {
        return headers.contains(HeaderValues.TRANSFER_ENCODING_CHUNKED)
                || headers.first(HeaderNames.CONTENT_LENGTH).filter(length -> !length.strip().equals("0")).isPresent();
    }

    /** The body's Content-Length as Helidon takes it (chunked wins); -1 without one, or for one Helidon refuses. */
    private static long declaredLength(Headers headers) {
        if (headers.contains(HeaderValues.TRANSFER_ENCODING_CHUNKED)) {
            return -1;
        }
        try {
            return headers.first(HeaderNames.CONTENT_LENGTH).map(length -> Long.parseLong(length.strip())).orElse(-1L);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Field jdkSocketField() {
        try {
            Field field = PlainSocket.class.getDeclaredField("delegate");
            if (field.getType() == Socket.class) {
                field.setAccessible(true);
                return field;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // below
        }
        LOG.log(System.Logger.Level.WARNING, "Cannot reach the JDK socket under Helidon's: connections that refuse a "
                + "request body close at once, and a client still sending it may see a reset instead of the answer");
        return null;
    }

    /** One request's connection. */
    public final class Connection {

        private enum Watch { NONE, WATCHED, DONE }

        private final ConnectionContext ctx;
        private final AtomicReference<Watch> watch = new AtomicReference<>(Watch.NONE);
        /** Closed by HAIA (a second close, lingering or not, has nothing left to do). */
        private volatile boolean ended;
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

        /** Sends {@code response} before Helidon routes the request, then ends the connection (lingering). */
        private void refuse(byte[] response) {
            try {
                ctx.dataWriter().writeNow(BufferData.create(response));
            } catch (UncheckedIOException gone) {
                close();
                throw new CloseConnectionException("The client left before its request was refused", gone);
            }
            closeLingering();
            // ends Helidon's loop on this connection quietly (its log has it at TRACE)
            throw new CloseConnectionException("Refused a request body larger than HAIA_MAX_BODY_BYTES");
        }

        /**
         * Ends the connection after a response that refused the request's body (413, or 401 before reading it),
         * sent with {@code Connection: close} while the client may still be sending that body.
         *
         * <p>Closing a socket whose received bytes were not all read makes the kernel answer with a reset (RST)
         * instead of a normal end, and a client still writing its body then fails on the write, or on the read with
         * the answer lost ("connection reset", "header parser received no bytes"), and SDKs retry resets. That is
         * what Helidon's own close does. So, as nginx's {@code lingering_close} and Go's net/http do: half-close
         * first (the client reads the answer and the end of the stream after it), read and drop what the client
         * still sends, until it stops or closes, and then close. Clients that write their whole body before they
         * read (Python's urllib and http.client, aiohttp under OpenWebUI) read the answer only then, so the drain
         * lasts as long as a client may take to send a body ({@code HAIA_CLIENT_READ_TIMEOUT}, as nginx's
         * {@code lingering_time}); bounded for hostile clients by that time and {@link #LINGER_BYTES}: a client that
         * sends more or longer is cut off by the close (and a reset). Runs on the connection's thread, after the
         * response was written (Helidon writes directly to the socket: HAIA configures no write queue).
         */
        public void closeLingering() {
            if (ended) {
                return;
            }
            receiving(false);   // the bounds below replace the request's read deadline
            Socket socket = jdkSocket();
            if (socket == null) {
                close();
                return;
            }
            long discarded = 0;
            boolean cutOff = true;
            try {
                socket.shutdownOutput();
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                long end = System.nanoTime() + readTimeout.toNanos();
                while (discarded < LINGER_BYTES) {
                    long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                    if (left <= 0) {
                        break;
                    }
                    socket.setSoTimeout((int) left);
                    int read = in.read(buffer, 0, (int) Math.min(buffer.length, LINGER_BYTES - discarded));
                    if (read < 0) {
                        cutOff = false;   // the client read the answer and closed: the normal end
                        break;
                    }
                    discarded += read;
                }
            } catch (SocketTimeoutException stillSending) {
                // the time is up
            } catch (IOException | RuntimeException gone) {
                cutOff = false;   // reset or closed by the client: nobody left to tell
            } finally {
                close();
            }
            if (cutOff) {
                LOG.log(System.Logger.Level.INFO, "Closed a connection from " + ctx.remotePeer().host()
                        + " after discarding " + discarded + " bytes of a refused request body: it kept sending"
                        + " (HAIA reads at most " + LINGER_BYTES + " bytes in " + readTimeout.toSeconds()
                        + " s of a refused body, HAIA_CLIENT_READ_TIMEOUT)");
            }
        }

        /** The JDK socket under this connection. (A TLS one, which HAIA does not serve, cannot half-close.) */
        private Socket jdkSocket() {
            try {
                return JDK_SOCKET != null && ctx.serverSocket() instanceof PlainSocket plain
                        && JDK_SOCKET.get(plain) instanceof Socket socket ? socket : null;
            } catch (IllegalAccessException | UnsupportedOperationException e) {
                return null;
            }
        }

        /**
         * Closes the connection now, after its response. (Throwing Helidon's {@code CloseConnectionException} would
         * be the usual way, but its metrics filter swallows exceptions that pass through it.) Helidon's next read
         * then finds the socket closed and ends the connection.
         */
        public void close() {
            ended = true;
            try {
                ctx.serverSocket().close();
            } catch (RuntimeException alreadyClosed) {
                // the client was faster
            }
        }
    }
}
