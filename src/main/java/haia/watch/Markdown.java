package haia.watch;

import haia.observe.SafeText;

/**
 * Text from an alert (a label, a title) inside Markdown that a phone or OpenWebUI renders: one line, without control
 * characters, every character that Markdown or HTML would act on escaped, so an alert cannot add a link, an image,
 * a heading or markup to a message. The investigation's own answer is the model's Markdown and stays as it is.
 */
final class Markdown {

    private static final String SPECIAL = "\\`*_{}[]()<>#+-.!|~&\"'";

    private Markdown() {
    }

    static String text(String raw, int max) {
        String line = SafeText.oneLine(raw, max);
        StringBuilder out = new StringBuilder(line.length() + 16);
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (SPECIAL.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
