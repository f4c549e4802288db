package haia.openai;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import haia.json.Jackson;

/**
 * Turns a {@code /v1/chat/completions} body into a {@link ChatCompletionRequest}, or an
 * {@link InvalidRequestException} that names the offending field ({@code messages[2].content}) and says what is
 * wrong with it. Fields HAIA does not use are ignored, as OpenAI clients send many.
 */
public final class RequestParser {

    /** Larger than any model's output limit; anything above is a client bug, not a wish. */
    public static final int MAX_TOKENS_LIMIT = 1_000_000;
    private static final int MAX_STOP_SEQUENCES = 4;
    private static final Map<String, ChatCompletionRequest.Role> ROLES = Map.of(
            "system", ChatCompletionRequest.Role.SYSTEM,
            "developer", ChatCompletionRequest.Role.DEVELOPER,
            "user", ChatCompletionRequest.Role.USER,
            "assistant", ChatCompletionRequest.Role.ASSISTANT);

    private final ObjectMapper mapper;
    private final int maxMessageChars;

    public RequestParser(int maxMessageChars) {
        this.maxMessageChars = maxMessageChars;
        // bodies are already size-capped; the constraints bound what a hostile body can make the parser do
        this.mapper = JsonMapper.builder(Jackson.factory(StreamReadConstraints.builder()
                                                                 .maxNestingDepth(64)
                                                                 .maxNumberLength(64)
                                                                 .build()))
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public ChatCompletionRequest parse(byte[] body) {
        String text = utf8(body);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new InvalidRequestException("The request body is too deeply nested or has an absurd number", null);
        } catch (JsonParseException e) {
            throw new InvalidRequestException("The request body is not valid JSON: " + describe(e), null);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("The request body is not valid JSON: " + describe(e), null);
        } catch (IOException e) {
            throw new InvalidRequestException("The request body could not be read: " + e.getMessage(), null);
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidRequestException("The request body is empty; expected a JSON object", null);
        }
        if (!root.isObject()) {
            throw new InvalidRequestException("The request body must be a JSON object", null);
        }

        Optional<String> model = optionalString(root, "model").filter(s -> !s.isBlank());
        List<ChatCompletionRequest.Message> messages = messages(root);
        OptionalDouble temperature = optionalNumber(root, "temperature", 0, 2);
        OptionalDouble topP = optionalNumber(root, "top_p", 0, 1);
        OptionalInt maxTokens = optionalInt(root, "max_completion_tokens");
        if (maxTokens.isEmpty()) {
            maxTokens = optionalInt(root, "max_tokens");
        }
        List<String> stop = stop(root);
        Optional<String> user = optionalString(root, "user");
        boolean stream = optionalBoolean(root, "stream");
        boolean includeUsage = false;
        JsonNode options = root.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw new InvalidRequestException("stream_options must be an object", "stream_options");
            }
            includeUsage = optionalBoolean(options, "include_usage", "stream_options.include_usage");
            if (!stream) {
                // as OpenAI answers it: the options describe a stream the request does not ask for
                throw new InvalidRequestException("stream_options is only allowed when stream is true",
                                                  "stream_options");
            }
        }
        unsupported(root);
        JsonNode n = root.get("n");
        if (n != null && !n.isNull() && !(n.canConvertToInt() && n.isIntegralNumber() && n.intValue() == 1)) {
            throw new InvalidRequestException("n must be 1: HAIA generates one choice per request", "n");
        }
        return new ChatCompletionRequest(model, messages, temperature, topP, maxTokens, stop, user, stream,
                                         includeUsage);
    }

    /**
     * Fields HAIA cannot honour and whose absence the client would not notice: refused with a clear 400 instead of
     * an answer that silently lacks them ({@code logprobs: null} where the client asked for log probabilities).
     */
    private static void unsupported(JsonNode root) {
        JsonNode logprobs = root.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isBoolean() && !logprobs.booleanValue())) {
            throw new InvalidRequestException("logprobs is not supported: HAIA's upstream models do not return log"
                                                      + " probabilities through it", "logprobs");
        }
        JsonNode top = root.get("top_logprobs");
        if (top != null && !top.isNull()) {
            throw new InvalidRequestException("top_logprobs is not supported: HAIA does not return log probabilities",
                                              "top_logprobs");
        }
    }

    /**
     * The body as text, decoded strictly: JSON is UTF-8, and only well-formed UTF-8 is accepted. The JSON parser
     * alone lets overlong forms through ({@code C0 AF} would become "/", {@code C0 80} a NUL), and text that is
     * stored byte-exactly must be the text the client meant.
     */
    private static String utf8(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(body.length);   // UTF-8 never has more characters than bytes
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new InvalidRequestException("The request body is not valid UTF-8 (at byte " + in.position() + ")",
                                              null);
        }
        out.flip();
        // a byte order mark is not part of the JSON text (the byte-level parser skipped it too)
        return out.length() > 0 && out.charAt(0) == '\uFEFF' ? out.subSequence(1, out.length()).toString()
                : out.toString();
    }

    private List<ChatCompletionRequest.Message> messages(JsonNode root) {
        JsonNode node = root.get("messages");
        if (node == null || node.isNull()) {
            throw new InvalidRequestException("messages is required", "messages");
        }
        if (!node.isArray()) {
            throw new InvalidRequestException("messages must be an array of messages", "messages");
        }
        if (node.isEmpty()) {
            throw new InvalidRequestException("messages must contain at least one message", "messages");
        }
        List<ChatCompletionRequest.Message> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw new InvalidRequestException(at + " must be an object with role and content", at);
            }
            JsonNode roleNode = message.get("role");
            if (roleNode == null || !roleNode.isTextual()) {
                throw new InvalidRequestException(at + ".role is required and must be a string", at + ".role");
            }
            ChatCompletionRequest.Role role = ROLES.get(roleNode.textValue());   // case-sensitive, as OpenAI
            if (role == null) {
                throw new InvalidRequestException(at + ".role '" + abbreviate(roleNode.textValue())
                        + "' is not supported; use system, developer, user or assistant", at + ".role");
            }
            String content = content(message.get("content"), at + ".content", role);
            if (content.length() > maxMessageChars) {
                throw new InvalidRequestException(at + ".content is " + content.length()
                        + " characters long; the limit is " + maxMessageChars, at + ".content");
            }
            if (content.isBlank() && role == ChatCompletionRequest.Role.ASSISTANT) {
                // OpenWebUI re-sends replies that failed as empty assistant messages: they carry nothing
                continue;
            }
            if (content.isBlank()) {
                throw new InvalidRequestException(at + ".content is empty", at + ".content");
            }
            messages.add(new ChatCompletionRequest.Message(role, content));
        }
        if (messages.isEmpty()) {
            throw new InvalidRequestException("messages must contain a user message with content", "messages");
        }
        ChatCompletionRequest.Message last = messages.getLast();
        if (last.role() == ChatCompletionRequest.Role.ASSISTANT) {
            // OpenWebUI's "Continue Response" sends the branch ending in the reply to continue; OpenWebUI shows this
            // message in the chat, so it says what to do instead (found by bin/e2e-openwebui)
            throw new InvalidRequestException("The last message must be from the user: HAIA answers messages and does"
                    + " not continue a reply (OpenWebUI's Continue Response). Regenerate the reply, or send a message"
                    + " such as \"go on\".", "messages");
        }
        if (last.role() != ChatCompletionRequest.Role.USER) {
            throw new InvalidRequestException("The last message must be from the user (it is "
                    + last.role().name().toLowerCase(Locale.ROOT) + ")", "messages");
        }
        return messages;
    }

    private static String content(JsonNode node, String at, ChatCompletionRequest.Role role) {
        if (node == null || node.isNull()) {
            if (role == ChatCompletionRequest.Role.ASSISTANT) {
                return "";   // assistant messages that only carried tool calls
            }
            throw new InvalidRequestException(at + " is required", at);
        }
        if (node.isTextual()) {
            return checkedText(node.textValue(), at);
        }
        if (!node.isArray()) {
            throw new InvalidRequestException(at + " must be a string or an array of text parts", at);
        }
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < node.size(); p++) {
            String partAt = at + "[" + p + "]";
            JsonNode part = node.get(p);
            if (!part.isObject()) {
                throw new InvalidRequestException(partAt + " must be an object like {\"type\":\"text\",\"text\":\"...\"}",
                                                  partAt);
            }
            JsonNode type = part.get("type");
            if (type == null || !type.isTextual()) {
                throw new InvalidRequestException(partAt + ".type is required", partAt + ".type");
            }
            if (!"text".equals(type.textValue())) {
                throw new InvalidRequestException(partAt + " is a '" + abbreviate(type.textValue())
                        + "' part; HAIA accepts text parts only", partAt + ".type");
            }
            JsonNode partText = part.get("text");
            if (partText == null || !partText.isTextual()) {
                throw new InvalidRequestException(partAt + ".text must be a string", partAt + ".text");
            }
            String value = checkedText(partText.textValue(), partAt + ".text");
            if (value.isEmpty()) {
                continue;   // empty parts carry nothing (and Anthropic rejects empty blocks)
            }
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append(value);
        }
        return text.toString();
    }

    /** Strings must be valid Unicode: an unpaired surrogate cannot be stored byte-exactly, so it is refused. */
    private static String checkedText(String value, String at) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new InvalidRequestException(at + " contains invalid Unicode (an unpaired surrogate \\u"
                        + Integer.toHexString(c) + ")", at);
            }
            if (Character.isLowSurrogate(c)) {
                throw new InvalidRequestException(at + " contains invalid Unicode (an unpaired surrogate \\u"
                        + Integer.toHexString(c) + ")", at);
            }
        }
        return value;
    }

    private static List<String> stop(JsonNode root) {
        JsonNode node = root.get("stop");
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        if (node.isTextual()) {
            values.add(node.textValue());
        } else if (node.isArray()) {
            if (node.size() > MAX_STOP_SEQUENCES) {
                throw new InvalidRequestException("stop allows at most " + MAX_STOP_SEQUENCES + " sequences", "stop");
            }
            for (int i = 0; i < node.size(); i++) {
                if (!node.get(i).isTextual()) {
                    throw new InvalidRequestException("stop[" + i + "] must be a string", "stop");
                }
                values.add(node.get(i).textValue());
            }
        } else {
            throw new InvalidRequestException("stop must be a string or an array of strings", "stop");
        }
        for (String value : values) {
            checkedText(value, "stop");
            if (value.isEmpty()) {
                throw new InvalidRequestException("stop sequences must not be empty", "stop");
            }
        }
        return values;
    }

    private static Optional<String> optionalString(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new InvalidRequestException(field + " must be a string", field);
        }
        return Optional.of(checkedText(node.textValue(), field));
    }

    private static OptionalDouble optionalNumber(JsonNode root, String field, double min, double max) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return OptionalDouble.empty();
        }
        if (!node.isNumber()) {
            throw new InvalidRequestException(field + " must be a number", field);
        }
        double value = node.doubleValue();
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new InvalidRequestException(field + " must be between " + format(min) + " and " + format(max)
                    + ", got " + node.asText(), field);
        }
        return OptionalDouble.of(value);
    }

    private static OptionalInt optionalInt(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return OptionalInt.empty();
        }
        if (!node.isIntegralNumber() && !(node.isNumber() && node.doubleValue() == Math.rint(node.doubleValue()))) {
            throw new InvalidRequestException(field + " must be an integer", field);
        }
        if (!node.canConvertToLong() || node.longValue() < 1 || node.longValue() > MAX_TOKENS_LIMIT) {
            throw new InvalidRequestException(field + " must be between 1 and " + MAX_TOKENS_LIMIT + ", got "
                    + abbreviate(node.asText()), field);
        }
        return OptionalInt.of(node.intValue());
    }

    private static boolean optionalBoolean(JsonNode root, String field) {
        return optionalBoolean(root, field, field);
    }

    private static boolean optionalBoolean(JsonNode root, String field, String param) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw new InvalidRequestException(param + " must be true or false", param);
        }
        return node.booleanValue();
    }

    private static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        int newline = message.indexOf('\n');
        if (newline > 0) {
            message = message.substring(0, newline);
        }
        var location = e.getLocation();
        return abbreviate(message) + (location == null ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")");
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static String abbreviate(String value) {
        return value.length() <= 200 ? value : value.substring(0, 200) + "…";
    }
}
