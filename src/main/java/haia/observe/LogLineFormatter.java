package haia.observe;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * HAIA's log line: {@code 2026-12-07T09:00:00.123 INFO haia.request: req=... status=200 ms=3}, the layout
 * {@code logging.properties} gives {@code java.util.logging.SimpleFormatter.format}
 * ({@code %1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tL %4$s %3$s: %5$s%6$s%n}), written without {@code String.format}.
 * The console handler takes it from {@code logging.properties}
 * ({@code io.helidon.logging.jul.HelidonConsoleHandler.formatter}); Helidon's formatter parsed that pattern for every
 * line, half the cost of the request log's line per request (its other half the flush).
 */
public final class LogLineFormatter extends Formatter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS",
                                                                              Locale.ROOT);

    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    public String format(LogRecord record) {
        String message = String.valueOf(formatMessage(record));   // a library's null message: "null", as the JDK's
        StringBuilder line = new StringBuilder(64 + message.length());
        TIME.formatTo(ZonedDateTime.ofInstant(record.getInstant(), zone), line);
        line.append(' ').append(record.getLevel().getLocalizedName())
                .append(' ').append(record.getLoggerName())
                .append(": ").append(message);
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            try (PrintWriter out = new PrintWriter(trace)) {
                out.println();
                record.getThrown().printStackTrace(out);
            }
            line.append(trace);
        }
        return line.append(System.lineSeparator()).toString();
    }
}
