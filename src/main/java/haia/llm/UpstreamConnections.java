package haia.llm;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;

/**
 * HAIA's own pool of keep-alive connections to one upstream, used instead of Helidon 4.1.7's connection cache, which
 * has two races that cost real requests:
 * <ul>
 *     <li>helidon-io/helidon#10861: the cache offers a returned connection to other requests <em>before</em> it
 *     starts the connection's idle monitor (a thread that reads one byte to notice a server closing it). A request
 *     that picks the connection up in between reads its answer while the monitor, started late, steals the first
 *     byte: {@code Protocol is not HTTP: ...|TTP|}. Here the monitor runs before the connection is offered, and a
 *     request that takes it stops the monitor first and receives any byte it read (fixed upstream only after 4.3).</li>
 *     <li>helidon-io/helidon#9012: a server's idle timeout can close a connection just as it is reused. Servers
 *     HAIA talks to close idle connections after 5 s (uvicorn under vLLM, cpp-httplib under llama.cpp, Node), so a
 *     connection idle for {@link #MAX_IDLE} is closed rather than reused, and a request whose reused connection
 *     turns out closed before any answer is sent once more on a fresh connection ({@link UpstreamHttp}).</li>
 * </ul>
 * Most recently used first: the freshest connection is the least likely to be stale.
 */
final class UpstreamConnections implements AutoCloseable {

    /** Below the 5 s idle timeout of the servers above, so HAIA gives up a connection before the server does. */
    static final Duration MAX_IDLE = Duration.ofSeconds(4);
    /** Idle connections kept per upstream (Helidon's own default); beyond that a returned connection is closed. */
    private static final int MAX_POOLED = 256;

    /** A connection and whether it served a request before (only those can have been closed while idle). */
    record Lease(TcpClientConnection connection, boolean reused) {
    }

    private record Idle(TcpClientConnection connection, long since) {
    }

    private final WebClient client;
    private final ConnectionKey key;
    private final ConcurrentLinkedDeque<Idle> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger pooled = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * The read timeout is no part of the key: Helidon sets each request's own on the connection it is sent on
     * ({@link UpstreamHttp}'s client's), pooled or not. The TLS is the client's: disabled for an http upstream.
     */
    UpstreamConnections(WebClient client, URI upstream) {
        this.client = client;
        var config = client.prototype();
        int port = upstream.getPort() >= 0 ? upstream.getPort() : "https".equals(upstream.getScheme()) ? 443 : 80;
        this.key = ConnectionKey.create(upstream.getScheme(), upstream.getHost(), port, config.tls(),
                                        config.dnsResolver(), config.dnsAddressLookup(), config.proxy());
    }

    /** A pooled connection that is still open and not idle for too long, else a new one. */
    Lease acquire() {
        long now = System.nanoTime();
        Idle candidate;
        while ((candidate = idle.pollFirst()) != null) {
            pooled.decrementAndGet();
            if (candidate.connection().isConnected() && now - candidate.since() < MAX_IDLE.toNanos()) {
                return new Lease(candidate.connection(), true);
            }
            candidate.connection().closeResource();
        }
        return new Lease(connect(), false);
    }

    /** Always a new connection. */
    Lease fresh() {
        return new Lease(connect(), false);
    }

    private TcpClientConnection connect() {
        if (closed.get()) {
            throw new IllegalStateException("the upstream connection pool is closed");
        }
        return TcpClientConnection.create(client, key, List.of(Http1Client.PROTOCOL_ID), this::release, c -> {
        }).connect();
    }

    /**
     * Called by Helidon once a response was read to its end: the connection goes back to the pool, its idle
     * monitor started first (see the class comment). False closes it instead.
     */
    private boolean release(TcpClientConnection connection) {
        if (closed.get() || !connection.isConnected() || pooled.get() >= MAX_POOLED) {
            return false;
        }
        connection.helidonSocket().idle();
        pooled.incrementAndGet();
        idle.offerFirst(new Idle(connection, System.nanoTime()));
        evictExpired();
        return true;
    }

    /** Closes the connections at the old end of the pool that no request will take any more. */
    private void evictExpired() {
        long now = System.nanoTime();
        Idle oldest;
        while ((oldest = idle.peekLast()) != null && now - oldest.since() >= MAX_IDLE.toNanos()) {
            if (idle.removeLastOccurrence(oldest)) {
                pooled.decrementAndGet();
                oldest.connection().closeResource();
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Idle connection;
            while ((connection = idle.pollFirst()) != null) {
                connection.connection().closeResource();
            }
        }
    }
}
