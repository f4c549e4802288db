package haia.llm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads server-sent events incrementally from an upstream response body: each event as soon as its terminating
 * blank line arrives. Handles {@code \n}, {@code \r\n} and {@code \r} line ends, multi-line {@code data}, comments
 * and events without a name (OpenAI and Gemini send only {@code data:} lines).
 */
public final class SseReader {

    /** One event: its {@code event:} name (empty when none) and its {@code data:} lines joined with newlines. */
    public record Event(String name, String data) {
    }

    private final BufferedReader reader;

    public SseReader(InputStream body) {
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 8192);
    }

    /** The next event, or empty at the end of the stream. */
    public Optional<Event> next() throws IOException {
        String name = "";
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return Optional.of(new Event(name, data.toString()));
                }
                name = "";
                continue;
            }
            if (line.startsWith(":")) {
                continue;   // comment / keep-alive
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> name = value;
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder(value);
                    } else {
                        data.append('\n').append(value);
                    }
                }
                default -> {
                    // id, retry and unknown fields carry nothing HAIA needs
                }
            }
        }
        return data != null ? Optional.of(new Event(name, data.toString())) : Optional.empty();
    }

    /** The next raw line (for newline-delimited JSON streams such as Ollama's), or empty at the end. */
    public Optional<String> nextLine() throws IOException {
        return Optional.ofNullable(reader.readLine());
    }
}
