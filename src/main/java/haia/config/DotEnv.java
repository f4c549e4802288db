package haia.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .env} file as people write them: {@code KEY=value} lines, an optional {@code export } prefix,
 * {@code #} comment lines, and values that are
 * <ul>
 *     <li>unquoted: the text up to an inline comment (a {@code #} after a space), surrounding spaces dropped;</li>
 *     <li>in single quotes: taken literally;</li>
 *     <li>in double quotes: with {@code \n}, {@code \t}, {@code \"} and {@code \\} escapes;</li>
 * </ul>
 * either quoted kind followed by nothing but spaces and an optional comment ({@code KEY="value"   # comment} is
 * {@code value}, quotes and comment gone). A line that does not parse is a problem naming its number, never a value
 * with stray quotes that fails later as a rejected API key. One line per variable: no multi-line values. Real
 * environment variables override anything read here.
 */
final class DotEnv {

    private DotEnv() {
    }

    static Map<String, String> read(Path file, List<String> problems) {
        Map<String, String> values = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return values;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(file + ": cannot read (" + e.getMessage() + ")");
            return values;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();   // a byte-order mark from a Windows editor
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ") || line.startsWith("export\t")) {
                line = line.substring("export".length()).strip();
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? "" : line.substring(0, eq).strip();
            if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                problems.add(file + " line " + (i + 1) + ": expected KEY=value");
                continue;
            }
            try {
                values.put(key, value(line.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                problems.add(file + " line " + (i + 1) + " (" + key + "): " + e.getMessage());
            }
        }
        return values;
    }

    /** The value part of a line (everything after {@code =}). */
    static String value(String afterEquals) {
        String raw = afterEquals.strip();
        if (raw.startsWith("'") || raw.startsWith("\"")) {
            char quote = raw.charAt(0);
            StringBuilder out = new StringBuilder(raw.length());
            int i = 1;
            for (; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == quote) {
                    break;
                }
                if (quote == '"' && c == '\\' && i + 1 < raw.length()) {
                    char next = raw.charAt(++i);
                    out.append(switch (next) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> next;
                    });
                } else {
                    out.append(c);
                }
            }
            if (i >= raw.length()) {
                throw new IllegalArgumentException("the closing " + quote + " is missing (values are one line)");
            }
            String rest = raw.substring(i + 1).strip();
            if (!rest.isEmpty() && !rest.startsWith("#")) {
                throw new IllegalArgumentException("unexpected text after the closing " + quote);
            }
            return out.toString();
        }
        int comment = indexOfComment(afterEquals);
        return (comment >= 0 ? afterEquals.substring(0, comment) : afterEquals).strip();
    }

    /** An inline comment starts at a {@code #} after whitespace ({@code KEY=a#b} is {@code a#b}). */
    private static int indexOfComment(String raw) {
        for (int i = 1; i < raw.length(); i++) {
            if (raw.charAt(i) == '#' && Character.isWhitespace(raw.charAt(i - 1))) {
                return i;
            }
        }
        return -1;
    }
}
