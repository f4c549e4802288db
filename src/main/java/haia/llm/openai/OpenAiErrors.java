package haia.llm.openai;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What OpenAI-compatible servers mean by their error answers, beyond the status, as the real servers were recorded
 * saying it (src/test/resources/llamacpp/, bin/e2e-local-model):
 * <ul>
 *     <li>llama.cpp's Python server answers HTTP 500 ({@code type: internal_server_error}) to requests it refuses:
 *         a request its own validation rejects ({@code "1 validation error: {'type': 'literal_error', 'loc': ('body',
 *         'response_format', 'type'), 'msg': "Input should be 'text' or 'json_object'", ...}"}, for
 *         {@code response_format: json_schema}), and a message with content parts (a picture) for a model whose chat
 *         template takes text only ({@code "can only concatenate str (not "list") to str"}). Those are the request's
 *         fault, not the server's: not retried, not counted against the provider's health;</li>
 *     <li>a prompt longer than the context: {@code code: context_length_exceeded} (OpenAI, llama.cpp's Python
 *         server), {@code type: exceed_context_size_error} with {@code n_ctx} and {@code n_prompt_tokens} (llama.cpp's
 *         own llama-server).</li>
 * </ul>
 */
final class OpenAiErrors {

    /** A pydantic validation failure as llama.cpp's Python server words it: where, and what is wrong there. */
    private static final Pattern VALIDATION = Pattern.compile(
            "\\d+ validation errors?:.*?'loc': \\(([^)]*)\\), 'msg': (?:\"([^\"]*)\"|'([^']*)')", Pattern.DOTALL);
    /** Python failing on a message's list of parts where its chat template wants a string. */
    private static final String PARTS = "can only concatenate str (not \"list\") to str";

    private OpenAiErrors() {
    }

    /**
     * What a server error's message says was wrong with the request, when it says so: the field and the complaint of
     * a validation failure, or a chat template that takes no content parts. Empty for a real server failure.
     */
    static Optional<String> invalidRequest(String message) {
        Matcher validation = VALIDATION.matcher(message);
        if (validation.find()) {
            String field = java.util.Arrays.stream(validation.group(1).split(","))
                    .map(s -> s.strip().replace("'", "")).filter(s -> !s.isEmpty() && !s.equals("body"))
                    .collect(java.util.stream.Collectors.joining("."));
            String complaint = validation.group(2) != null ? validation.group(2) : validation.group(3);
            return Optional.of((field.isEmpty() ? "" : field + ": ") + complaint + " (the server's own check of the"
                    + " request)");
        }
        if (message.contains(PARTS)) {
            return Optional.of("its chat template takes text only, and this request has a message in parts (a"
                    + " picture): send text only, or use a model that reads images. For a text-only model, leave images"
                    + " out of its capabilities (models[].capabilities, or HAIA_CAPABILITIES), and HAIA says so before"
                    + " calling it (the server said: " + PARTS + ")");
        }
        return Optional.empty();
    }

    /** Whether an error object says the prompt is longer than the model's context. */
    static boolean contextTooLong(JsonNode error) {
        return "context_length_exceeded".equals(error.path("code").asText(""))
                || "exceed_context_size_error".equals(error.path("type").asText(""));
    }

    /** A whole-number field of an error object (llama-server's n_ctx, n_prompt_tokens). */
    static OptionalInt count(JsonNode error, String field) {
        JsonNode value = error.path(field);
        return value.canConvertToInt() && value.isIntegralNumber() ? OptionalInt.of(value.asInt())
                : OptionalInt.empty();
    }
}
