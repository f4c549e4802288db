package haia.openai;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import haia.chat.Attachments;
import haia.llm.ImageFormats;
import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * OpenAI's {@code messages} in HAIA's terms: system and developer texts apart; user content as text and images
 * ({@code image_url} with a {@code data:} URL, decoded and checked, or an http(s) URL); assistant messages with their
 * text and {@code tool_calls}; {@code tool} messages as tool results in a user message, each paired with the call it
 * answers. Text parts of one message are joined without a separator, as OpenAI joins them.
 */
final class MessagesParser {

    /** The result: system texts, the conversation, what OpenWebUI attached to it (its documents). */
    record Parsed(List<String> system, List<LlmMessage> messages, Attachments attachments) {
    }

    /**
     * Fields of a message that HAIA accepts and leaves alone on purpose: a participant's {@code name} (HAIA talks to
     * one user), an assistant's {@code refusal} text and {@code reasoning_content} (HAIA keeps the model's reasoning
     * itself and gives it back to the provider that made it; what a client sends back cannot be trusted as that).
     */
    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id",
                                                             "refusal", "reasoning_content", "reasoning", "audio",
                                                             "function_call");

    private final int maxMessageChars;
    private final int maxImageBytes;

    MessagesParser(int maxMessageChars, int maxImageBytes) {
        this.maxMessageChars = maxMessageChars;
        this.maxImageBytes = maxImageBytes;
    }

    Parsed parse(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new InvalidRequestException("messages is required", "messages");
        }
        if (!node.isArray()) {
            throw new InvalidRequestException("messages must be an array of messages", "messages");
        }
        if (node.isEmpty()) {
            throw new InvalidRequestException("messages must contain at least one message", "messages");
        }
        List<String> system = new ArrayList<>();
        List<LlmMessage> messages = new ArrayList<>(node.size());
        // the calls of the latest assistant message, by id: what tool messages may answer
        Map<String, String> openCalls = new HashMap<>();
        // OpenWebUI's wrappers, taken off the user messages: the newest one's documents, everyone's file references
        Unwrapping unwrapping = new Unwrapping();
        String lastRole = null;
        for (int i = 0; i < node.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw new InvalidRequestException(at + " must be an object with role and content", at);
            }
            message.fieldNames().forEachRemaining(field -> {
                if (!MESSAGE_FIELDS.contains(field)) {
                    throw new InvalidRequestException(at + "." + field + " is not a field of a message", at + "." + field);
                }
            });
            JsonNode roleNode = message.get("role");
            if (roleNode == null || !roleNode.isTextual()) {
                throw new InvalidRequestException(at + ".role is required and must be a string", at + ".role");
            }
            String role = roleNode.textValue();   // case-sensitive, as OpenAI
            if (message.hasNonNull("function_call") || message.hasNonNull("audio")) {
                String field = message.hasNonNull("audio") ? "audio" : "function_call";
                throw new InvalidRequestException(at + "." + field + " is not supported: "
                        + (field.equals("audio") ? "HAIA answers in text" : "use tool_calls"), at + "." + field);
            }
            switch (role) {
                case "system", "developer" -> system.add(text(message.get("content"), at + ".content", false));
                case "user" -> {
                    List<Part> parts = userContent(message.get("content"), at + ".content", unwrapping.next());
                    messages.add(new LlmMessage(LlmMessage.Role.USER, parts));
                    openCalls.clear();
                }
                case "assistant" -> {
                    Optional<LlmMessage> assistant = assistant(message, at, openCalls);
                    assistant.ifPresent(messages::add);
                }
                case "tool" -> {
                    if (!"assistant".equals(lastRole) && !"tool".equals(lastRole) || openCalls.isEmpty()) {
                        throw new InvalidRequestException(at + ": a tool message must answer a tool call of the"
                                + " assistant message right before it (and the tool messages after that)", at);
                    }
                    messages.add(toolResult(message, at, openCalls));
                }
                case "function" -> throw new InvalidRequestException(at + ".role 'function' is not supported: use"
                        + " tool messages", at + ".role");
                default -> throw new InvalidRequestException(at + ".role '" + Fields.abbreviate(role)
                        + "' is not supported; use system, developer, user, assistant or tool", at + ".role");
            }
            if (!role.equals("assistant") || !messages.isEmpty() && messages.getLast().role() == LlmMessage.Role.ASSISTANT) {
                lastRole = role.equals("developer") ? "system" : role;
            }
        }
        if (messages.isEmpty()) {
            throw new InvalidRequestException("messages must contain a user message with content", "messages");
        }
        LlmMessage last = messages.getLast();
        if (last.role() == LlmMessage.Role.ASSISTANT) {
            // OpenWebUI's "Continue Response" sends the branch ending in the reply to continue; OpenWebUI shows this
            // message in the chat, so it says what to do instead (found by bin/e2e-openwebui)
            throw new InvalidRequestException("The last message must be from the user: HAIA answers messages and does"
                    + " not continue a reply (OpenWebUI's Continue Response). Regenerate the reply, or send a message"
                    + " such as \"go on\".", "messages");
        }
        if (!"user".equals(lastRole) && !"tool".equals(lastRole)) {
            throw new InvalidRequestException("The last message must be from the user or a tool (it is "
                    + lastRole + ")", "messages");
        }
        return new Parsed(system, messages, unwrapping.attachments());
    }

    /** What the wrappers of a request's user messages held (the Responses API's input items are read alike). */
    static final class Unwrapping {
        private Optional<Attachments> newest = Optional.empty();
        private final List<List<String>> fileTags = new ArrayList<>();
        private List<String> current;

        /** The next user message starts: its template replaces the previous one's. */
        Unwrapping next() {
            newest = Optional.empty();
            current = new ArrayList<>();
            fileTags.add(current);
            return this;
        }

        String ownWords(String text) {
            OpenWebUiWrappers.Unwrapped unwrapped = OpenWebUiWrappers.unwrap(text);
            if (unwrapped.template().isPresent()) {
                newest = unwrapped.template();
            }
            current.addAll(unwrapped.fileTags());
            return unwrapped.ownWords();
        }

        Attachments attachments() {
            return OpenWebUiWrappers.of(newest, fileTags);
        }
    }

    // ---- user content: text and images ----

    private List<Part> userContent(JsonNode node, String at, Unwrapping unwrapping) {
        if (node == null || node.isNull()) {
            throw new InvalidRequestException(at + " is required", at);
        }
        List<Part> parts = new ArrayList<>(1);
        if (node.isTextual()) {
            // the limit is on what the user typed: an attached document is context, fitted to the token budget
            String text = unwrapping.ownWords(Fields.checkedText(node.textValue(), at));
            checkLength(text, at);
            if (text.isBlank()) {
                throw new InvalidRequestException(at + " is empty", at);
            }
            parts.add(new Part.Text(text));
            return parts;
        }
        if (!node.isArray()) {
            throw new InvalidRequestException(at + " must be a string or an array of content parts", at);
        }
        StringBuilder text = new StringBuilder();
        int chars = 0;
        for (int p = 0; p < node.size(); p++) {
            String partAt = at + "[" + p + "]";
            JsonNode part = node.get(p);
            switch (partType(part, partAt)) {
                case "text" -> text.append(unwrapping.ownWords(partText(part, partAt)));
                case "image_url" -> {
                    flush(text, parts);
                    parts.add(image(part, partAt));
                }
                case "input_audio", "file" -> throw new InvalidRequestException(partAt + " is a '" + part.get("type")
                        .textValue() + "' part; HAIA accepts text and image_url parts", partAt + ".type");
                default -> throw new InvalidRequestException(partAt + " is a '" + Fields.abbreviate(part.get("type")
                        .textValue()) + "' part; HAIA accepts text and image_url parts", partAt + ".type");
            }
            chars = text.length() + parts.stream().mapToInt(x -> x instanceof Part.Text t ? t.text().length() : 0).sum();
            checkLength(chars, at);
        }
        flush(text, parts);
        if (parts.stream().allMatch(x -> x instanceof Part.Text t && t.text().isBlank())) {
            throw new InvalidRequestException(at + " is empty", at);
        }
        return parts;
    }

    private static void flush(StringBuilder text, List<Part> parts) {
        if (!text.isEmpty()) {
            parts.add(new Part.Text(text.toString()));
            text.setLength(0);
        }
    }

    private static String partType(JsonNode part, String partAt) {
        if (!part.isObject()) {
            throw new InvalidRequestException(partAt + " must be an object like {\"type\":\"text\",\"text\":\"...\"}",
                                              partAt);
        }
        JsonNode type = part.get("type");
        if (type == null || !type.isTextual()) {
            throw new InvalidRequestException(partAt + ".type is required", partAt + ".type");
        }
        return type.textValue();
    }

    private static String partText(JsonNode part, String partAt) {
        JsonNode text = part.get("text");
        if (text == null || !text.isTextual()) {
            throw new InvalidRequestException(partAt + ".text must be a string", partAt + ".text");
        }
        return Fields.checkedText(text.textValue(), partAt + ".text");
    }

    /**
     * An {@code image_url} part: a {@code data:} URL is decoded and must hold a JPEG, PNG, GIF or WebP of at most
     * {@code HAIA_MAX_IMAGE_BYTES} (its bytes decide its type: a wrong declared type is corrected, since Anthropic
     * refuses a mismatch); an http(s) URL is kept as it is. {@code detail} is accepted and left alone on purpose:
     * only OpenAI's own models have it.
     */
    private Part image(JsonNode part, String partAt) {
        JsonNode imageUrl = part.get("image_url");
        String urlAt = partAt + ".image_url.url";
        String url;
        if (imageUrl != null && imageUrl.isTextual()) {
            url = imageUrl.textValue();   // older clients send the URL itself
        } else if (imageUrl != null && imageUrl.isObject() && imageUrl.path("url").isTextual()) {
            url = imageUrl.path("url").textValue();
        } else {
            throw new InvalidRequestException(partAt + ".image_url must be {\"url\": \"data:image/...;base64,... or"
                    + " https://...\"}", partAt + ".image_url");
        }
        return image(url, urlAt);
    }

    /** A picture given by its URL: a {@code data:} URL decoded and checked, or an http(s) URL kept as it is. */
    Part image(String url, String urlAt) {
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            return new Part.Image(dataUrl(url, urlAt));
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return new Part.Image(new Part.Image.Url(uri));
            }
        } catch (URISyntaxException notAUrl) {
            // refused below
        }
        throw new InvalidRequestException(urlAt + " must be a data: URL or an http(s) URL", urlAt);
    }

    private Part.Image.Inline dataUrl(String url, String at) {
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma).toLowerCase(Locale.ROOT);
        if (comma < 0 || !header.endsWith(";base64")) {
            throw new InvalidRequestException(at + " must be a base64 data URL (data:image/png;base64,...)", at);
        }
        long decodedSize = (url.length() - comma - 1) * 3L / 4;
        if (decodedSize > maxImageBytes + 3L) {
            throw new InvalidRequestException(at + ": the image is about " + decodedSize + " bytes; HAIA takes images"
                    + " of up to " + maxImageBytes + " bytes (HAIA_MAX_IMAGE_BYTES)", at);
        }
        byte[] data;
        try {
            data = Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(at + " is not valid base64", at);
        }
        if (data.length > maxImageBytes) {
            throw new InvalidRequestException(at + ": the image is " + data.length + " bytes; HAIA takes images of up"
                    + " to " + maxImageBytes + " bytes (HAIA_MAX_IMAGE_BYTES)", at);
        }
        return new Part.Image.Inline(ImageFormats.of(data).orElseThrow(() -> new InvalidRequestException(
                at + " is not a JPEG, PNG, GIF or WebP image", at)), data);
    }

    // ---- assistant messages and tool results ----

    /** An assistant message: its text and tool calls; empty (a reply that failed, as OpenWebUI resends it): none. */
    private Optional<LlmMessage> assistant(JsonNode message, String at, Map<String, String> openCalls) {
        String text = text(message.get("content"), at + ".content", true);
        checkLength(text, at + ".content");
        List<Part> parts = new ArrayList<>();
        if (!text.isEmpty()) {
            // HAIA's own tool activity, shown in an earlier reply, is read back as the calls and results it was
            parts.addAll(ToolActivity.parse(text));
        }
        openCalls.clear();
        JsonNode calls = message.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!calls.isArray()) {
                throw new InvalidRequestException(at + ".tool_calls must be an array", at + ".tool_calls");
            }
            for (int c = 0; c < calls.size(); c++) {
                String callAt = at + ".tool_calls[" + c + "]";
                JsonNode call = Fields.object(calls.get(c), callAt, "an object with id, type and function");
                String id = Fields.requiredString(call, "id", callAt + ".id");
                String type = Fields.optionalString(call, "type", callAt + ".type").orElse("function");
                if (!type.equals("function")) {
                    throw new InvalidRequestException(callAt + ".type must be function", callAt + ".type");
                }
                JsonNode function = Fields.object(call.get("function"), callAt + ".function",
                                                  "an object with name and arguments");
                String name = Fields.requiredString(function, "name", callAt + ".function.name");
                String arguments = Fields.optionalString(function, "arguments", callAt + ".function.arguments")
                        .orElse("{}");
                if (openCalls.put(id, name) != null) {
                    throw new InvalidRequestException(callAt + ".id '" + Fields.abbreviate(id) + "' is used twice",
                                                      callAt + ".id");
                }
                parts.add(new Part.ToolCall(id, name, arguments));
            }
        }
        if (parts.isEmpty() || parts.stream().allMatch(p -> p instanceof Part.Text t && t.text().isBlank())) {
            return Optional.empty();   // OpenWebUI re-sends replies that failed as empty assistant messages
        }
        return Optional.of(new LlmMessage(LlmMessage.Role.ASSISTANT, parts));
    }

    /** A {@code tool} message: the result of one call of the assistant message before, as a user message's part. */
    private LlmMessage toolResult(JsonNode message, String at, Map<String, String> openCalls) {
        String callId = Fields.requiredString(message, "tool_call_id", at + ".tool_call_id");
        String toolName = openCalls.remove(callId);
        if (toolName == null) {
            throw new InvalidRequestException(at + ".tool_call_id '" + Fields.abbreviate(callId) + "' answers no"
                    + " (unanswered) tool call of the assistant message before it", at + ".tool_call_id");
        }
        String text = text(message.get("content"), at + ".content", true);
        checkLength(text, at + ".content");
        return new LlmMessage(LlmMessage.Role.USER, List.of(new Part.ToolResult(
                callId, toolName, text.isEmpty() ? List.of() : List.of(new Part.Text(text)), false)));
    }

    /**
     * A content that may only be text: a string, or text parts joined without a separator.
     *
     * @param nullable whether it may be missing or null (assistant and tool messages)
     */
    private static String text(JsonNode node, String at, boolean nullable) {
        if (node == null || node.isNull()) {
            if (nullable) {
                return "";
            }
            throw new InvalidRequestException(at + " is required", at);
        }
        if (node.isTextual()) {
            return Fields.checkedText(node.textValue(), at);
        }
        if (!node.isArray()) {
            throw new InvalidRequestException(at + " must be a string or an array of text parts", at);
        }
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < node.size(); p++) {
            String partAt = at + "[" + p + "]";
            JsonNode part = node.get(p);
            String type = partType(part, partAt);
            if (type.equals("refusal")) {
                continue;   // an assistant's refusal part: its text is not the reply
            }
            if (!type.equals("text")) {
                throw new InvalidRequestException(partAt + " is a '" + Fields.abbreviate(type) + "' part; only text"
                        + " parts are allowed here", partAt + ".type");
            }
            text.append(partText(part, partAt));
        }
        return text.toString();
    }

    void checkLength(String text, String at) {
        checkLength(text.length(), at);
    }

    private void checkLength(int chars, String at) {
        if (chars > maxMessageChars) {
            throw new InvalidRequestException(at + " is " + chars + " characters long; the limit is " + maxMessageChars,
                                              at);
        }
    }
}
