package haia.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.chat.RequestRefused;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.Sampling;
import haia.llm.ToolChoice;
import haia.llm.ToolDefinition;
import haia.llm.ToolUse;

/**
 * Turns a {@code POST /v1/responses} body into a {@link ResponsesRequest}, or an {@link InvalidRequestException}
 * naming the field. As for chat completions, every field is honoured (or passed on), accepted and left alone on
 * purpose ({@link #IGNORED}), or refused with a 400 that says why; a field OpenAI does not know is refused as OpenAI
 * refuses it.
 */
public final class ResponsesParser {

    /** Fields HAIA honours or passes on. */
    static final Set<String> HONOURED = Set.of(
            "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens",
            "temperature", "top_p", "reasoning", "text", "store", "previous_response_id", "metadata", "stream",
            "stream_options", "user", "include", "truncation", "background", "max_tool_calls", "top_logprobs");
    /**
     * Fields accepted and left alone on purpose: {@code service_tier} (OpenAI's processing tiers),
     * {@code safety_identifier} (OpenAI's abuse tracking), {@code prompt_cache_key} and
     * {@code prompt_cache_retention} (OpenAI's cache routing; HAIA caches per provider, see the README).
     */
    static final Set<String> IGNORED = Set.of("service_tier", "safety_identifier", "prompt_cache_key",
                                              "prompt_cache_retention");
    /** Fields OpenAI knows that HAIA cannot honour. */
    private static final Map<String, String> REFUSED = Map.of(
            "conversation", "conversation is not supported: HAIA keeps a response's conversation itself; continue it"
                    + " with previous_response_id",
            "prompt", "prompt is not supported: HAIA has no stored prompt templates (send instructions instead)",
            "context_management", "context_management is not supported: HAIA fits the context to its own window",
            "stream_options", "stream_options is only allowed when stream is true");
    /** {@code include} values: what HAIA does about each. */
    private static final Set<String> INCLUDE_NO_ITEMS = Set.of(
            "file_search_call.results", "web_search_call.results", "web_search_call.action.sources",
            "code_interpreter_call.outputs", "computer_call_output.output.image_url",
            "message.input_image.image_url", "reasoning.encrypted_content");

    private final RequestParser bodies;
    private final InputItemsParser items;

    public ResponsesParser(int maxMessageChars, int maxImageBytes) {
        this.bodies = new RequestParser(maxMessageChars, maxImageBytes);
        this.items = new InputItemsParser(new MessagesParser(maxMessageChars, maxImageBytes));
    }

    /**
     * @param references resolves {@code item_reference} items to the stored items they name
     */
    public ResponsesRequest parse(byte[] body, InputItemsParser.References references) {
        JsonNode root = bodies.object(body);
        root.fieldNames().forEachRemaining(field -> {
            if (HONOURED.contains(field) || IGNORED.contains(field)) {
                return;
            }
            String refusal = REFUSED.get(field);
            if (refusal != null && root.get(field).isNull()) {
                return;
            }
            throw new InvalidRequestException(refusal != null ? refusal
                    : "Unrecognized request argument supplied: " + Fields.abbreviate(field), field);
        });
        refuseUnsupported(root);
        ObjectNode echo = JsonNodeFactory.instance.objectNode();

        Optional<String> model = Fields.optionalString(root, "model", "model").filter(s -> !s.isBlank());
        Optional<String> instructions = Fields.optionalString(root, "instructions", "instructions");
        echo.put("instructions", instructions.orElse(null));
        InputItemsParser.Parsed input = items.parse(root.get("input"), references);
        List<String> system = new ArrayList<>();
        instructions.filter(i -> !i.isBlank()).ifPresent(system::add);
        system.addAll(input.system());

        OptionalInt maxOutputTokens = maxOutputTokens(root);
        echo.put("max_output_tokens", maxOutputTokens.isPresent() ? maxOutputTokens.getAsInt() : null);
        OptionalDouble temperature = Fields.optionalNumber(root, "temperature", 0, 2);
        OptionalDouble topP = Fields.optionalNumber(root, "top_p", 0, 1);
        echo.put("temperature", temperature.isPresent() ? temperature.getAsDouble() : 1.0);
        echo.put("top_p", topP.isPresent() ? topP.getAsDouble() : 1.0);
        Optional<String> user = Fields.optionalString(root, "user", "user");
        user.ifPresent(u -> echo.put("user", u));
        Sampling sampling = new Sampling(temperature, topP, List.of(), user, OptionalLong.empty(),
                                         OptionalDouble.empty(), OptionalDouble.empty());

        ToolUse tools = tools(root, echo);
        ResponseFormat format = format(root, echo);
        Optional<ReasoningEffort> reasoning = reasoning(root, echo);
        boolean stream = Fields.optionalBoolean(root, "stream", "stream").orElse(false);
        JsonNode options = root.get("stream_options");
        if (options != null && !options.isNull()) {
            Fields.object(options, "stream_options", "an object");
            if (!stream) {
                throw new InvalidRequestException(REFUSED.get("stream_options"), "stream_options");
            }
            // HAIA's events carry no obfuscation padding: include_obfuscation has nothing to switch
            Fields.optionalBoolean(options, "include_obfuscation", "stream_options.include_obfuscation");
        }
        boolean store = Fields.optionalBoolean(root, "store", "store").orElse(true);
        echo.put("store", store);
        Optional<String> previous = Fields.optionalString(root, "previous_response_id", "previous_response_id")
                .filter(s -> !s.isBlank());
        echo.put("previous_response_id", previous.orElse(null));
        echo.set("metadata", metadata(root));
        echo.put("truncation", Fields.optionalString(root, "truncation", "truncation").map(t -> {
            if (!t.equals("auto") && !t.equals("disabled")) {
                throw new InvalidRequestException("truncation must be auto or disabled", "truncation");
            }
            return t;
        }).orElse("disabled"));
        include(root);
        echo.put("background", false);
        return new ResponsesRequest(model, system, input.messages(), input.items(), maxOutputTokens, sampling, tools,
                                    format, reasoning, stream, store, previous, input.unansweredCalls(),
                                    input.attachments(), echo);
    }

