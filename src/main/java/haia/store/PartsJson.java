package haia.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.json.Jackson;
import haia.llm.Part;

/**
 * A message's parts as the {@code parts} column holds them: one JSON array, images by reference to their row in
 * {@code images} (the bytes never sit in the message), everything else whole, thinking signatures included (HAIA
 * gives them back to the provider that made them; clients never see them).
 * <pre>
 * [{"type":"text","text":"..."},
 *  {"type":"image","image":12,"media_type":"image/png","size":182344,"sha256":"..."} | {"type":"image","url":"https://..."},
 *  {"type":"tool_call","id":"call_1","name":"node_status","arguments":"{\"node\":\"pve1\"}"},
 *  {"type":"tool_result","call_id":"call_1","tool_name":"node_status","error":false,"content":[...parts...]},
 *  {"type":"thinking","provider":"anthropic","text":"...","signature":"...","redacted":"..."}]
 * </pre>
 */
final class PartsJson {

    private static final JsonFactory FACTORY = Jackson.factory();
    private static final ObjectMapper READER = new ObjectMapper(Jackson.factory());

    private PartsJson() {
    }

    /** The JSON of parts whose images are {@link Part.Image.Stored} or URLs. */
    static String write(List<Part> parts) {
        return new String(Jackson.write(FACTORY, 256, g -> array(g, parts)), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void array(JsonGenerator g, List<Part> parts) throws IOException {
        g.writeStartArray();
        for (Part part : parts) {
            g.writeStartObject();
            switch (part) {
                case Part.Text text -> {
                    g.writeStringField("type", "text");
                    g.writeStringField("text", text.text());
                }
                case Part.Image image -> {
                    g.writeStringField("type", "image");
                    switch (image.source()) {
                        case Part.Image.Stored stored -> {
                            g.writeNumberField("image", stored.id());
                            g.writeStringField("media_type", stored.mediaType());
                            g.writeNumberField("size", stored.size());
                            g.writeStringField("sha256", stored.sha256());
                        }
                        case Part.Image.Url url -> g.writeStringField("url", url.url().toString());
                        case Part.Image.Inline inline -> throw new IllegalArgumentException(
                                "image bytes are stored in the images table, not in a message");
                    }
                }
                case Part.ToolCall call -> {
                    g.writeStringField("type", "tool_call");
                    g.writeStringField("id", call.id());
                    g.writeStringField("name", call.name());
                    g.writeStringField("arguments", call.arguments());
                }
                case Part.ToolResult result -> {
                    g.writeStringField("type", "tool_result");
                    g.writeStringField("call_id", result.callId());
                    g.writeStringField("tool_name", result.toolName());
                    g.writeBooleanField("error", result.error());
                    g.writeFieldName("content");
                    array(g, result.content());
                }
                case Part.Thinking thinking -> {
                    g.writeStringField("type", "thinking");
                    g.writeStringField("provider", thinking.provider());
                    g.writeStringField("text", thinking.text());
                    if (thinking.signature().isPresent()) {
                        g.writeStringField("signature", thinking.signature().get());
                    }
                    if (thinking.redacted().isPresent()) {
                        g.writeStringField("redacted", thinking.redacted().get());
                    }
                }
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    static List<Part> read(String json) {
        try {
            return parts(READER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored message's parts are not JSON", e);
        }
    }

    private static List<Part> parts(JsonNode array) {
        List<Part> parts = new ArrayList<>(array.size());
        for (JsonNode part : array) {
            parts.add(switch (part.path("type").asText()) {
                case "text" -> new Part.Text(part.path("text").asText());
                case "image" -> part.has("url") ? new Part.Image(new Part.Image.Url(URI.create(part.path("url").asText())))
                        : new Part.Image(new Part.Image.Stored(part.path("image").asLong(), part.path("media_type").asText(),
                                                               part.path("size").asInt(), part.path("sha256").asText()));
                case "tool_call" -> new Part.ToolCall(part.path("id").asText(), part.path("name").asText(),
                                                      part.path("arguments").asText());
                case "tool_result" -> new Part.ToolResult(part.path("call_id").asText(),
                                                          part.path("tool_name").asText(), parts(part.path("content")),
                                                          part.path("error").asBoolean());
                case "thinking" -> new Part.Thinking(part.path("text").asText(), text(part, "signature"),
                                                     text(part, "redacted"), part.path("provider").asText());
                default -> throw new IllegalStateException("unknown stored part type " + part.path("type"));
            });
        }
        return parts;
    }

    private static Optional<String> text(JsonNode part, String field) {
        return part.hasNonNull(field) ? Optional.of(part.get(field).asText()) : Optional.empty();
    }
}
