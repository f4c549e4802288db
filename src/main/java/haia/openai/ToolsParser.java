package haia.openai;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.ToolChoice;
import haia.llm.ToolDefinition;
import haia.llm.ToolUse;
import haia.tools.ToolNames;

/**
 * The request fields about tools, output shape and reasoning: {@code tools}, {@code tool_choice},
 * {@code parallel_tool_calls}, {@code response_format}, {@code reasoning_effort}, checked as OpenAI checks them. A
 * client's tool may not carry HAIA's reserved {@code haia_} prefix: those names are HAIA's own tools'.
 */
final class ToolsParser {

    /** What OpenAI accepts as a function or schema name. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private ToolsParser() {
    }

    /**
     * A request's {@code tools}: each read by {@code one} (from the tool and where it is, {@code tools[i]}); a name
     * offered twice is refused at {@code nameField} of the second.
     */
    static List<ToolDefinition> definitions(JsonNode node, BiFunction<JsonNode, String, ToolDefinition> one,
                                            String nameField) {
        List<ToolDefinition> tools = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tools;
        }
        if (!node.isArray()) {
            throw new InvalidRequestException("tools must be an array of tools", "tools");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "tools[" + i + "]";
            ToolDefinition tool = one.apply(node.get(i), at);
            if (!names.add(tool.name())) {
                throw new InvalidRequestException(at + nameField + " '" + tool.name() + "' is offered"
                        + " twice", at + nameField);
            }
            tools.add(tool);
        }
        return tools;
    }

    /** A tool's parameters: a JSON Schema object; none means it takes none (an empty object schema). */
    static JsonNode parameters(JsonNode parameters, String at) {
        if (parameters == null || parameters.isNull()) {
            return emptyObjectSchema();
        }
        if (!parameters.isObject()) {
            throw new InvalidRequestException(at + " must be a JSON Schema object", at);
        }
        return parameters;
    }

    static ToolUse tools(JsonNode root) {
        List<ToolDefinition> tools = definitions(root.get("tools"), ToolsParser::tool, ".function.name");
        ToolChoice choice = choice(root.get("tool_choice"), tools);
        Optional<Boolean> parallel = Fields.optionalBoolean(root, "parallel_tool_calls", "parallel_tool_calls");
        return new ToolUse(tools, choice, parallel);
    }

    private static ToolDefinition tool(JsonNode node, String at) {
        Fields.object(node, at, "an object like {\"type\":\"function\",\"function\":{\"name\":...}}");
        String type = Fields.optionalString(node, "type", at + ".type").orElse("function");
        if (!type.equals("function")) {
            throw new InvalidRequestException(at + ".type '" + Fields.abbreviate(type) + "' is not supported: HAIA"
                    + " offers function tools", at + ".type");
        }
        JsonNode function = Fields.object(node.get("function"), at + ".function",
                                          "an object with name, description and parameters");
        String name = checkedName(Fields.requiredString(function, "name", at + ".function.name"), at + ".function.name");
        String description = Fields.optionalString(function, "description", at + ".function.description").orElse("");
        JsonNode parameters = parameters(function.get("parameters"), at + ".function.parameters");
        return new ToolDefinition(name, description, parameters,
                                  Fields.optionalBoolean(function, "strict", at + ".function.strict"));
    }

    /** A client tool's name: what OpenAI accepts, and none of HAIA's reserved ones. */
    static String checkedName(String name, String at) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidRequestException(at + " '" + Fields.abbreviate(name) + "' must be 1-64 letters, digits,"
                    + " underscores or dashes", at);
        }
        if (ToolNames.isReserved(name)) {
            throw new InvalidRequestException(at + " '" + name + "': names starting with " + ToolNames.PREFIX
                    + " are reserved for HAIA's own tools; rename the tool", at);
        }
        return name;
    }

    static JsonNode emptyObjectSchema() {
        var schema = JsonNodeFactory.instance.objectNode().put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    private static ToolChoice choice(JsonNode node, List<ToolDefinition> tools) {
        if (node == null || node.isNull()) {
            return ToolChoice.AUTO;
        }
        ToolChoice choice;
        if (node.isTextual()) {
            choice = switch (node.textValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw new InvalidRequestException("tool_choice must be none, auto, required or"
                        + " {\"type\":\"function\",\"function\":{\"name\":...}}", "tool_choice");
            };
        } else if (node.isObject() && "function".equals(node.path("type").asText())) {
            String name = Fields.requiredString(Fields.object(node.get("function"), "tool_choice.function",
                                                              "an object with the tool's name"),
                                                "name", "tool_choice.function.name");
            if (tools.stream().noneMatch(t -> t.name().equals(name))) {
                throw new InvalidRequestException("tool_choice names the tool '" + Fields.abbreviate(name)
                        + "', which is not among tools", "tool_choice");
            }
            choice = new ToolChoice.Named(name);
        } else {
            throw new InvalidRequestException("tool_choice must be none, auto, required or"
                    + " {\"type\":\"function\",\"function\":{\"name\":...}} (allowed_tools is not supported)",
                                              "tool_choice");
        }
        if (tools.isEmpty() && choice.forced()) {
            throw new InvalidRequestException("tool_choice " + (choice instanceof ToolChoice.Named ? "names a tool"
                    : "is required") + " but tools offers none", "tool_choice");
        }
        return choice;
    }

    static ResponseFormat responseFormat(JsonNode root) {
        JsonNode node = root.get("response_format");
        if (node == null || node.isNull()) {
            return ResponseFormat.TEXT;
        }
        Fields.object(node, "response_format", "an object with a type");
        String type = Fields.requiredString(node, "type", "response_format.type");
        return switch (type) {
            case "text" -> ResponseFormat.TEXT;
            case "json_object" -> ResponseFormat.JSON_OBJECT;
            case "json_schema" -> {
                JsonNode spec = Fields.object(node.get("json_schema"), "response_format.json_schema",
                                              "an object with name and schema");
                String name = Fields.requiredString(spec, "name", "response_format.json_schema.name");
                if (!NAME.matcher(name).matches()) {
                    throw new InvalidRequestException("response_format.json_schema.name must be 1-64 letters, digits,"
                            + " underscores or dashes", "response_format.json_schema.name");
                }
                JsonNode schema = spec.get("schema");
                if (schema == null || schema.isNull()) {
                    schema = JsonNodeFactory.instance.objectNode().put("type", "object");
                } else if (!schema.isObject()) {
                    throw new InvalidRequestException("response_format.json_schema.schema must be a JSON Schema"
                            + " object", "response_format.json_schema.schema");
                }
                yield new ResponseFormat.JsonSchema(name, Fields.optionalString(spec, "description",
                                                                               "response_format.json_schema.description"),
                                                    schema, Fields.optionalBoolean(spec, "strict",
                                                                                  "response_format.json_schema.strict"));
            }
            default -> throw new InvalidRequestException("response_format.type must be text, json_object or"
                    + " json_schema", "response_format.type");
        };
    }

    static Optional<ReasoningEffort> reasoning(JsonNode root) {
        return Fields.optionalString(root, "reasoning_effort", "reasoning_effort").map(value -> ReasoningEffort.of(value)
                .orElseThrow(() -> new InvalidRequestException("reasoning_effort must be none, minimal, low, medium,"
                        + " high or xhigh", "reasoning_effort")));
    }
}
