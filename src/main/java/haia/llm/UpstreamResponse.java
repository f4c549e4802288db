package haia.llm;

import java.io.InputStream;

import io.helidon.common.GenericType;
import io.helidon.http.ClientResponseHeaders;
import io.helidon.http.ClientResponseTrailers;
import io.helidon.http.Status;
import io.helidon.http.media.ReadableEntity;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.spi.Source;

/**
 * An upstream's answer on a connection of HAIA's pool ({@link UpstreamConnections}), which a cancellation can
 * {@link #abort}.
 *
 * <p>Closing a response is no way to stop a call: Helidon's {@code close()} hands the connection back to the pool
 * when the rest of the body already sits in its read buffer (it skips those bytes), so a thread still reading that
 * body waits on a pooled connection for bytes that never come, until the socket's read timeout
 * ({@code HAIA_REQUEST_TIMEOUT}), while the pool may lend the connection to another request. An abort closes the
 * connection instead: a blocked read fails at once, and the connection is never reused.
 */
public final class UpstreamResponse implements HttpClientResponse {

    private final HttpClientResponse response;
    private final TcpClientConnection connection;
    private volatile boolean aborted;

    UpstreamResponse(HttpClientResponse response, TcpClientConnection connection) {
        this.response = response;
        this.connection = connection;
    }

    /** Stops the exchange from any thread: closes its connection, so the body's reader fails at once. */
    public void abort() {
        aborted = true;
        connection.closeResource();
    }

    @Override
    public Status status() {
        return response.status();
    }

    @Override
    public ClientResponseHeaders headers() {
        return response.headers();
    }

    @Override
    public ClientResponseTrailers trailers() {
        return response.trailers();
    }

    @Override
    public ClientUri lastEndpointUri() {
        return response.lastEndpointUri();
    }

    @Override
    public ReadableEntity entity() {
        return response.entity();
    }

    @Override
    public InputStream inputStream() {
        return response.inputStream();
    }

    @Override
    public <T> T as(Class<T> type) {
        return response.as(type);
    }

    @Override
    public <T extends Source<?>> void source(GenericType<T> sourceType, T source) {
        response.source(sourceType, source);
    }

    @Override
    public void close() {
        try {
            response.close();
        } catch (RuntimeException e) {
            if (!aborted) {
                throw e;
            }
            // Helidon looks for the rest of the body on the connection the abort closed: nothing to hand back
        }
    }
}
