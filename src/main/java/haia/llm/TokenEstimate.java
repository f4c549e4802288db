package haia.llm;

import java.util.List;

/**
 * HAIA's cheap token estimate: characters divided by 4, rounded up (about what English and code come to with the
 * providers' tokenizers; no tokenizer is served here, and a count that is a few percent off only moves the token
 * budget's edge a little). An image counts {@value #IMAGE} tokens (a screenshot of about a megapixel, by Anthropic's
 * width × height / 750). Used for the token budget ({@code HAIA_CONTEXT_TOKENS}) and for placing prompt-cache
 * breakpoints only where a prefix is long enough to be cached.
 */
public final class TokenEstimate {

    static final int IMAGE = 1600;
    /** Per message: roles and separators of the chat template. */
    static final int PER_MESSAGE = 4;

    private TokenEstimate() {
    }

    public static int of(String text) {
        return ofChars(text.length());
    }

    /** A text of this many characters. */
    static int ofChars(int length) {
        return (int) Math.min(Integer.MAX_VALUE, ((long) length + 3) / 4);
    }

    public static long of(LlmMessage message) {
        return PER_MESSAGE + of(message.parts());
    }

    public static long of(List<Part> parts) {
        long tokens = 0;
        for (Part part : parts) {
            tokens += switch (part) {
                case Part.Text text -> of(text.text());
                case Part.Image image -> IMAGE;
                case Part.ToolCall call -> of(call.name()) + of(call.arguments());
                case Part.ToolResult result -> of(result.toolName()) + of(result.content());
                case Part.Thinking thinking -> of(thinking.text());
            };
        }
        return tokens;
    }

    public static long ofMessages(List<LlmMessage> messages) {
        return messages.stream().mapToLong(TokenEstimate::of).sum();
    }

    public static long ofSystem(List<String> system) {
        return system.stream().mapToLong(TokenEstimate::of).sum();
    }

    /** A whole model request: its system prompt, messages and tools. */
    public static long of(LlmRequest request) {
        return ofSystem(request.system()) + ofMessages(request.messages()) + ofTools(request.tools());
    }

    /** Whether a request holds pictures, whose estimate ({@value #IMAGE} each) says nothing of a tokenizer. */
    static boolean hasImages(LlmRequest request) {
        for (LlmMessage message : request.messages()) {
            if (!message.pictures().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    public static long ofTools(ToolUse tools) {
        return tools.tools().stream()
                .mapToLong(t -> of(t.name()) + of(t.description()) + ofChars(t.schemaChars()))
                .sum();
    }
}
