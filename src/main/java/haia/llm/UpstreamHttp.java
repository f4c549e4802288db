package haia.llm;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

import haia.config.HaiaConfig;

import io.helidon.common.LazyValue;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.api.WebClientConfig;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;

/**
 * The HTTP client of one upstream, configured once for talking to model APIs: HTTP/1.1 over HAIA's own keep-alive
 * pool ({@link UpstreamConnections}), the given timeouts, no redirects (an API that redirects is misconfigured), no
 * {@code Expect: 100-continue} round trip, and {@code TCP_NODELAY}, so a small request or a streamed token is sent
 * at once instead of waiting for Nagle's algorithm and a delayed ACK (up to 40 ms each).
 *
 * <p>The pool is HAIA's own, one per provider, closed by HAIA after the shutdown drain ({@link LlmClient#close()}):
 * Helidon's shared cache closes itself in a JVM shutdown hook, which on SIGTERM would fail the upstream calls that
 * HAIA's graceful shutdown still lets run.
 *
 * <p>The client is built by the first request (the provider check, right after start), not at start: for an https
 * upstream that builds the TLS context (the JDK's TLS provider and its trust store, a tenth of start-up's CPU). An
 * http upstream (a model server on the LAN) gets no TLS context at all: every request goes to its base URL, and
 * redirects are not followed.
 */
public final class UpstreamHttp implements AutoCloseable {

    /**
     * How HAIA talks to any upstream.
     *
     * @param connectTimeout TCP connect timeout
     * @param readTimeout    socket read timeout: a backstop only; the real deadlines are wall-clock ones, enforced by
     *                       {@link ResilientLlmClient} through {@link Cancellation}
     * @param maxBodyBytes   largest response body read from an upstream, blocking or streamed
     * @param maxReplyChars  longest reply text taken from an upstream
     */
    public record Settings(Duration connectTimeout, Duration readTimeout, long maxBodyBytes, int maxReplyChars) {

        public static Settings of(HaiaConfig.Resilience resilience) {
            return new Settings(resilience.connectTimeout(), resilience.requestTimeout(),
                                resilience.maxUpstreamBytes(), resilience.maxReplyChars());
        }
    }

    /** The built client and its keep-alive pool. */
    private record Connected(Http1Client http, UpstreamConnections connections) {
    }

    private final String provider;
    private final String where;
    private final LazyValue<Connected> connected;
    private volatile boolean closed;

    private UpstreamHttp(HaiaConfig.Provider settings, Duration connectTimeout, Duration readTimeout) {
        this.provider = settings.name();
        this.where = settings.where();
        this.connected = LazyValue.create(() -> connect(settings.baseUrl(), connectTimeout, readTimeout));
    }

    private static Connected connect(URI upstream, Duration connectTimeout, Duration readTimeout) {
        // readTimeout is a backstop (see Settings): each request sets it on the pooled connection it is sent on
        WebClientConfig.Builder builder = WebClient.builder()
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout)
                .followRedirects(false)
                .sendExpectContinue(false);
        if (!"https".equals(upstream.getScheme())) {
            builder.tls(Tls.builder().enabled(false).build());
        }
        WebClient client = builder.build();
        return new Connected(client.client(Http1Client.PROTOCOL), new UpstreamConnections(client, upstream));
    }

    /** A client for the provider's server (every request goes to its base URL's scheme, host and port). */
    public static UpstreamHttp client(HaiaConfig.Provider provider, Settings settings) {
        return new UpstreamHttp(provider, settings.connectTimeout(), settings.readTimeout());
    }

    /** An endpoint under a configured base URL: {@code path} appended, trailing slashes of the base dropped. */
    public static URI endpoint(URI baseUrl, String path) {
        return URI.create(baseUrl.toString().replaceAll("/+$", "") + path);
    }

    /** Sends a protocol's request: its method, URL, headers and body. */
    public UpstreamResponse send(UpstreamRequest request) {
        Consumer<Http1ClientRequest> headers = http -> request.headers()
                .forEach((name, value) -> http.header(HeaderNames.create(name), value));
        return switch (request.method()) {
            case POST -> post(request.uri(), headers, request.body());
            case GET -> get(request.uri(), headers);
        };
    }

    /** {@code POST uri} with the headers {@code prepare} sets and {@code body}. */
    public UpstreamResponse post(URI uri, Consumer<Http1ClientRequest> prepare, byte[] body) {
        return exchange(Method.POST, uri, prepare, request -> request.submit(body));
    }

    /** {@code GET uri} with the headers {@code prepare} sets. */
    public UpstreamResponse get(URI uri, Consumer<Http1ClientRequest> prepare) {
        return exchange(Method.GET, uri, prepare, Http1ClientRequest::request);
    }

    /**
     * Sends the request on a pooled connection. When a reused connection turns out closed before the server sent
     * anything (its idle timeout ran out as HAIA reused it), the request is sent once more on a new connection:
     * the failure says nothing about the upstream, only about that connection. Not so when the thread was
     * interrupted: that is a {@link Cancellation} (the client left, a deadline, shutdown), which closes the socket
     * under the read and so looks the same, and a cancelled call must not be sent again. Any other failure to get
     * an answer is a classified {@link LlmException} naming the upstream's URL and the setting that changes it.
     */
    private UpstreamResponse exchange(Method method, URI uri, Consumer<Http1ClientRequest> prepare,
                                      Function<Http1ClientRequest, HttpClientResponse> send) {
        Connected client;
        UpstreamConnections.Lease lease;
        try {
            if (closed) {   // nothing is built for a request after close()
                throw new IllegalStateException("the upstream connection pool is closed");
            }
            client = connected.get();
            if (closed) {
                client.connections().close();   // built while close() ran (a race at shutdown): refuses, as a built pool
            }
            lease = client.connections().acquire();
        } catch (RuntimeException e) {
            throw UpstreamErrors.connectionFailure(provider, where, e);
        }
        try {
            return new UpstreamResponse(send.apply(request(client.http(), method, uri, prepare, lease)),
                                        lease.connection());
        } catch (RuntimeException e) {
            lease.connection().closeResource();
            if (!lease.reused() || !closedBeforeAnswer(e)) {
                throw UpstreamErrors.connectionFailure(provider, where, e);
            }
        }
        UpstreamConnections.Lease fresh = null;
        try {
            fresh = client.connections().fresh();
            return new UpstreamResponse(send.apply(request(client.http(), method, uri, prepare, fresh)),
                                        fresh.connection());
        } catch (RuntimeException e) {
            if (fresh != null) {
                fresh.connection().closeResource();
            }
            throw UpstreamErrors.connectionFailure(provider, where, e);
        }
    }

    private static Http1ClientRequest request(Http1Client http, Method method, URI uri,
                                              Consumer<Http1ClientRequest> prepare, UpstreamConnections.Lease lease) {
        Http1ClientRequest request = http.method(method).uri(uri).connection(lease.connection());
        prepare.accept(request);
        return request;
    }

    /**
     * The connection ended (end of stream, reset, broken pipe) before an answer: not a slow server, and not a
     * cancellation (an interrupted virtual thread's socket is closed under it: "Closed by interrupt", and the
     * thread stays interrupted; Helidon's idle monitor reports the interrupt as an {@link InterruptedException}).
     */
    private static boolean closedBeforeAnswer(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof InterruptedException) {
                return false;   // a timeout (SocketTimeoutException is one) or an interrupt
            }
            if (t instanceof DataReader.InsufficientDataAvailableException || t instanceof EOFException
                    || t instanceof SocketException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        if (connected.isLoaded()) {
            connected.get().connections().close();
        }
    }
}
