package haia.llm;

import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;

/**
 * The HTTP client of one upstream, configured once for talking to model APIs: HTTP/1.1 over HAIA's own keep-alive
 * pool ({@link UpstreamConnections}), the given timeouts, no redirects (an API that redirects is misconfigured), no
 * {@code Expect: 100-continue} round trip, and {@code TCP_NODELAY}, so a small request or a streamed token is sent
 * at once instead of waiting for Nagle's algorithm and a delayed ACK (up to 40 ms each).
 */
public final class UpstreamHttp implements AutoCloseable {

    private final Http1Client http;
    private final UpstreamConnections connections;

    private UpstreamHttp(URI upstream, Duration connectTimeout, Duration readTimeout) {
        WebClient client = WebClient.builder()
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout)
                .followRedirects(false)
                .sendExpectContinue(false)
                .build();
        this.http = client.client(Http1Client.PROTOCOL);
        this.connections = new UpstreamConnections(client, upstream, readTimeout);
    }

    /** A client for the server at {@code baseUrl} (every request goes to that scheme, host and port). */
    public static UpstreamHttp client(URI baseUrl, Duration connectTimeout, Duration readTimeout) {
        return new UpstreamHttp(baseUrl, connectTimeout, readTimeout);
    }

    /** An endpoint under a configured base URL: {@code path} appended, trailing slashes of the base dropped. */
    public static URI endpoint(URI baseUrl, String path) {
        return URI.create(baseUrl.toString().replaceAll("/+$", "") + path);
    }

    /** {@code POST uri} with the headers {@code prepare} sets and {@code body}. */
    public HttpClientResponse post(URI uri, Consumer<Http1ClientRequest> prepare, byte[] body) {
        return exchange(Method.POST, uri, prepare, request -> request.submit(body));
    }

    /** {@code GET uri} with the headers {@code prepare} sets. */
    public HttpClientResponse get(URI uri, Consumer<Http1ClientRequest> prepare) {
        return exchange(Method.GET, uri, prepare, Http1ClientRequest::request);
    }

    /**
     * Sends the request on a pooled connection. When a reused connection turns out closed before the server sent
     * anything (its idle timeout ran out as HAIA reused it), the request is sent once more on a new connection:
     * the failure says nothing about the upstream, only about that connection.
     */
    private HttpClientResponse exchange(Method method, URI uri, Consumer<Http1ClientRequest> prepare,
                                        Function<Http1ClientRequest, HttpClientResponse> send) {
        UpstreamConnections.Lease lease = connections.acquire();
        try {
            return send.apply(request(method, uri, prepare, lease));
        } catch (RuntimeException e) {
            lease.connection().closeResource();
            if (!lease.reused() || !closedBeforeAnswer(e)) {
                throw e;
            }
        }
        UpstreamConnections.Lease fresh = connections.fresh();
        try {
            return send.apply(request(method, uri, prepare, fresh));
        } catch (RuntimeException e) {
            fresh.connection().closeResource();
            throw e;
        }
    }

    private Http1ClientRequest request(Method method, URI uri, Consumer<Http1ClientRequest> prepare,
                                       UpstreamConnections.Lease lease) {
        Http1ClientRequest request = http.method(method).uri(uri).connection(lease.connection());
        prepare.accept(request);
        return request;
    }

    /** The connection ended (end of stream, reset, broken pipe) before an answer: not a slow server. */
    private static boolean closedBeforeAnswer(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return false;
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
        connections.close();
    }
}
