package haia.tools;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON Schemas of tool arguments, written compactly by the built-in sources. */
public final class Schemas {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Schemas() {
    }

    /**
     * {@code {"type":"object","properties":<properties>,"required":[...]}}. No {@code additionalProperties}: Gemini
     * refuses the key, and unknown arguments are ignored anyway.
     *
     * @param properties a JSON object of JSON Schema properties, as text
     */
    public static JsonNode object(String properties, List<String> required) {
        try {
            ObjectNode schema = JSON.createObjectNode().put("type", "object");
            schema.set("properties", JSON.readTree(properties));
            if (!required.isEmpty()) {
                required.forEach(schema.putArray("required")::add);
            }
            return schema;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool properties are not JSON: " + properties, e);
        }
    }
}
