package haia.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import io.helidon.webserver.http.ServerRequest;

/**
 * What one request did, collected while it runs and written as one log line when it ends
 * ({@link RequestLogFilter}). Holds the correlation id every error body and log line refers to.
 */
public final class RequestLog {

    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final String correlationId;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    RequestLog(String correlationId) {
        this.correlationId = correlationId;
    }

    /** The log of the current request (a fresh one when called outside the filter, e.g. in tests of a service). */
    public static RequestLog of(ServerRequest request) {
        return request.context().get(RequestLog.class).orElseGet(() -> {
            RequestLog log = new RequestLog(newId());
            request.context().register(log);
            return log;
        });
    }

    /** The client's {@code X-Request-Id} when it is a sane one (short, no odd characters), else a fresh id. */
    static String idFrom(Optional<String> presented) {
        return presented.filter(v -> SANE_ID.matcher(v).matches()).orElseGet(RequestLog::newId);
    }

    static String newId() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFFFL);
    }

    public String correlationId() {
        return correlationId;
    }

    /** Adds a field to the request's log line (only ids, counts and outcomes: never message text or keys). */
    public synchronized RequestLog put(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    /** Adds a field unless the handler already recorded one under that key. */
    public synchronized RequestLog putIfAbsent(String key, Object value) {
        fields.putIfAbsent(key, value);
        return this;
    }

    synchronized Map<String, Object> fields() {
        return new LinkedHashMap<>(fields);
    }
}
