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
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import haia.json.Jackson;
import haia.llm.Sampling;

/**
 * Turns a {@code /v1/chat/completions} body into a {@link ChatCompletionRequest}, or an
 * {@link InvalidRequestException} that names the offending field ({@code messages[2].content}) and says what is
 * wrong with it. Nothing a client sends is silently ignored: each field is honoured (or passed on to the provider),
 * accepted and left alone on purpose ({@link #IGNORED}, each with its reason), or refused with a 400; a field OpenAI
 * does not know either is refused as OpenAI refuses it ({@code Unrecognized request argument supplied}).
 */
public final class RequestParser {

    /** Larger than any model's output limit; anything above is a client bug, not a wish. */
    public static final int MAX_TOKENS_LIMIT = 1_000_000;
    private static final int MAX_STOP_SEQUENCES = 4;

    /** Fields HAIA honours or passes on. */
    static final Set<String> HONOURED = Set.of(
            "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "stop", "user", "n", "tools", "tool_choice", "parallel_tool_calls",
            "response_format", "reasoning_effort", "seed", "frequency_penalty", "presence_penalty", "logprobs",
            "top_logprobs");
    /**
     * Fields HAIA accepts and leaves alone on purpose, because honouring them is OpenAI's own business or HAIA does
     * it anyway: {@code metadata} and {@code store} (OpenAI's stored completions; HAIA stores every conversation
     * itself), {@code service_tier} (OpenAI's processing tiers), {@code safety_identifier} (OpenAI's abuse tracking;
     * {@code user} is passed on), {@code prompt_cache_key} (OpenAI's cache routing; HAIA caches per provider).
     */
    static final Set<String> IGNORED = Set.of("metadata", "store", "service_tier", "safety_identifier",
                                              "prompt_cache_key");
    /** Fields OpenAI knows that HAIA cannot honour: a clear 400 rather than an answer that silently lacks them. */
    private static final Map<String, String> REFUSED = Map.of(
            "logit_bias", "logit_bias is not supported: HAIA's providers cannot bias tokens through it",
            "functions", "functions is not supported (deprecated by OpenAI): use tools",
            "function_call", "function_call is not supported (deprecated by OpenAI): use tool_choice",
            "audio", "audio is not supported: HAIA answers in text",
            "modalities", "modalities other than [\"text\"] are not supported: HAIA answers in text",
            "prediction", "prediction is not supported: HAIA does not do predicted outputs",
            "web_search_options", "web_search_options is not supported: HAIA's models do not search the web",
            "verbosity", "verbosity is not supported: only OpenAI's own models have it");

    private final ObjectMapper mapper;
    private final MessagesParser messages;

    public RequestParser(int maxMessageChars, int maxImageBytes) {
        this.messages = new MessagesParser(maxMessageChars, maxImageBytes);
        // bodies are already size-capped; the constraints bound what a hostile body can make the parser do
        this.mapper = JsonMapper.builder(Jackson.factory(StreamReadConstraints.builder()
                                                                 .maxNestingDepth(64)
                                                                 .maxNumberLength(64)
                                                                 .build()))
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public ChatCompletionRequest parse(byte[] body) {
        JsonNode root = object(body);
        unknownOrRefused(root);

        Optional<String> model = Fields.optionalString(root, "model", "model").filter(s -> !s.isBlank());
        MessagesParser.Parsed conversation = messages.parse(root.get("messages"));
        OptionalInt maxTokens = optionalInt(root, "max_completion_tokens");
        if (maxTokens.isEmpty()) {
            maxTokens = optionalInt(root, "max_tokens");
        }
        Sampling sampling = new Sampling(Fields.optionalNumber(root, "temperature", 0, 2),
                                         Fields.optionalNumber(root, "top_p", 0, 1),
                                         stop(root),
                                         Fields.optionalString(root, "user", "user"),
                                         seed(root),
                                         Fields.optionalNumber(root, "frequency_penalty", -2, 2),
                                         Fields.optionalNumber(root, "presence_penalty", -2, 2));
        boolean stream = Fields.optionalBoolean(root, "stream", "stream").orElse(false);
        boolean includeUsage = false;
        JsonNode options = root.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw new InvalidRequestException("stream_options must be an object", "stream_options");
            }
            includeUsage = Fields.optionalBoolean(options, "include_usage", "stream_options.include_usage")
                    .orElse(false);
            // include_obfuscation is accepted and left alone: HAIA's chunks carry no obfuscation padding
            Fields.optionalBoolean(options, "include_obfuscation", "stream_options.include_obfuscation");
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
        return new ChatCompletionRequest(model, conversation.system(), conversation.messages(),
                                         root.path("messages").size(), maxTokens, sampling, ToolsParser.tools(root),
                                         ToolsParser.responseFormat(root), ToolsParser.reasoning(root), stream,
                                         includeUsage, conversation.attachments());
    }

    /**
     * A request body as a JSON object: strictly UTF-8, bounded nesting and numbers, no trailing tokens; anything else
     * is a 400 saying what is wrong with it.
     */
    JsonNode object(byte[] body) {
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
        return root;
    }

    /** Fields OpenAI does not know, and fields HAIA cannot honour: each a 400 naming it. */
    private static void unknownOrRefused(JsonNode root) {
        root.fieldNames().forEachRemaining(field -> {
            if (HONOURED.contains(field) || IGNORED.contains(field)) {
                return;
            }
            String refusal = REFUSED.get(field);
            if (field.equals("modalities") && root.get(field).isArray() && root.get(field).size() == 1
                    && "text".equals(root.get(field).get(0).asText())) {
                return;   // text only: what HAIA does
            }
            if (root.get(field).isNull() && refusal != null) {
                return;   // explicitly nothing
            }
            throw new InvalidRequestException(refusal != null ? refusal
                    : "Unrecognized request argument supplied: " + Fields.abbreviate(field), field);
        });
    }

    /** An integer seed, as OpenAI takes it. */
    private static OptionalLong seed(JsonNode root) {
        JsonNode node = root.get("seed");
        if (node == null || node.isNull()) {
            return OptionalLong.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new InvalidRequestException("seed must be an integer", "seed");
        }
        return OptionalLong.of(node.longValue());
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
            Fields.checkedText(value, "stop");
            if (value.isEmpty()) {
                throw new InvalidRequestException("stop sequences must not be empty", "stop");
            }
        }
        return values;
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
