package haia.observe;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * HAIA's log line is the JDK's {@link SimpleFormatter} line with the layout {@code logging.properties} configures,
 * character for character: the same records through both.
 */
class LogLineFormatterTest {

    private static Properties loggingProperties() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = LogLineFormatter.class.getResourceAsStream("/logging.properties")) {
            assertNotNull(in, "logging.properties on the classpath");
            properties.load(in);
        }
        return properties;
    }

    @Test
    void writesTheConfiguredLayoutAsTheJdksFormatterDoes() throws IOException {
        Properties logging = loggingProperties();
        assertEquals(LogLineFormatter.class.getName(),
                     logging.getProperty("io.helidon.logging.jul.HelidonConsoleHandler.formatter"),
                     "the console handler's formatter");
        String layout = logging.getProperty("java.util.logging.SimpleFormatter.format");
        String before = System.getProperty("java.util.logging.SimpleFormatter.format");
        System.setProperty("java.util.logging.SimpleFormatter.format", layout);
        try {
            SimpleFormatter jdk = new SimpleFormatter();
            LogLineFormatter haia = new LogLineFormatter();
            LogRecord request = new LogRecord(Level.INFO, "req=abc method=POST path=/v1/chat/completions status=200");
            request.setLoggerName("haia.request");
            request.setInstant(Instant.parse("2026-12-07T09:05:03.007Z"));
            LogRecord params = new LogRecord(Level.WARNING, "Provider {0} answered {1}");
            params.setLoggerName("haia.llm");
            params.setParameters(new Object[] {"anthropic", 529});
            LogRecord failure = new LogRecord(Level.SEVERE, "Start-up failed");
            failure.setLoggerName("haia.Main");
            failure.setThrown(new IllegalStateException("the database is read-only"));
            LogRecord unnamed = new LogRecord(Level.FINE, "no logger name");
            LogRecord nothing = new LogRecord(Level.WARNING, null);   // a library logging e.getMessage()
            nothing.setLoggerName("com.zaxxer.hikari.pool.HikariPool");
            nothing.setThrown(new IllegalStateException());
            for (LogRecord record : new LogRecord[] {request, params, failure, unnamed, nothing}) {
                assertEquals(jdk.format(record), haia.format(record), record.getMessage());
            }
            assertEquals(true, haia.format(request).contains(" INFO haia.request: req=abc"), haia.format(request));
        } finally {
            if (before == null) {
                System.clearProperty("java.util.logging.SimpleFormatter.format");
            } else {
                System.setProperty("java.util.logging.SimpleFormatter.format", before);
            }
        }
    }
}