    /**
     * A refusal from the pipeline (a capability the model lacks, a combination its provider refuses) names the chat
     * completion fields; a Responses API client gets the same refusal in terms of its own fields.
     */
    public static RuntimeException inItsTerms(RuntimeException e) {
        if (!(e instanceof RequestRefused refused)) {
            return e;
        }
        String param = refused.param();
        String field = switch (param) {
            case "messages" -> "input";
            case "reasoning_effort" -> "reasoning.effort";
            case "response_format" -> "text.format";
            default -> param.startsWith("tools[") ? param.replace(".function.name", ".name") : param;
        };
        String message = refused.getMessage().replace("response_format.json_schema.schema", "text.format.schema")
                .replace("response_format", "text.format").replace("reasoning_effort", "reasoning.effort");
        return new RequestRefused(field, message);
    }

    /** Fields whose non-default values HAIA cannot honour. */
    private static void refuseUnsupported(JsonNode root) {
        if (Fields.optionalBoolean(root, "background", "background").orElse(false)) {
            throw new InvalidRequestException("background is not supported: HAIA answers while the request is open"
                    + " (stream it to see the reply as it is generated)", "background");
        }
        JsonNode maxToolCalls = root.get("max_tool_calls");
        if (maxToolCalls != null && !maxToolCalls.isNull()) {
            throw new InvalidRequestException("max_tool_calls is not supported: HAIA bounds its own tools' calls per"
                    + " request itself (HAIA_TOOLS_MAX_STEPS)", "max_tool_calls");
        }
        JsonNode topLogprobs = root.get("top_logprobs");
        if (topLogprobs != null && !topLogprobs.isNull() && !(topLogprobs.isIntegralNumber() && topLogprobs.intValue() == 0)) {
            throw new InvalidRequestException("top_logprobs is not supported: HAIA's upstream models do not return log"
                    + " probabilities through it", "top_logprobs");
        }
    }

    private static OptionalInt maxOutputTokens(JsonNode root) {
        JsonNode node = root.get("max_output_tokens");
        if (node == null || node.isNull()) {
            return OptionalInt.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1
                || node.intValue() > RequestParser.MAX_TOKENS_LIMIT) {
            throw new InvalidRequestException("max_output_tokens must be an integer between 1 and "
                    + RequestParser.MAX_TOKENS_LIMIT, "max_output_tokens");
        }
        return OptionalInt.of(node.intValue());
    }

