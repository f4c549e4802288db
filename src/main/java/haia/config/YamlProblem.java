package haia.config;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML file that cannot be parsed, said in one line: the file, the line and column of the problem, and what the
 * parser expected there. The parser's own report runs over several lines, names the file {@code 'reader'} and draws
 * the offending line with a caret.
 */
final class YamlProblem {

    /** {@code in 'reader', line 4, column 5:} */
    private static final Pattern MARK = Pattern.compile("in '[^']*', line (\\d+), column (\\d+):?");

    private YamlProblem() {
    }

    static String describe(Path file, Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String report = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        // the report: [context, mark, snippet, caret,] problem, mark, snippet, caret
        String[] lines = report.split("\\R");
        String problem = null;
        String position = null;
        String context = null;
        for (int i = 0; i < lines.length; i++) {
            Matcher mark = MARK.matcher(lines[i].strip());
            if (!mark.matches()) {
                continue;
            }
            String text = i > 0 ? lines[i - 1].strip() : "";
            String at = "line " + mark.group(1) + ", column " + mark.group(2);
            if (problem != null || position != null) {
                context = problem == null ? null : problem + " at " + position;
            }
            problem = text.isEmpty() || text.equals("^") ? problem : text;
            position = at;
        }
        if (position == null) {
            return file + ": not valid YAML: " + report.replaceAll("\\s+", " ").replace("'reader'", "the file").strip();
        }
        return file + " " + position + ": not valid YAML: " + (problem == null ? "syntax error" : problem)
                + (context == null ? "" : " (" + context + ")");
    }
}
