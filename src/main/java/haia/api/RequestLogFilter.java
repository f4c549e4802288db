package haia.api;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import haia.observe.SafeText;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * One log line per request, in logfmt: method, path, status, latency, correlation id and whatever the handler
 * recorded (conversation, model, upstream request id, tokens). The correlation id comes from {@code X-Request-Id}
 * when the client sent a sane one, else it is generated; either way it is echoed in the response header.
 */
public final class RequestLogFilter implements Filter {

    public static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** java.util.logging directly, with an explicit source: the System.Logger bridge walks the stack per record. */
    private static final Logger LOG = Logger.getLogger("haia.request");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:/@-]*");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String path = req.path().path();   // read before routing narrows it to the service's part
        String id = RequestLog.idFrom(req.headers().first(REQUEST_ID));
        RequestLog log = new RequestLog(id);
        req.context().register(log);
        res.header(REQUEST_ID, id);
        try {
            chain.proceed();
        } finally {
            if (LOG.isLoggable(Level.INFO) && !quietProbe(path, res.status().code())) {
                StringBuilder line = new StringBuilder()
                        .append("req=").append(id)
                        .append(" method=").append(req.prologue().method().text())
                        .append(" path=").append(quote(path))
                        .append(" status=").append(res.status().code())
                        .append(" ms=").append((System.nanoTime() - start) / 1_000_000);
                for (Map.Entry<String, Object> field : log.fields().entrySet()) {
                    line.append(' ').append(field.getKey()).append('=').append(quote(String.valueOf(field.getValue())));
                }
                LOG.logp(Level.INFO, "haia.request", "", line.toString());
            }
        }
    }

    /** Health checks and scrapes every few seconds would drown the log: they are logged only when they fail. */
    private static boolean quietProbe(String path, int status) {
        return (path.equals("/health") || path.equals("/metrics")) && status < 400;
    }

    /**
     * A value as it goes into the line: plain ones as they are, others quoted with their control characters escaped.
     * Paths, ids and upstream request ids come from outside: a {@code %0a} in a path must not start a forged line.
     */
    private static String quote(String value) {
        return PLAIN.matcher(value).matches() ? value : '"' + SafeText.escape(value).replace("\"", "'") + '"';
    }
}
