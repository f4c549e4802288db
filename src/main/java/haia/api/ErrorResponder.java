package haia.api;

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

    public ErrorResponder(ErrorMapper errors) {
        this.errors = errors;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res, Throwable error) {
        RequestLog log = RequestLog.of(req);
        res.header(RequestLogFilter.REQUEST_ID, log.correlationId());
        ApiError apiError = error instanceof NotFoundException
                ? errors.unrouted(req.prologue().method(), req.prologue().uriPath().path())
                : errors.map(error, log.correlationId());
        log.putIfAbsent("outcome", apiError.code());
        Responses.error(res, apiError);
    }
}
