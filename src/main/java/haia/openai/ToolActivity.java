package haia.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.Part;
import haia.tools.ToolNames;

/**
 * HAIA's own tool calls as a client is shown them: OpenWebUI's {@code <details type="tool_calls">} markup in the
 * reply's text (its own format, {@code serialize_content_blocks} in its middleware), which it renders as a
 * collapsible "View Result from <b>name</b>" with the arguments and the result. HAIA never sends its calls as
 * {@code tool_calls}: a client would run them (OpenWebUI does, even for tools it does not know).
 *
 * <pre>
 * &lt;details type="tool_calls" done="true" id="toolu_1" name="haia_pve_nodes" arguments="&amp;quot;{}&amp;quot;" result="&amp;quot;pve1 online&amp;quot;" files="" embeds=""&gt;
 * &lt;summary&gt;Tool Executed&lt;/summary&gt;
 * &lt;/details&gt;
 * </pre>
 * Attribute values are {@code html.escape(json.dumps(value))}, as OpenWebUI writes them; a blank line goes before a
 * block and a newline after it (its markdown tokenizer needs both). The result is a short form: the model read the
 * whole of it.
 *
 * <p>The way back: OpenWebUI 0.12.4 resends a reply's text with these blocks in it. {@link #parse} turns them into
 * the calls and results they show (the model then reads them as tool calls, not as prose), so the resent reply
 * matches the stored one ({@code ContentHash} reads both as their visible texts).
 */
public final class ToolActivity {

    /** Longest result shown; the rest is cut with a note (the model had all of it). */
    static final int SHOWN_RESULT_CHARS = 1500;
    private static final String ERROR_PREFIX = "Error: ";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BLOCK = Pattern.compile(
            "(?s)\\s*<details type=\"tool_calls\"([^>]*)>\\s*(?:<summary>.*?</summary>)?\\s*</details>\\s*");
    private static final Pattern ATTRIBUTE = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private ToolActivity() {
    }

    /** The markup of one finished call, with a blank line before and a newline after. */
    public static String block(Part.ToolCall call, Part.ToolResult result) {
        String shown = result.text();
        if (shown.length() > SHOWN_RESULT_CHARS) {
            shown = shown.substring(0, SHOWN_RESULT_CHARS) + "… [" + (shown.length() - SHOWN_RESULT_CHARS)
                    + " more characters]";
        }
        return "\n\n<details type=\"tool_calls\" done=\"true\" id=\"" + attribute(call.id()) + "\" name=\""
                + attribute(call.name()) + "\" arguments=\"" + attribute(json(call.arguments())) + "\" result=\""
                + attribute(json((result.error() ? ERROR_PREFIX : "") + shown)) + "\" files=\"\" embeds=\"\">\n"
                + "<summary>Tool Executed</summary>\n</details>\n";
    }

    /** The markup of a batch of finished calls, results in the order of {@code calls}. */
    public static String blocks(List<Part.ToolCall> calls, List<Part.ToolResult> results) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < calls.size(); i++) {
            text.append(block(calls.get(i), results.get(i)));
        }
        return text.toString();
    }

    /**
     * A reply's parts as its text shows them: the texts, with each of HAIA's calls and its result as a block where
     * the result is. A client's own calls are not in it (they go out as {@code tool_calls}).
     */
    public static String text(List<Part> parts) {
        StringBuilder text = new StringBuilder();
        Map<String, Part.ToolCall> calls = new java.util.HashMap<>();
        for (Part part : parts) {
            switch (part) {
                case Part.Text t -> text.append(t.text());
                case Part.ToolCall call when ToolNames.isReserved(call.name()) -> calls.put(call.id(), call);
                case Part.ToolResult result when calls.containsKey(result.callId()) ->
                        text.append(block(calls.get(result.callId()), result));
                default -> {
                    // reasoning goes apart; a client's calls go as tool_calls
                }
            }
        }
        return text.toString();
    }

    /**
     * An assistant text as HAIA reads it back: the blocks of HAIA's own tools become the calls and results they
     * show, between the texts around them. Blocks of other tools (OpenWebUI's own) stay text.
     */
    static List<Part> parse(String text) {
        if (!text.contains("<details type=\"tool_calls\"")) {
            return List.of(new Part.Text(text));
        }
        List<Part> parts = new ArrayList<>();
        Matcher block = BLOCK.matcher(text);
        int at = 0;
        while (block.find()) {
            Map<String, String> attributes = attributes(block.group(1));
            String name = attributes.getOrDefault("name", "");
            if (!ToolNames.isReserved(name) || !attributes.containsKey("id")) {
                continue;
            }
            addText(parts, text.substring(at, block.start()));
            String id = attributes.get("id");
            String result = unjson(attributes.getOrDefault("result", ""));
            boolean error = result.startsWith(ERROR_PREFIX);
            parts.add(new Part.ToolCall(id, name, unjson(attributes.getOrDefault("arguments", "\"{}\""))));
            parts.add(new Part.ToolResult(id, name, List.of(new Part.Text(error ? result.substring(ERROR_PREFIX.length())
                                                                                : result)), error));
            at = block.end();
        }
        addText(parts, text.substring(at));
        return parts;
    }

    private static void addText(List<Part> parts, String text) {
        if (!text.isBlank()) {
            parts.add(new Part.Text(text));
        }
    }

    private static Map<String, String> attributes(String tag) {
        Map<String, String> attributes = new java.util.HashMap<>();
        Matcher attribute = ATTRIBUTE.matcher(tag);
        while (attribute.find()) {
            attributes.put(attribute.group(1), unescape(attribute.group(2)));
        }
        return attributes;
    }

    private static String json(String value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }

    /** The string a JSON-encoded attribute holds; the value as it is when it is not a JSON string. */
    private static String unjson(String value) {
        try {
            JsonNode node = JSON.readTree(value);
            return node != null && node.isTextual() ? node.asText() : value;
        } catch (JacksonException e) {
            return value;
        }
    }

    /** Python's {@code html.escape(s, quote=True)}. */
    static String attribute(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#x27;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String unescape(String value) {
        if (value.indexOf('&') < 0) {
            return value;
        }
        return value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'")
                .replace("&#39;", "'").replace("&amp;", "&");
    }
}
