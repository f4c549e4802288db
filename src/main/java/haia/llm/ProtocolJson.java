package haia.llm;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.json.Jackson;

/** JSON pieces every protocol mapping needs: one reader for provider bodies, text fields, string arrays. */
public final class ProtocolJson {

    /** Reads provider bodies and stream events (thread-safe; buffers from the shared pool). */
    public static final ObjectMapper READER = new ObjectMapper(Jackson.factory());
    /** Writes request bodies. */
    public static final JsonFactory WRITER = Jackson.factory();

    private ProtocolJson() {
    }

    /** A text field, when it is a non-blank string. */
    public static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText())
                : Optional.empty();
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

    /** A request body written field by field (no DTOs), sized for its messages. */
    public static byte[] body(LlmRequest request, Jackson.Document document) {
        return Jackson.write(WRITER, 512 + request.messages().size() * 256, document);
    }
}
