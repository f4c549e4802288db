package haia.llm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseReaderTest {

    /** Hands out the input a few bytes at a time, splitting lines and UTF-8 sequences at every possible point. */
    private static InputStream trickling(String text, int step) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            int at;

            @Override
            public int read() {
                return at < bytes.length ? bytes[at++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= bytes.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, step), bytes.length - at);
                System.arraycopy(bytes, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    private static List<SseReader.Event> events(InputStream in) throws IOException {
        SseReader reader = new SseReader(in);
        List<SseReader.Event> events = new ArrayList<>();
        Optional<SseReader.Event> event;
        while ((event = reader.next()).isPresent()) {
            events.add(event.get());
        }
        return events;
    }

    @Test
    void readsEventsWhateverTheLineEndsAndChunking() throws IOException {
        String stream = "event: message_start\ndata: {\"a\":1}\n\n"
                + ": keep-alive comment\r\n\r\n"
                + "event: delta\r\ndata: {\"text\":\"naïve ☃ 😀\"}\r\n\r\n"
                + "data: line one\rdata: line two\r\r"
                + "data:no space\n\n"
                + "data: unterminated at the end";
        List<SseReader.Event> expected = List.of(
                new SseReader.Event("message_start", "{\"a\":1}"),
                new SseReader.Event("delta", "{\"text\":\"naïve ☃ 😀\"}"),
                new SseReader.Event("", "line one\nline two"),
                new SseReader.Event("", "no space"),
                new SseReader.Event("", "unterminated at the end"));
        for (int step = 1; step <= 7; step++) {
            assertEquals(expected, events(trickling(stream, step)), "delivered " + step + " bytes at a time");
        }
        assertEquals(expected, events(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void longLinesGrowTheBuffer() throws IOException {
        String big = "x".repeat(100_000);
        assertEquals(List.of(new SseReader.Event("", big)), events(trickling("data: " + big + "\n\n", 4096)));
    }

    @Test
    void readsNewlineDelimitedJsonLineByLine() throws IOException {
        SseReader reader = new SseReader(trickling("{\"a\":1}\n{\"b\":2}\r\n{\"done\":true}", 3));
        assertEquals(Optional.of("{\"a\":1}"), reader.nextLine());
        assertEquals(Optional.of("{\"b\":2}"), reader.nextLine());
        assertEquals(Optional.of("{\"done\":true}"), reader.nextLine());
        assertEquals(Optional.empty(), reader.nextLine());
    }
}
