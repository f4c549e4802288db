package haia.api;

import io.helidon.http.HeaderValues;
import io.helidon.http.NotFoundException;
import io.helidon.webserver.http.ErrorHandler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The routing's error handler: every exception a route throws, and every request no route answers, becomes an
 * OpenAI-shaped error through the {@link ErrorMapper} table.
 *
 * <p>Helidon resets the response before calling an error handler, which drops the headers set so far: the
 * correlation id is set again here, so an error carries the reference its body and the log line quote.
 */
public final class ErrorResponder implements ErrorHandler<Throwable> {

    private final ErrorMapper errors;
    private final ClientConnections connections;

    public ErrorResponder(ErrorMapper errors, ClientConnections connections) {
        this.errors = errors;
        this.connections = connections;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res, Throwable error) {
        RequestLog log = RequestLog.of(req);
        res.header(RequestLogFilter.REQUEST_ID, log.correlationId());
        ApiError apiError = error instanceof NotFoundException
                ? errors.unrouted(req.prologue().method(), req.prologue().uriPath().path())
                : errors.map(error, log.correlationId());
        log.putIfAbsent("outcome", apiError.code());
        // a body read up to the limit (a chunked one, with no length to refuse it by): the rest of it is not read,
        // the connection ends (lingering, so that a client still sending it gets this answer rather than a reset)
        boolean bodyRefused = apiError.status() == 413;
        if (bodyRefused || ClientConnections.saysClose(req.headers())) {
            res.header(HeaderValues.CONNECTION_CLOSE);   // (the connections' filter closes the latter after this)
        }
        Responses.error(res, apiError);
        if (bodyRefused) {
            connections.current().ifPresent(ClientConnections.Connection::closeLingering);
        }
    }
}
