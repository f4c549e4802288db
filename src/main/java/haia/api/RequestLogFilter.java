package haia.api;

import java.util.Map;

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
    private static final System.Logger LOG = System.getLogger("haia.request");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String path = req.path().path();   // read before routing narrows it to the service's part
        String id = req.headers().first(REQUEST_ID)
                .filter(v -> v.length() <= 64 && v.matches("[A-Za-z0-9._:-]+"))
                .orElseGet(RequestLog::newId);
        RequestLog log = new RequestLog(id);
        req.context().register(log);
        res.header(REQUEST_ID, id);
        try {
            chain.proceed();
        } finally {
            if (!path.equals("/health") && !path.equals("/metrics")) {
                StringBuilder line = new StringBuilder()
                        .append("req=").append(id)
                        .append(" method=").append(req.prologue().method().text())
                        .append(" path=").append(path)
                        .append(" status=").append(res.status().code())
                        .append(" ms=").append((System.nanoTime() - start) / 1_000_000);
                for (Map.Entry<String, Object> field : log.fields().entrySet()) {
                    line.append(' ').append(field.getKey()).append('=').append(quote(String.valueOf(field.getValue())));
                }
                LOG.log(System.Logger.Level.INFO, line.toString());
            }
        }
    }

    private static String quote(String value) {
        return value.matches("[A-Za-z0-9._:/@-]*") ? value : '"' + value.replace("\"", "'") + '"';
    }
}
