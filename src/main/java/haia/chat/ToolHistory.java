package haia.chat;

import java.util.ArrayList;
import java.util.List;

import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * Tool calls and results as plain text, for where they cannot stay what they are: a request that offers no tools
 * (Anthropic refuses tool blocks without tool definitions, and a model without tools has no use for them), and a
 * half of a pair whose other half is gone. The model still reads what was called and what came back.
 */
final class ToolHistory {

    private ToolHistory() {
    }

    static String asText(Part part) {
        return switch (part) {
            case Part.ToolCall call -> "[called tool " + call.name() + " with " + call.arguments() + "]";
            case Part.ToolResult result -> "[tool " + (result.toolName().isEmpty() ? "call " + result.callId()
                    : result.toolName()) + (result.error() ? " failed: " : " returned: ") + result.text() + "]";
            case Part.Text text -> text.text();
            default -> "";
        };
    }

    /** The window with every tool call and result as text. */
    static List<LlmMessage> asText(List<LlmMessage> window) {
        List<LlmMessage> out = new ArrayList<>(window.size());
        for (LlmMessage message : window) {
            if (!message.has(Part.ToolCall.class) && !message.has(Part.ToolResult.class)) {
                out.add(message);
                continue;
            }
            List<Part> parts = new ArrayList<>(message.parts().size());
            for (Part part : message.parts()) {
                if (part instanceof Part.ToolCall || part instanceof Part.ToolResult) {
                    parts.add(new Part.Text(asText(part) + "\n"));
                    if (part instanceof Part.ToolResult result) {
                        result.content().stream().filter(Part.Image.class::isInstance).forEach(parts::add);
                    }
                } else {
                    parts.add(part);
                }
            }
            out.add(new LlmMessage(message.role(), parts));
        }
        return out;
    }
}
