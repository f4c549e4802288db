package haia.openai;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import haia.chat.Attachments;
import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.tools.ToolNames;

/**
 * The Responses API's {@code input}: a string (one user message) or a list of items, read into HAIA's turns.
 * Messages ({@code user} with {@code input_text} and {@code input_image} parts, {@code system} and
 * {@code developer} texts, earlier {@code assistant} output), {@code function_call} and {@code function_call_output}
 * items, {@code reasoning} and {@code mcp_call} items HAIA gave earlier, and {@code item_reference} items naming a
 * stored item. Consecutive assistant-side items form one assistant turn; each tool output is a user turn of its own,
 * as {@code tool} messages are in chat completions. Other item types are OpenAI's own tools': a 400 naming them.
 * OpenWebUI's wrappers around user texts (its documents, its file references) are taken off as for chat completions:
 * what is stored is what the user typed, the documents go to the model as the request's attachments.
 */
public final class InputItemsParser {

    /** Finds a stored item by its id ({@code item_reference}). */
    @FunctionalInterface
    public interface References {
        Optional<ResponseItems.Item> item(String id);
    }

    /**
     * The input as turns: system texts apart, how many items came, tool outputs whose call is not in the input, and
     * what OpenWebUI attached to the user's words.
     */
    record Parsed(List<String> system, List<LlmMessage> messages, int items, Set<String> unansweredCalls,
                  Attachments attachments) {
    }

    private final MessagesParser messages;

    InputItemsParser(MessagesParser messages) {
        this.messages = messages;
    }

    Parsed parse(JsonNode input, References references) {
        if (input == null || input.isNull()) {
            throw new InvalidRequestException("input is required", "input");
        }
        MessagesParser.Unwrapping unwrapping = new MessagesParser.Unwrapping();
        if (input.isTextual()) {
            String text = unwrapping.next().ownWords(Fields.checkedText(input.textValue(), "input"));
            messages.checkLength(text, "input");
            if (text.isBlank()) {
                throw new InvalidRequestException("input is empty", "input");
            }
            return new Parsed(List.of(), List.of(new LlmMessage(LlmMessage.Role.USER, List.of(new Part.Text(text)))),
                              1, Set.of(), unwrapping.attachments());
        }
        if (!input.isArray() || input.isEmpty()) {
            throw new InvalidRequestException("input must be a string or a non-empty array of input items", "input");
        }
        Turns turns = new Turns();
        for (int i = 0; i < input.size(); i++) {
            String at = "input[" + i + "]";
            JsonNode item = Fields.object(input.get(i), at, "an input item (a message, function_call_output, ...)");
            String type = Fields.optionalString(item, "type", at + ".type").orElse("message");
            switch (type) {
                case "message" -> message(item, at, turns, unwrapping);
                case "function_call" -> {
                    String callId = Fields.requiredString(item, "call_id", at + ".call_id");
                    String name = Fields.requiredString(item, "name", at + ".name");
                    String arguments = Fields.optionalString(item, "arguments", at + ".arguments").orElse("{}");
                    turns.assistant(new Part.ToolCall(callId, name, arguments));
                    turns.calls.put(callId, name);
                }
                case "function_call_output" -> {
                    String callId = Fields.requiredString(item, "call_id", at + ".call_id");
                    List<Part> output = output(item.get("output"), at + ".output");
                    String name = turns.calls.getOrDefault(callId, "");
                    if (name.isEmpty()) {
                        turns.unanswered.add(callId);
                    }
                    turns.user(List.of(new Part.ToolResult(callId, name, output, false)));
                }
                case "reasoning" -> reasoning(item, at, turns);
                case "mcp_call" -> mcpCall(item, at, turns);
                case "item_reference" -> {
                    String id = Fields.requiredString(item, "id", at + ".id");
                    ResponseItems.Item found = references.item(id).orElseThrow(() -> new InvalidRequestException(
                            at + ": no stored item with id '" + Fields.abbreviate(id) + "'", at + ".id"));
                    if (found.role() == LlmMessage.Role.USER) {
                        turns.user(found.parts());
                    } else {
                        found.parts().forEach(turns::assistant);
                    }
                    found.parts().stream().filter(Part.ToolCall.class::isInstance).map(Part.ToolCall.class::cast)
                            .forEach(c -> turns.calls.put(c.id(), c.name()));
                }
                default -> throw new InvalidRequestException(at + ".type '" + Fields.abbreviate(type) + "' is not"
                        + " supported: HAIA takes messages, function_call, function_call_output, reasoning, mcp_call"
                        + " and item_reference items", at + ".type");
            }
        }
        turns.flush();
        if (turns.messages.isEmpty() || turns.messages.getLast().role() != LlmMessage.Role.USER) {
            throw new InvalidRequestException("input must end with a user message or a function_call_output: HAIA"
                    + " answers input and does not continue a reply", "input");
        }
        return new Parsed(turns.system, turns.messages, input.size(), turns.unanswered, unwrapping.attachments());
    }

