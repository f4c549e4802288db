package haia.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.tools.ToolNames;

/**
 * A 64-bit fingerprint of a message, used to recognise messages a client sends back (OpenWebUI re-sends the whole
 * chat with every request). It hashes a canonical form of what a client can send back:
 * <ul>
 *     <li>text, with whitespace at the ends and line-ending style ignored (clients and proxies change those freely);
 *         a message that is only text hashes exactly as its text always did, so stored hashes stay valid;</li>
 *     <li>images by the SHA-256 of their bytes (or their URL), so a pasted screenshot OpenWebUI resends every turn is
 *         recognised;</li>
 *     <li>tool calls by id, name and arguments (as JSON, so {@code {"a": 1}} and {@code {"a":1}} are the same) and
 *         tool results by call id, error flag and text;</li>
 *     <li>not the model's reasoning: OpenWebUI drops it from earlier replies (or sends it back as {@code <think>}
 *         tags or {@code <details type="reasoning">} in the text, which are ignored too);</li>
 *     <li>not HAIA's own tool activity in a reply: a client never sees HAIA's calls and results as such, only the
 *         {@code <details type="tool_calls">} blocks HAIA wrote between the reply's texts, which it sends back inside
 *         the text. Both sides read as the visible texts, each trimmed, joined by a blank line: a stored reply of the
 *         agent loop and the text OpenWebUI resends of it hash alike ({@code AgentLoopTest}).</li>
 * </ul>
 */
public final class ContentHash {

    /** Looking up a digest provider is slow; cloning a ready one is not. */
    private static final MessageDigest PROTOTYPE = sha256();
    /** Reasoning a client put back into a reply's text: OpenWebUI's display markup, or think tags. */
    private static final Pattern REASONING = Pattern.compile(
            "(?s)<details type=\"reasoning\"[^>]*>.*?</details>|<think>.*?</think>|<thinking>.*?</thinking>");
    /** HAIA's tool activity as it showed it (a run of blocks, with the whitespace around them): a blank line. */
    private static final Pattern TOOL_ACTIVITY = Pattern.compile(
            "(?s)(?:\\s*<details type=\"tool_calls\"[^>]*>.*?</details>)+\\s*");
    /** Where HAIA's tool activity was, between two texts (a character no text keeps: see {@link #visible}). */
    private static final String BREAK = "\u0002";

    private ContentHash() {
    }

    public static long of(String text) {
        return digest(normalized(text));
    }

    public static long of(LlmMessage message) {
        return digest(canonical(message));
    }

    /** The canonical form of a message, as hashed. */
    static String canonical(LlmMessage message) {
        List<Part> parts = message.role() == LlmMessage.Role.ASSISTANT ? withoutHaiaTools(message.parts())
                : message.parts();
        if (parts.stream().allMatch(p -> p instanceof Part.Text || p instanceof Part.Thinking)) {
            // text, and perhaps reasoning, which clients never send back: the text as a plain message has it
            String text = Part.text(parts);
            return normalized(message.role() == LlmMessage.Role.ASSISTANT ? visible(text) : text);
        }
        StringBuilder form = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            switch (part) {
                case Part.Text t -> text.append(t.text());
                case Part.Thinking thinking -> {
                    // never sent back as such; not part of what is recognised
                }
                default -> {
                    flush(form, text, message.role());
                    form.append('\u0000').append(mark(part));
                }
            }
        }
        flush(form, text, message.role());
        return form.toString();
    }

    /**
     * An assistant message's parts with HAIA's own tool calls and results, which no client sees as such, taken out:
     * each run of them leaves a break between the texts around it ({@link #visible}).
     */
    private static List<Part> withoutHaiaTools(List<Part> parts) {
        if (parts.stream().noneMatch(ContentHash::haiaTool)) {
            return parts;
        }
        List<Part> out = new ArrayList<>(parts.size());
        for (Part part : parts) {
            out.add(haiaTool(part) ? new Part.Text(BREAK) : part);
        }
        return out;
    }

    /** Whether a part is a call of HAIA's own tools or its result. */
    private static boolean haiaTool(Part part) {
        return part instanceof Part.ToolCall call && ToolNames.isReserved(call.name())
                || part instanceof Part.ToolResult result && ToolNames.isReserved(result.toolName());
    }

    /**
     * A reply's text as its reader saw it: without reasoning, and with HAIA's tool activity (its blocks in a text a
     * client resends, or the breaks its calls left) read as a blank line between the texts, each trimmed.
     */
    private static String visible(String text) {
        String without = withoutReasoning(text);
        if (without.contains("<details type=\"tool_calls\"")) {
            without = TOOL_ACTIVITY.matcher(without).replaceAll(BREAK);
        }
        if (without.indexOf(BREAK.charAt(0)) < 0) {
            return without;
        }
        StringBuilder joined = new StringBuilder();
        for (String segment : without.split(BREAK)) {
            String trimmed = segment.strip();
            if (!trimmed.isEmpty()) {
                joined.append(joined.isEmpty() ? "" : "\n\n").append(trimmed);
            }
        }
        return joined.toString();
    }

    private static void flush(StringBuilder form, StringBuilder text, LlmMessage.Role role) {
        if (!text.isEmpty()) {
            String t = normalized(role == LlmMessage.Role.ASSISTANT ? visible(text.toString()) : text.toString());
            if (!t.isEmpty()) {
                form.append('\u0000').append("text:").append(t);
            }
            text.setLength(0);
        }
    }

    private static String mark(Part part) {
        return switch (part) {
            case Part.Image image -> "image:" + imageKey(image);
            case Part.ToolCall call -> "call:" + call.id() + '\u0001' + call.name() + '\u0001'
                    + ProtocolJson.compact(ProtocolJson.argumentsObject(call.arguments()));
            case Part.ToolResult result -> "result:" + result.callId() + '\u0001' + result.error() + '\u0001'
                    + normalized(result.text()) + '\u0001' + result.content().stream()
                            .filter(Part.Image.class::isInstance).map(p -> imageKey((Part.Image) p)).toList();
            case Part.Text text -> "text:" + normalized(text.text());
            case Part.Thinking thinking -> "";
        };
    }

    /** What identifies an image: the SHA-256 of its bytes, or its address. */
    public static String imageKey(Part.Image image) {
        return switch (image.source()) {
            case Part.Image.Inline inline -> sha256Hex(inline.data());
            case Part.Image.Stored stored -> stored.sha256();
            case Part.Image.Url url -> url.url().toString();
        };
    }

    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(((MessageDigest) PROTOTYPE.clone()).digest(data));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable", e);
        }
    }

    private static String withoutReasoning(String text) {
        if (text.indexOf('<') < 0) {
            return text;
        }
        return REASONING.matcher(text).replaceAll("");
    }

    private static String normalized(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').strip();
    }

    private static long digest(String normalized) {
        try {
            byte[] digest = ((MessageDigest) PROTOTYPE.clone()).digest(normalized.getBytes(StandardCharsets.UTF_8));
            long hash = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                hash = (hash << 8) | (digest[i] & 0xFF);
            }
            return hash;
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
