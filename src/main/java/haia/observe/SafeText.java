package haia.observe;

/**
 * Text from outside HAIA (a client's request path, an upstream's error message) made safe to show or log: control
 * characters cannot start a new log line, move the cursor or reverse the text on a terminal.
 */
public final class SafeText {

    private SafeText() {
    }

    /**
     * For a log line: every control or line-breaking character is escaped ({@code \n}, {@code \r}, {@code \t},
     * otherwise {@code \}{@code uXXXX}), backslashes doubled, so the line stays one line and reads back unambiguously.
     */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\\' -> "\\\\";
                default -> unsafe(c) ? String.format("\\u%04x", (int) c) : null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * For a message a human reads (an error body, a health detail): one line of at most {@code max} characters,
     * whitespace runs and control characters turned into single spaces, an ellipsis where it was cut.
     */
    public static String oneLine(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 1));
        boolean space = false;
        boolean cut = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || unsafe(c)) {
                space = !out.isEmpty();
                continue;
            }
            if (out.length() + (space ? 1 : 0) >= max) {
                cut = true;
                break;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(c);
        }
        if (cut) {
            if (!out.isEmpty() && Character.isHighSurrogate(out.charAt(out.length() - 1))) {
                out.setLength(out.length() - 1);
            }
            out.append('…');
        }
        return out.toString();
    }

    /** C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides and isolates. */
    private static boolean unsafe(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
    }
}