    private void message(JsonNode item, String at, Turns turns, MessagesParser.Unwrapping unwrapping) {
        String role = Fields.requiredString(item, "role", at + ".role");
        JsonNode content = item.get("content");
        switch (role) {
            case "system", "developer" -> turns.system.add(text(content, at + ".content", "input_text"));
            case "user" -> turns.user(userContent(content, at + ".content", unwrapping.next()));
            case "assistant" -> {
                String text = text(content, at + ".content", "output_text");
                messages.checkLength(text, at + ".content");
                if (!text.isEmpty()) {
                    // HAIA's own tool activity, shown in an earlier reply's text, is read back as what it was
                    ToolActivity.parse(text).forEach(turns::assistant);
                }
            }
            default -> throw new InvalidRequestException(at + ".role '" + Fields.abbreviate(role) + "' is not"
                    + " supported; use user, assistant, system or developer", at + ".role");
        }
    }

    /** A user's content, OpenWebUI's wrappers taken off its texts (the limit is on what the user typed). */
    private List<Part> userContent(JsonNode content, String at, MessagesParser.Unwrapping unwrapping) {
        if (content != null && content.isTextual()) {
            String text = unwrapping.ownWords(Fields.checkedText(content.textValue(), at));
            messages.checkLength(text, at);
            if (text.isBlank()) {
                throw new InvalidRequestException(at + " is empty", at);
            }
            return List.of(new Part.Text(text));
        }
        List<Part> parts = parts(content, at, unwrapping);
        if (parts.stream().allMatch(p -> p instanceof Part.Text t && t.text().isBlank())) {
            throw new InvalidRequestException(at + " is empty", at);
        }
        return parts;
    }

