package haia.llm;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.helidon.http.Header;
import io.helidon.http.Headers;

/**
 * The status and headers of an upstream's answer, for protocol mappings (which never see the HTTP client).
 *
 * @param status  the HTTP status
 * @param headers header values by lower-case name (the first value of each)
 */
public record UpstreamHead(int status, Map<String, String> headers) {

    public UpstreamHead {
        Map<String, String> lower = new TreeMap<>();
        headers.forEach((name, value) -> lower.putIfAbsent(name.toLowerCase(Locale.ROOT), value));
        headers = java.util.Collections.unmodifiableMap(lower);
    }

    public static UpstreamHead of(int status, Headers headers) {
        Map<String, String> values = new TreeMap<>();
        for (Header header : headers) {
            values.putIfAbsent(header.headerName().lowerCase(), header.get());
        }
        return new UpstreamHead(status, values);
    }

    /** A header's value, stripped; empty when missing or blank. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT))).map(String::strip)
                .filter(s -> !s.isEmpty());
    }
}
