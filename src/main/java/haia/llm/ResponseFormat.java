package haia.llm;

import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/** The shape the reply's text must have (OpenAI's {@code response_format}). */
public sealed interface ResponseFormat {

    /** Free text (the default). */
    record Text() implements ResponseFormat {
    }

    /** Any JSON object. */
    record JsonObject() implements ResponseFormat {
    }

    /**
     * JSON matching a schema.
     *
     * @param name        the schema's name
     * @param description what the object is, for the model
     * @param schema      the JSON Schema (of an object)
     * @param strict      OpenAI's strict adherence, when the client said either way
     */
    record JsonSchema(String name, Optional<String> description, JsonNode schema, Optional<Boolean> strict)
            implements ResponseFormat {
        public JsonSchema {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(strict, "strict");
        }
    }

    ResponseFormat TEXT = new Text();
    ResponseFormat JSON_OBJECT = new JsonObject();

    /** Whether the reply must be JSON. */
    default boolean json() {
        return !(this instanceof Text);
    }
}