    /**
     * {@code input_text} and {@code input_image} parts; texts in a row are one text, as OpenAI joins them.
     *
     * @param unwrapping takes OpenWebUI's wrappers off a user's texts; null for a tool's output, which has none
     */
    private List<Part> parts(JsonNode content, String at, MessagesParser.Unwrapping unwrapping) {
        if (content == null || !content.isArray()) {
            throw new InvalidRequestException(at + " must be a string or an array of input_text and input_image"
                    + " parts", at);
        }
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < content.size(); p++) {
            String partAt = at + "[" + p + "]";
            JsonNode part = Fields.object(content.get(p), partAt, "a content part like {\"type\":\"input_text\",...}");
            String type = Fields.requiredString(part, "type", partAt + ".type");
            switch (type) {
                case "input_text" -> {
                    String given = Fields.requiredString(part, "text", partAt + ".text");
                    text.append(unwrapping == null ? given : unwrapping.ownWords(given));
                }
                case "input_image" -> {
                    if (part.hasNonNull("file_id")) {
                        throw new InvalidRequestException(partAt + ".file_id is not supported: HAIA has no file"
                                + " store; send the picture as image_url (a data: URL)", partAt + ".file_id");
                    }
                    String url = Fields.requiredString(part, "image_url", partAt + ".image_url");
                    if (!text.isEmpty()) {
                        parts.add(new Part.Text(text.toString()));
                        text.setLength(0);
                    }
                    // detail is accepted and left alone: only OpenAI's own models have it
                    parts.add(messages.image(url, partAt + ".image_url"));
                }
                default -> throw new InvalidRequestException(partAt + " is a '" + Fields.abbreviate(type) + "' part;"
                        + " HAIA accepts input_text and input_image parts", partAt + ".type");
            }
            messages.checkLength(text.toString(), at);
        }
        if (!text.isEmpty()) {
            parts.add(new Part.Text(text.toString()));
        }
        return parts;
    }

    /** A tool's output: a string, or input_text and input_image parts. */
    private List<Part> output(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            throw new InvalidRequestException(at + " is required", at);
        }
        if (node.isTextual()) {
            String text = Fields.checkedText(node.textValue(), at);
            messages.checkLength(text, at);
            return text.isEmpty() ? List.of() : List.of(new Part.Text(text));
        }
        return parts(node, at, null);
    }

    /** A content that may only be text: a string, or text parts of the given type joined (refusals skipped). */
    private static String text(JsonNode node, String at, String partType) {
        if (node == null || node.isNull()) {
            throw new InvalidRequestException(at + " is required", at);
        }
        if (node.isTextual()) {
            return Fields.checkedText(node.textValue(), at);
        }
        if (!node.isArray()) {
            throw new InvalidRequestException(at + " must be a string or an array of " + partType + " parts", at);
        }
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < node.size(); p++) {
            String partAt = at + "[" + p + "]";
            JsonNode part = Fields.object(node.get(p), partAt, "a content part");
            String type = Fields.requiredString(part, "type", partAt + ".type");
            if (type.equals("refusal")) {
                continue;
            }
            if (!type.equals(partType) && !(partType.equals("output_text") && type.equals("input_text"))) {
                throw new InvalidRequestException(partAt + " is a '" + Fields.abbreviate(type) + "' part; only "
                        + partType + " parts are allowed here", partAt + ".type");
            }
            text.append(Fields.requiredString(part, "text", partAt + ".text"));
        }
        return text.toString();
    }

    /**
     * A reasoning item given back: its summary (or content) texts. What a client sends back cannot be trusted as the
     * provider's signed reasoning, so it goes to no provider as such: it is kept as reasoning of no provider.
     */
    private static void reasoning(JsonNode item, String at, Turns turns) {
        StringBuilder text = new StringBuilder();
        for (String field : List.of("summary", "content")) {
            JsonNode parts = item.get(field);
            if (parts != null && parts.isArray()) {
                for (JsonNode part : parts) {
                    text.append(part.path("text").asText(""));
                }
            } else if (parts != null && !parts.isNull()) {
                throw new InvalidRequestException(at + "." + field + " must be an array", at + "." + field);
            }
        }
        turns.assistant(new Part.Thinking(text.toString(), Optional.empty(), Optional.empty(), "client"));
    }

    /** One of HAIA's own tool calls given back (an {@code mcp_call} item HAIA output): the call and its result. */
    private static void mcpCall(JsonNode item, String at, Turns turns) {
        String id = Fields.requiredString(item, "id", at + ".id");
        String name = Fields.requiredString(item, "name", at + ".name");
        if (!ToolNames.isReserved(name)) {
            throw new InvalidRequestException(at + ".name '" + Fields.abbreviate(name) + "': HAIA runs only its own"
                    + " tools (" + ToolNames.PREFIX + "...) as mcp_call; OpenAI's hosted MCP tools are not supported",
                                              at + ".name");
        }
        String arguments = Fields.optionalString(item, "arguments", at + ".arguments").orElse("{}");
        Optional<String> error = Fields.optionalString(item, "error", at + ".error");
        String output = error.or(() -> Fields.optionalString(item, "output", at + ".output")).orElse("");
        turns.assistant(new Part.ToolCall(id, name, arguments));
        turns.assistant(new Part.ToolResult(id, name, output.isEmpty() ? List.of() : List.of(new Part.Text(output)),
                                            error.isPresent()));
    }

    /** The turns being built: assistant-side items gather into one assistant turn until a user-side item. */
    private static final class Turns {
        final List<String> system = new ArrayList<>();
        final List<LlmMessage> messages = new ArrayList<>();
        final Map<String, String> calls = new HashMap<>();
        final Set<String> unanswered = new LinkedHashSet<>();
        private final List<Part> assistant = new ArrayList<>();

        void assistant(Part part) {
            assistant.add(part);
        }

        void user(List<Part> parts) {
            flush();
            messages.add(new LlmMessage(LlmMessage.Role.USER, parts));
        }

        void flush() {
            if (!assistant.isEmpty()) {
                messages.add(new LlmMessage(LlmMessage.Role.ASSISTANT, List.copyOf(assistant)));
                assistant.clear();
            }
        }
    }
}
