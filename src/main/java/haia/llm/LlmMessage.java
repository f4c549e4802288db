package haia.llm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.Objects;

/**
 * One turn of a conversation as every provider sees it: who said it and what, as a list of {@link Part}s. Tool
 * results travel as parts of user messages (right after the assistant message whose calls they answer); the
 * mappings of providers with a tool role write them as such. System prompts are not messages; they travel in
 * {@link LlmRequest#system()}.
 */
public record LlmMessage(Role role, List<Part> parts) {

    public enum Role { USER, ASSISTANT }

    public LlmMessage {
        Objects.requireNonNull(role, "role");
        parts = List.copyOf(parts);
    }

    public static LlmMessage user(String text) {
        return new LlmMessage(Role.USER, List.of(new Part.Text(text)));
    }

    public static LlmMessage assistant(String text) {
        return new LlmMessage(Role.ASSISTANT, List.of(new Part.Text(text)));
    }

    public static LlmMessage of(Role role, Part... parts) {
        return new LlmMessage(role, List.of(parts));
    }

    /** Its text parts, joined without a separator. */
    public String text() {
        return Part.text(parts);
    }

    /** The reasoning a provider of this type produced in it, joined (empty when none). */
    public String thinkingOf(String providerType) {
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Part.Thinking thinking && thinking.provider().equals(providerType)) {
                text.append(thinking.text());
            }
        }
        return text.toString();
    }

    /** Whether it is nothing but text (no images, tool calls or results, thinking). */
    public boolean textOnly() {
        return allParts(part -> part instanceof Part.Text);
    }

    /** Whether every part passes {@code test} (true for no parts). */
    public boolean allParts(Predicate<? super Part> test) {
        for (Part part : parts) {   // a loop, not a stream: asked several times per message on the request path
            if (!test.test(part)) {
                return false;
            }
        }
        return true;
    }

    /** Whether it carries any part of this kind. */
    public boolean has(Class<? extends Part> kind) {
        for (Part part : parts) {
            if (kind.isInstance(part)) {
                return true;
            }
        }
        return false;
    }

    /** Its parts of this kind, in order. */
    public <P extends Part> List<P> parts(Class<P> kind) {
        // a loop, and no list at all when there are none: the window's messages are asked this several times per
        // request (pictures, tool results), and the stream pipeline was a fifth of a request's garbage
        List<P> found = null;
        for (Part part : parts) {
            if (kind.isInstance(part)) {
                if (found == null) {
                    found = new ArrayList<>(parts.size());
                }
                found.add(kind.cast(part));
            }
        }
        return found == null ? List.of() : Collections.unmodifiableList(found);
    }

    /**
     * Its pictures, wherever they are: its own, then those inside its tool results, in order. Empty, and nothing
     * built, for a message without any (the window's usual message; this is asked of each on every request).
     */
    public List<Part.Image> pictures() {
        List<Part.Image> own = parts(Part.Image.class);
        List<Part.ToolResult> results = parts(Part.ToolResult.class);
        if (results.isEmpty()) {
            return own;
        }
        List<Part.Image> all = new ArrayList<>(own);
        for (Part.ToolResult result : results) {
            for (Part part : result.content()) {
                if (part instanceof Part.Image image) {
                    all.add(image);
                }
            }
        }
        return all.isEmpty() ? List.of() : Collections.unmodifiableList(all);
    }
}
