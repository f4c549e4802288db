package haia.tools.docker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Container logs as lines. Without a TTY the engine multiplexes stdout and stderr into frames of an 8-byte header
 * ({@code [stream, 0, 0, 0, size as big-endian uint32]}) and the payload; with a TTY the log is the raw terminal
 * output. Which one is decided by the container's {@code Config.Tty}, as the Engine API documents.
 */
final class LogFrames {

    /** One log line and the stream it came from. */
    record Line(boolean stderr, String text) {
    }

    private LogFrames() {
    }

    static List<Line> lines(byte[] body, boolean tty) {
        List<Line> lines = new ArrayList<>();
        if (tty) {
            split(new String(body, StandardCharsets.UTF_8), false, lines);
            return lines;
        }
        StringBuilder[] pending = {new StringBuilder(), new StringBuilder()};
        int at = 0;
        while (at + 8 <= body.length) {
            int stream = body[at];
            long size = ((body[at + 4] & 0xffL) << 24) | ((body[at + 5] & 0xffL) << 16) | ((body[at + 6] & 0xffL) << 8)
                    | (body[at + 7] & 0xffL);
            if (stream < 0 || stream > 2 || body[at + 1] != 0 || body[at + 2] != 0 || body[at + 3] != 0
                    || at + 8 + size > body.length) {
                // not a frame (or cut off): show the rest as it is rather than guess
                split(new String(body, at, body.length - at, StandardCharsets.UTF_8), false, lines);
                return lines;
            }
            StringBuilder buffer = pending[stream == 2 ? 1 : 0];
            buffer.append(new String(body, at + 8, (int) size, StandardCharsets.UTF_8));
            int newline;
            while ((newline = buffer.indexOf("\n")) >= 0) {
                lines.add(new Line(stream == 2, strip(buffer.substring(0, newline))));
                buffer.delete(0, newline + 1);
            }
            at += 8 + (int) size;
        }
        for (int i = 0; i < 2; i++) {
            if (!pending[i].isEmpty()) {
                lines.add(new Line(i == 1, strip(pending[i].toString())));
            }
        }
        return lines;
    }

    private static void split(String text, boolean stderr, List<Line> lines) {
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                lines.add(new Line(stderr, strip(line)));
            }
        }
    }

    private static String strip(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
