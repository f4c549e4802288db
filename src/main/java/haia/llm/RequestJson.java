package haia.llm;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

/** JSON pieces several providers' request bodies share, written field by field like the rest of each body. */
public final class RequestJson {

    private RequestJson() {
    }

    /**
     * A {@code messages} array of {@code {role, content}} objects with the system prompt as the first message
     * (OpenAI's and Ollama's shape; Anthropic and Gemini carry the system prompt outside the messages).
     */
    public static void roleContentMessages(JsonGenerator g, LlmRequest request) throws IOException {
        g.writeArrayFieldStart("messages");
        if (request.system().filter(s -> !s.isBlank()).isPresent()) {
            message(g, "system", request.system().get());
        }
        for (LlmMessage message : request.messages()) {
            message(g, message.role() == LlmMessage.Role.USER ? "user" : "assistant", message.text());
        }
        g.writeEndArray();
    }

    /** {@code field: [values...]}, omitted when there are none. */
    public static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(field);
        for (String value : values) {
            g.writeString(value);
        }
        g.writeEndArray();
    }

    private static void message(JsonGenerator g, String role, String content) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", role);
        g.writeStringField("content", content);
        g.writeEndObject();
    }
}
