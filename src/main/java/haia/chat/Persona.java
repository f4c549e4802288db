package haia.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Optional;

/**
 * The system prompt that makes the model HAIA: read once at start from a file (or the default shipped in the
 * jar), rendered per request with today's date, followed by any system text the client sent.
 */
public final class Persona {

    static final String DEFAULT_RESOURCE = "/haia-defaults/persona.md";

    private final String template;
    private final String source;

    private Persona(String template, String source) {
        this.template = template.strip();
        this.source = source;
    }

    /**
     * @param file the persona file; empty means {@code config/persona.md} in the working directory if present,
     *             else the copy built into the jar
     */
    public static Persona load(Optional<Path> file) {
        Path path = file.orElse(Path.of("config", "persona.md"));
        if (Files.isRegularFile(path)) {
            try {
                return new Persona(Files.readString(path, StandardCharsets.UTF_8), path.toString());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read persona file " + path + ": " + e.getMessage(), e);
            }
        }
        if (file.isPresent()) {
            throw new IllegalArgumentException("Persona file " + path + " does not exist");
        }
        try (InputStream in = Persona.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the default persona is missing from the build");
            }
            return new Persona(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in default");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Persona of(String text) {
        return new Persona(text, "inline");
    }

    /** Where the persona was read from, for the start-up log. */
    public String source() {
        return source;
    }

    /**
     * The persona for one request, with today's date. The client's own system texts follow it as blocks of their
     * own ({@code LlmRequest#system}), so a provider can cache the persona apart from them.
     */
    public String render(LocalDate today) {
        String day = today + " (" + today.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + ")";
        return template.replace("{{date}}", day);
    }
}
