package haia.tools;

import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a tool's arguments with the model in mind: a wrong value is a {@link ToolException} that names the argument,
 * what was expected and what came, so the model can correct its call. Models send numbers as strings and booleans as
 * {@code "true"} now and then; both are accepted.
 */
public final class Args {

    private final String tool;
    private final JsonNode args;

    public Args(String tool, JsonNode args) {
        this.tool = tool;
        this.args = args;
    }

    /** A required text argument matching {@code pattern} (whole). */
    public String text(String name, Pattern pattern, String expected) {
        return optionalText(name, pattern, expected).orElseThrow(() -> new ToolException(
                tool + ": the argument '" + name + "' is required (" + expected + ")."));
    }

    /** An optional text argument; when present it must match {@code pattern} (whole). */
    public Optional<String> optionalText(String name, Pattern pattern, String expected) {
        JsonNode value = args.get(name);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            return Optional.empty();
        }
        String text = value.isTextual() || value.isNumber() ? value.asText() : value.toString();
        if (!pattern.matcher(text).matches()) {
            throw new ToolException(tool + ": the argument '" + name + "' must be " + expected + ", got "
                                            + quote(text) + ".");
        }
        return Optional.of(text);
    }

    /** An optional whole number in {@code [min, max]}. */
    public Optional<Long> optionalNumber(String name, long min, long max) {
        JsonNode value = args.get(name);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            return Optional.empty();
        }
        long number;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            number = value.asLong();
        } else if (value.isTextual() && value.asText().strip().matches("-?\\d{1,18}")) {
            number = Long.parseLong(value.asText().strip());
        } else {
            throw new ToolException(tool + ": the argument '" + name + "' must be a whole number from " + min
                                            + " to " + max + ", got " + quote(value.toString()) + ".");
        }
        if (number < min || number > max) {
            throw new ToolException(tool + ": the argument '" + name + "' must be from " + min + " to " + max
                                            + ", got " + number + ".");
        }
        return Optional.of(number);
    }

    public long number(String name, long min, long max, long fallback) {
        return optionalNumber(name, min, max).orElse(fallback);
    }

    public boolean flag(String name, boolean fallback) {
        JsonNode value = args.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        String text = value.asText().strip().toLowerCase(java.util.Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new ToolException(tool + ": the argument '" + name + "' must be true or false, got "
                                        + quote(value.toString()) + ".");
    }

    private static String quote(String text) {
        String shown = text.length() <= 80 ? text : text.substring(0, 80) + "…";
        return "'" + shown + "'";
    }
}
