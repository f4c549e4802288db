package haia.llm.gemini;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.llm.ProtocolJson;

/**
 * A JSON Schema (what OpenAI clients send for tools and structured output) as the OpenAPI subset Gemini's
 * {@code Schema} accepts. Any other key is a hard 400 at Gemini ({@code Unknown name "additionalProperties"}), so
 * the schema is rebuilt from the keys Gemini knows: {@code type: ["string","null"]} becomes {@code nullable},
 * {@code const} an {@code enum}, {@code oneOf} {@code anyOf}, local {@code $ref}s are inlined, and constraints
 * Gemini has no word for ({@code additionalProperties}, {@code exclusiveMinimum}, {@code uniqueItems}, ...) are left
 * out: Gemini then accepts a little more than the schema allows.
 */
final class GeminiSchema {

    /** Every key Gemini's Schema has (js-genai {@code Schema}). */
    static final Set<String> KEYS = Set.of("anyOf", "default", "description", "enum", "example", "format", "items",
                                           "maxItems", "maxLength", "maxProperties", "maximum", "minItems",
                                           "minLength", "minProperties", "minimum", "nullable", "pattern",
                                           "properties", "propertyOrdering", "required", "title", "type");
    /** Formats Gemini knows, by type. */
    private static final Map<String, Set<String>> FORMATS = Map.of("STRING", Set.of("enum", "date-time"),
                                                                   "INTEGER", Set.of("int32", "int64"),
                                                                   "NUMBER", Set.of("float", "double"));
    private static final int MAX_DEPTH = 32;

    private GeminiSchema() {
    }

    static ObjectNode of(JsonNode schema) {
        return convert(schema, schema, 0);
    }

    private static ObjectNode convert(JsonNode schema, JsonNode root, int depth) {
        ObjectNode out = ProtocolJson.READER.createObjectNode();
        if (!schema.isObject() || depth > MAX_DEPTH) {
            return out;
        }
        JsonNode ref = schema.get("$ref");
        if (ref != null && ref.isTextual() && ref.asText().startsWith("#/")) {
            JsonNode target = root.at(ref.asText().substring(1));
            if (!target.isMissingNode()) {
                return convert(target, root, depth + 1);
            }
        }
        String type = type(schema, out);
        if (type != null) {
            out.put("type", type);
        }
        copyText(schema, out, "description");
        copyText(schema, out, "title");
        copyText(schema, out, "pattern");
        for (String number : new String[]{"minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength",
                                          "minProperties", "maxProperties"}) {
            if (schema.path(number).isNumber()) {
                out.set(number, schema.get(number));
            }
        }
        if (schema.path("exclusiveMinimum").isNumber() && !out.has("minimum")) {
            out.set("minimum", schema.get("exclusiveMinimum"));
        }
        if (schema.path("exclusiveMaximum").isNumber() && !out.has("maximum")) {
            out.set("maximum", schema.get("exclusiveMaximum"));
        }
        if (schema.has("format") && type != null && FORMATS.getOrDefault(type, Set.of()).contains(schema.path("format").asText())) {
            out.put("format", schema.path("format").asText());
        }
        if (schema.has("default")) {
            out.set("default", schema.get("default"));
        }
        if (schema.has("example")) {
            out.set("example", schema.get("example"));
        }
        JsonNode values = schema.has("enum") ? schema.get("enum") : schema.has("const")
                ? ProtocolJson.READER.createArrayNode().add(schema.get("const")) : null;
        if (values != null && values.isArray()) {
            ArrayNode strings = out.putArray("enum");
            values.forEach(v -> {
                if (!v.isNull()) {
                    strings.add(v.asText());   // Gemini's enum holds strings
                }
            });
            if (!out.has("type")) {
                out.put("type", "STRING");
            }
            if ("STRING".equals(out.path("type").asText())) {
                out.put("format", "enum");
            }
        }
        if (schema.path("properties").isObject()) {
            ObjectNode properties = out.putObject("properties");
            for (Map.Entry<String, JsonNode> field : schema.get("properties").properties()) {
                properties.set(field.getKey(), convert(field.getValue(), root, depth + 1));
            }
        }
        if (schema.path("required").isArray()) {
            ArrayNode required = out.putArray("required");
            schema.get("required").forEach(r -> {
                if (r.isTextual() && out.path("properties").has(r.asText())) {
                    required.add(r.asText());
                }
            });
        }
        if (schema.path("items").isObject()) {
            out.set("items", convert(schema.get("items"), root, depth + 1));
        }
        JsonNode alternatives = schema.has("anyOf") ? schema.get("anyOf") : schema.get("oneOf");
        if (alternatives != null && alternatives.isArray()) {
            ArrayNode anyOf = ProtocolJson.READER.createArrayNode();
            for (JsonNode alternative : alternatives) {
                if ("null".equals(alternative.path("type").asText())) {
                    out.put("nullable", true);
                } else {
                    anyOf.add(convert(alternative, root, depth + 1));
                }
            }
            if (anyOf.size() == 1 && !out.has("type")) {
                anyOf.get(0).properties().forEach(f -> out.set(f.getKey(), f.getValue()));
            } else if (!anyOf.isEmpty()) {
                out.set("anyOf", anyOf);
            }
        }
        if (schema.path("nullable").asBoolean(false)) {
            out.put("nullable", true);
        }
        return out;
    }

    /** Gemini's type name; a type list with {@code "null"} makes the schema nullable. */
    private static String type(JsonNode schema, ObjectNode out) {
        JsonNode type = schema.get("type");
        if (type == null) {
            return schema.has("properties") ? "OBJECT" : null;
        }
        if (type.isArray()) {
            String single = null;
            for (JsonNode t : type) {
                if ("null".equals(t.asText())) {
                    out.put("nullable", true);
                } else if (single == null) {
                    single = t.asText();
                }
            }
            return single == null ? null : single.toUpperCase(Locale.ROOT);
        }
        return type.isTextual() && !"null".equals(type.asText()) ? type.asText().toUpperCase(Locale.ROOT) : null;
    }

    private static void copyText(JsonNode from, ObjectNode to, String key) {
        if (from.path(key).isTextual()) {
            to.put(key, from.get(key).asText());
        }
    }

    /** Whether an object schema declares no properties (Gemini then wants no {@code parameters} at all). */
    static boolean empty(JsonNode schema) {
        return !schema.path("properties").isObject() || schema.path("properties").isEmpty();
    }
}
