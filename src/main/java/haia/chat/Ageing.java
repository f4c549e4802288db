package haia.chat;

import java.util.ArrayList;
import java.util.List;

import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * What of the older turns in a window still goes to the model in full. Pictures and long tool results cost tokens
 * every time they are sent, and the model's own answers already say what it made of them; so:
 * <ul>
 *     <li>pictures from the newest {@value #IMAGE_TURNS} things the user said (the turn being answered and the two
 *         before) go as they are; older ones are replaced by a short note of what they were
 *         ({@code [image/png, 182 KB, shown earlier]}), and they never leave the database;</li>
 *     <li>tool results of the current turn (since the user last said something) go whole, as a tool loop needs them;
 *         older ones are cut to their first {@value #RESULT_CHARS} characters.</li>
 * </ul>
 * Calls and results stay paired either way: only their content shrinks.
 */
final class Ageing {

    static final int IMAGE_TURNS = 3;
    static final int RESULT_CHARS = 2000;

    private Ageing() {
    }

    static List<LlmMessage> aged(List<LlmMessage> window) {
        int currentTurn = -1;
        int imagesFrom = 0;
        int userTurns = 0;
        for (int i = window.size() - 1; i >= 0; i--) {
            if (ContextWindow.opensATurn(window.get(i)) || saysMore(window.get(i))) {
                if (currentTurn < 0) {
                    currentTurn = i;
                }
                if (++userTurns == IMAGE_TURNS) {
                    imagesFrom = i;
                    break;
                }
            }
        }
        List<LlmMessage> aged = new ArrayList<>(window.size());
        for (int i = 0; i < window.size(); i++) {
            LlmMessage message = window.get(i);
            boolean oldImages = i < imagesFrom && message.has(Part.Image.class)
                    || i < imagesFrom && message.parts(Part.ToolResult.class).stream().anyMatch(r -> r.content().stream()
                    .anyMatch(Part.Image.class::isInstance));
            boolean oldResults = i < currentTurn && message.has(Part.ToolResult.class);
            aged.add(oldImages || oldResults ? aged(message, oldImages, oldResults) : message);
        }
        return aged;
    }

    /** A user message with tool results that also says something (merged): it starts a turn too. */
    private static boolean saysMore(LlmMessage message) {
        return message.role() == LlmMessage.Role.USER && !message.allParts(part -> part instanceof Part.ToolResult);
    }

    private static LlmMessage aged(LlmMessage message, boolean images, boolean results) {
        List<Part> parts = new ArrayList<>(message.parts().size());
        for (Part part : message.parts()) {
            parts.add(switch (part) {
                case Part.Image image when images -> new Part.Text(placeholder(image));
                case Part.ToolResult result -> {
                    List<Part> content = new ArrayList<>();
                    for (Part inner : result.content()) {
                        content.add(inner instanceof Part.Image image && images ? new Part.Text(placeholder(image))
                                            : inner);
                    }
                    String text = Part.text(content);
                    if (results && text.length() > RESULT_CHARS) {
                        content = List.of(new Part.Text(text.substring(0, RESULT_CHARS) + "\n[... "
                                + (text.length() - RESULT_CHARS) + " more characters of this earlier result left out]"));
                    }
                    yield new Part.ToolResult(result.callId(), result.toolName(), content, result.error());
                }
                default -> part;
            });
        }
        return new LlmMessage(message.role(), parts);
    }

    /** The note an image becomes: its type and size, and that it was shown before. */
    static String placeholder(Part.Image image) {
        return "[" + (image.source() instanceof Part.Image.Url ? "image " : "") + image.summary() + ", shown earlier]";
    }

    /** Every image as its note, for a model that cannot read images. */
    static List<LlmMessage> withoutImages(List<LlmMessage> window) {
        List<LlmMessage> out = new ArrayList<>(window.size());
        for (LlmMessage message : window) {
            boolean any = message.has(Part.Image.class) || message.parts(Part.ToolResult.class).stream()
                    .anyMatch(r -> r.content().stream().anyMatch(Part.Image.class::isInstance));
            out.add(any ? aged(message, true, false) : message);
        }
        return out;
    }
}
