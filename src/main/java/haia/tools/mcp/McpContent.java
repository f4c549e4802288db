package haia.tools.mcp;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.tools.ToolResult;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * An MCP tool result as text for the model: text blocks as they are, embedded text resources with their URI, links,
 * and for binary content (images, audio, blobs) a line saying what it was, since the model cannot see it through a
 * text result. {@code structuredContent} is used only when no text came (the spec asks servers to mirror it in text).
 */
final class McpContent {

    private static final ObjectMapper JSON = new ObjectMapper();

    private McpContent() {
    }

    static ToolResult toResult(McpSchema.CallToolResult result) {
        List<String> parts = new ArrayList<>();
        if (result.content() != null) {
            for (McpSchema.Content content : result.content()) {
                parts.add(text(content));
            }
        }
        if (parts.stream().allMatch(String::isBlank) && result.structuredContent() != null) {
            try {
                parts.add(JSON.writeValueAsString(result.structuredContent()));
            } catch (JsonProcessingException e) {
                parts.add(String.valueOf(result.structuredContent()));
            }
        }
        String text = String.join("\n", parts.stream().filter(p -> !p.isBlank()).toList());
        return new ToolResult(text, Boolean.TRUE.equals(result.isError()));
    }

    private static String text(McpSchema.Content content) {
        return switch (content) {
            case McpSchema.TextContent t -> t.text();
            case McpSchema.ImageContent i -> "[image " + i.mimeType() + ", " + approximateBytes(i.data())
                    + " bytes, not shown]";
            case McpSchema.AudioContent a -> "[audio " + a.mimeType() + ", " + approximateBytes(a.data())
                    + " bytes, not shown]";
            case McpSchema.ResourceLink l -> "[resource " + l.uri() + (l.name() == null ? "" : " (" + l.name() + ")")
                    + "]";
            case McpSchema.EmbeddedResource r -> switch (r.resource()) {
                case McpSchema.TextResourceContents t -> "[" + t.uri() + "]\n" + t.text();
                case McpSchema.BlobResourceContents b -> "[resource " + b.uri() + ", " + b.mimeType() + ", "
                        + approximateBytes(b.blob()) + " bytes, not shown]";
                default -> "[resource " + r.resource().uri() + "]";
            };
            default -> "[" + content.type() + " content, not shown]";
        };
    }

    /** Bytes behind base64 text. */
    private static long approximateBytes(String base64) {
        return base64 == null ? 0 : base64.length() * 3L / 4;
    }
}
