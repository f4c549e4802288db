package haia.llm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads server-sent events incrementally from an upstream response body: each event as soon as its terminating
 * blank line arrives. Handles {@code \n}, {@code \r\n} and {@code \r} line ends, multi-line {@code data}, comments
 * and events without a name (OpenAI and Gemini send only {@code data:} lines).
 *
 * <p>Works on bytes with a small buffer that grows only for long lines: a stream may stay open for minutes, and
 * thousands may be open at once, so each holds as little memory as it can. Lines end at a byte value that never
 * occurs inside a multi-byte UTF-8 sequence, so decoding line by line is exact.
 */
public final class SseReader {

    /** One event: its {@code event:} name (empty when none) and its {@code data:} lines joined with newlines. */
    public record Event(String name, String data) {
    }

    private static final int MAX_LINE = 4 * 1024 * 1024;

    private final InputStream body;
    private byte[] buffer = new byte[1024];
    private int start;
    private int end;
    private boolean skipLineFeed;
    private boolean eof;

    public SseReader(InputStream body) {
        this.body = body;
    }

    /** The next event, or empty at the end of the stream. */
    public Optional<Event> next() throws IOException {
        String name = "";
        StringBuilder data = null;
        String line;
        while ((line = readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return Optional.of(new Event(name, data.toString()));
                }
                name = "";
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;   // comment / keep-alive
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            int valueStart = colon < 0 ? line.length() : colon + 1;
            if (valueStart < line.length() && line.charAt(valueStart) == ' ') {
                valueStart++;
            }
            String value = line.substring(valueStart);
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
        return Optional.ofNullable(readLine());
    }

    private String readLine() throws IOException {
        int scanned = 0;   // bytes after start already looked at
        while (true) {
            for (int i = start + scanned; i < end; i++) {
                byte b = buffer[i];
                if (skipLineFeed) {
                    // the previous line ended with \r: a \n right after it belongs to that line end
                    skipLineFeed = false;
                    if (b == '\n') {
                        start++;
                        continue;
                    }
                }
                if (b == '\n' || b == '\r') {
                    String line = new String(buffer, start, i - start, StandardCharsets.UTF_8);
                    start = i + 1;
                    skipLineFeed = b == '\r';
                    return line;
                }
            }
            scanned = end - start;
            if (eof) {
                if (start == end) {
                    return null;
                }
                String line = new String(buffer, start, end - start, StandardCharsets.UTF_8);
                start = end;
                return line;
            }
            fill();
        }
    }

    /** Reads more input, compacting or growing the buffer first. */
    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.length) {
            if (buffer.length >= MAX_LINE) {
                throw new IOException("an upstream event line is longer than " + MAX_LINE + " bytes");
            }
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        int read = body.read(buffer, end, buffer.length - end);
        if (read < 0) {
            eof = true;
        } else {
            end += read;
        }
    }
}