    /** {@code tools}: function tools, flat as the Responses API writes them; other kinds are OpenAI's own. */
    private static ToolUse tools(JsonNode root, ObjectNode echo) {
        List<ToolDefinition> tools = ToolsParser.definitions(root.get("tools"), ResponsesParser::tool, ".name");
        var echoed = echo.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            ToolDefinition tool = tools.get(i);
            ObjectNode out = echoed.addObject().put("type", "function").put("name", tool.name());
            out.put("description", root.get("tools").get(i).hasNonNull("description") ? tool.description() : null);
            out.set("parameters", tool.parameters());
            out.put("strict", tool.strict().orElseThrow());
        }
        ToolChoice choice = choice(root.get("tool_choice"), tools, echo);
        Optional<Boolean> parallel = Fields.optionalBoolean(root, "parallel_tool_calls", "parallel_tool_calls");
        echo.put("parallel_tool_calls", parallel.orElse(true));
        return new ToolUse(tools, choice, parallel);
    }

    private static ToolDefinition tool(JsonNode node, String at) {
        JsonNode tool = Fields.object(node, at, "an object like {\"type\":\"function\",\"name\":...}");
        String type = Fields.requiredString(tool, "type", at + ".type");
        if (!type.equals("function")) {
            throw new InvalidRequestException(at + ".type '" + Fields.abbreviate(type) + "' is not supported: HAIA"
                    + " offers function tools (and runs its own tools itself)", at + ".type");
        }
        String name = ToolsParser.checkedName(Fields.requiredString(tool, "name", at + ".name"), at + ".name");
        String description = Fields.optionalString(tool, "description", at + ".description").orElse("");
        JsonNode parameters = ToolsParser.parameters(tool.get("parameters"), at + ".parameters");
        // the Responses API's function tools are strict unless the client says otherwise
        boolean strict = Fields.optionalBoolean(tool, "strict", at + ".strict").orElse(true);
        return new ToolDefinition(name, description, parameters, Optional.of(strict));
    }

    private static ToolChoice choice(JsonNode node, List<ToolDefinition> tools, ObjectNode echo) {
        ToolChoice choice;
        if (node == null || node.isNull()) {
            choice = ToolChoice.AUTO;
            echo.put("tool_choice", "auto");
        } else if (node.isTextual()) {
            choice = switch (node.textValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw new InvalidRequestException("tool_choice must be none, auto, required or"
                        + " {\"type\":\"function\",\"name\":...}", "tool_choice");
            };
            echo.put("tool_choice", node.textValue());
        } else if (node.isObject() && "function".equals(node.path("type").asText())) {
            String name = Fields.requiredString(node, "name", "tool_choice.name");
            if (tools.stream().noneMatch(t -> t.name().equals(name))) {
                throw new InvalidRequestException("tool_choice names the tool '" + Fields.abbreviate(name)
                        + "', which is not among tools", "tool_choice");
            }
            choice = new ToolChoice.Named(name);
            echo.putObject("tool_choice").put("type", "function").put("name", name);
        } else {
            throw new InvalidRequestException("tool_choice must be none, auto, required or {\"type\":\"function\","
                    + "\"name\":...} (allowed_tools and OpenAI's hosted tools are not supported)", "tool_choice");
        }
        if (tools.isEmpty() && choice.forced()) {
            throw new InvalidRequestException("tool_choice " + (choice instanceof ToolChoice.Named ? "names a tool"
                    : "is required") + " but tools offers none", "tool_choice");
        }
        return choice;
    }

    /** {@code text.format}: text, a JSON object, or JSON matching a schema; {@code text.verbosity} is refused. */
    private static ResponseFormat format(JsonNode root, ObjectNode echo) {
        ObjectNode echoed = echo.putObject("text").putObject("format");
        JsonNode text = root.get("text");
        if (text == null || text.isNull()) {
            echoed.put("type", "text");
            return ResponseFormat.TEXT;
        }
        Fields.object(text, "text", "an object like {\"format\":{\"type\":\"json_schema\",...}}");
        text.fieldNames().forEachRemaining(field -> {
            if (field.equals("verbosity") && !text.get(field).isNull()) {
                throw new InvalidRequestException("text.verbosity is not supported: only OpenAI's own models have it",
                                                  "text.verbosity");
            } else if (!field.equals("format") && !field.equals("verbosity")) {
                throw new InvalidRequestException("text." + Fields.abbreviate(field) + " is not a field of text",
                                                  "text." + field);
            }
        });
        JsonNode format = text.get("format");
        if (format == null || format.isNull()) {
            echoed.put("type", "text");
            return ResponseFormat.TEXT;
        }
        Fields.object(format, "text.format", "an object with a type");
        String type = Fields.requiredString(format, "type", "text.format.type");
        echoed.put("type", type);
        return switch (type) {
            case "text" -> ResponseFormat.TEXT;
            case "json_object" -> ResponseFormat.JSON_OBJECT;
            case "json_schema" -> {
                String name = Fields.requiredString(format, "name", "text.format.name");
                if (!ToolsParser.NAME.matcher(name).matches()) {
                    throw new InvalidRequestException("text.format.name must be 1-64 letters, digits, underscores or"
                            + " dashes", "text.format.name");
                }
                JsonNode schema = format.get("schema");
                if (schema == null || !schema.isObject()) {
                    throw new InvalidRequestException("text.format.schema must be a JSON Schema object",
                                                      "text.format.schema");
                }
                Optional<String> description = Fields.optionalString(format, "description", "text.format.description");
                Optional<Boolean> strict = Fields.optionalBoolean(format, "strict", "text.format.strict");
                echoed.put("name", name);
                description.ifPresent(d -> echoed.put("description", d));
                echoed.set("schema", schema);
                echoed.put("strict", strict.orElse(false));
                yield new ResponseFormat.JsonSchema(name, description, schema, strict);
            }
            default -> throw new InvalidRequestException("text.format.type must be text, json_object or json_schema",
                                                         "text.format.type");
        };
    }

    /**
     * {@code reasoning.effort} is passed on; {@code reasoning.summary} is accepted: HAIA shows the reasoning its
     * provider gives (summaries, for Claude and Gemini) whenever there is some.
     */
    private static Optional<ReasoningEffort> reasoning(JsonNode root, ObjectNode echo) {
        JsonNode node = root.get("reasoning");
        ObjectNode echoed = echo.putObject("reasoning");
        if (node == null || node.isNull()) {
            echoed.putNull("effort");
            echoed.putNull("summary");
            return Optional.empty();
        }
        Fields.object(node, "reasoning", "an object like {\"effort\":\"medium\"}");
        node.fieldNames().forEachRemaining(field -> {
            if (!Set.of("effort", "summary", "generate_summary").contains(field)) {
                throw new InvalidRequestException("reasoning." + Fields.abbreviate(field) + " is not a field of"
                        + " reasoning", "reasoning." + field);
            }
        });
        Optional<ReasoningEffort> effort = Fields.optionalString(node, "effort", "reasoning.effort")
                .map(value -> ReasoningEffort.of(value).orElseThrow(() -> new InvalidRequestException(
                        "reasoning.effort must be none, minimal, low, medium, high or xhigh", "reasoning.effort")));
        Optional<String> summary = Fields.optionalString(node, "summary", "reasoning.summary")
                .or(() -> Fields.optionalString(node, "generate_summary", "reasoning.generate_summary"));
        if (summary.isPresent() && !Set.of("auto", "concise", "detailed").contains(summary.get())) {
            throw new InvalidRequestException("reasoning.summary must be auto, concise or detailed",
                                              "reasoning.summary");
        }
        echoed.put("effort", effort.map(ReasoningEffort::wireName).orElse(null));
        echoed.put("summary", summary.orElse(null));
        return effort;
    }

    private static JsonNode metadata(JsonNode root) {
        JsonNode node = root.get("metadata");
        if (node == null || node.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        Fields.object(node, "metadata", "an object of up to 16 string values");
        if (node.size() > 16) {
            throw new InvalidRequestException("metadata may have at most 16 keys", "metadata");
        }
        node.properties().forEach(e -> {
            if (e.getKey().length() > 64) {
                throw new InvalidRequestException("metadata keys are at most 64 characters", "metadata");
            }
            if (!e.getValue().isTextual() || e.getValue().textValue().length() > 512) {
                throw new InvalidRequestException("metadata." + Fields.abbreviate(e.getKey()) + " must be a string of"
                        + " at most 512 characters", "metadata");
            }
            Fields.checkedText(e.getValue().textValue(), "metadata");
        });
        return node;
    }

    /** {@code include}: what HAIA emits no such items for (or always includes) is accepted; log probabilities not. */
    private static void include(JsonNode root) {
        JsonNode node = root.get("include");
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isArray()) {
            throw new InvalidRequestException("include must be an array of strings", "include");
        }
        for (int i = 0; i < node.size(); i++) {
            String value = node.get(i).isTextual() ? node.get(i).textValue() : "";
            if (value.equals("message.output_text.logprobs")) {
                throw new InvalidRequestException("include: message.output_text.logprobs is not supported: HAIA's"
                        + " upstream models do not return log probabilities through it", "include");
            }
            if (!INCLUDE_NO_ITEMS.contains(value)) {
                throw new InvalidRequestException("include[" + i + "] must be one of " + INCLUDE_NO_ITEMS.stream()
                        .sorted().toList(), "include");
            }
        }
    }
}
