package haia.llm;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool the model may call, as every provider describes one: a name, what it does, and the JSON Schema of its
 * arguments (an object). The client's own tools arrive as these; HAIA's tools ({@code haia.tools.ToolSpec}) become
 * these too.
 *
 * @param name        {@code [a-zA-Z0-9_-]{1,64}}, what OpenAI and Anthropic accept
 * @param description when to use it, for the model (may be empty)
 * @param parameters  the JSON Schema of the arguments object
 * @param strict      OpenAI's strict schema adherence, when the client asked for it either way
 * @param schemaJson  {@code parameters} as JSON text, serialised once: every model call's token estimate measures it
 *                    and the providers that send the schema unchanged write it as it is (serialising the schema on
 *                    each call cost 2-3 % of a request's CPU, writing HAIA's tools' trees 2 % more)
 */
public record ToolDefinition(String name, String description, JsonNode parameters, Optional<Boolean> strict,
                             String schemaJson) {

    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(strict, "strict");
        Objects.requireNonNull(schemaJson, "schemaJson");
    }

    public ToolDefinition(String name, String description, JsonNode parameters, Optional<Boolean> strict) {
        this(name, description, parameters, strict, json(Objects.requireNonNull(parameters, "parameters")));
    }

    /**
     * The schema as the request mappers' UTF-8 generators would write it: a lone surrogate (half of an emoji) written
     * as a JSON escape, where {@code toString()} leaves it as it is and a raw write of that then fails.
     */
    private static String json(JsonNode parameters) {
        try {
            return new String(ProtocolJson.READER.writeValueAsBytes(parameters), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool parameters that cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The length of the schema as JSON text, for token estimates. */
    public int schemaChars() {
        return schemaJson.length();
    }
}
