package haia.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Anthropic's documented request rules (../shared/notes/wire-formats.md §1, tools.md §1), as {@link FakeAnthropic}
 * enforces them: each broken rule is one problem, worded as Anthropic words it where it is known. Beyond headers,
 * required fields and value ranges: content blocks of the right kinds in the right roles, images whose bytes are
 * the type they claim, tool_use answered by tool_result in the very next message (results first), tool blocks only
 * with tools defined, thinking blocks passed back unchanged (their signatures check out) and present before the
 * last tool use while thinking is on, thinking with neither a forced tool choice nor a changed temperature.
 */
public final class AnthropicRules {

    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Pattern TOOL_ID = Pattern.compile("[a-zA-Z0-9_-]+");
    private static final Map<String, String> MAGIC = Map.of("image/png", "89504e47", "image/jpeg", "ffd8ff",
                                                            "image/gif", "47494638", "image/webp", "52494646");

    private AnthropicRules() {
    }

    /** The signature the fake gives a thinking text, and checks when it comes back. */
    public static String signature(String thinking) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(thinking.getBytes(StandardCharsets.UTF_8));
            return "sig-" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> check(Map<String, String> headers, JsonNode body, String apiKey) {
        List<String> problems = new ArrayList<>();
        if (!apiKey.equals(headers.get("x-api-key"))) {
            problems.add("x-api-key header missing or wrong");
        }
        if (!"2023-06-01".equals(headers.get("anthropic-version"))) {
            problems.add("anthropic-version header must be 2023-06-01");
        }
        if (!String.valueOf(headers.get("content-type")).startsWith("application/json")) {
            problems.add("content-type must be application/json");
        }
        if (!body.isObject()) {
            problems.add("body must be an object");
            return problems;
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isEmpty()) {
            problems.add("model: field required");
        }
        if (!body.path("max_tokens").isIntegralNumber() || body.path("max_tokens").asInt() < 1) {
            problems.add("max_tokens: field required (a positive integer)");
        }
        system(body.get("system"), problems);
        Set<String> toolNames = tools(body, problems);
        boolean thinking = thinking(body, problems);
        messages(body.path("messages"), !toolNames.isEmpty(), thinking, problems);
        if (body.has("temperature")) {
            double t = body.get("temperature").asDouble(-1);
            if (!body.get("temperature").isNumber() || t < 0 || t > 1) {
                problems.add("temperature: must be between 0 and 1");
            }
            if (body.has("top_p")) {
                problems.add("`temperature` and `top_p` cannot both be specified for this model");
            }
        }
        if (body.has("stop_sequences") && !body.get("stop_sequences").isArray()) {
            problems.add("stop_sequences: must be an array");
        }
        if (body.has("metadata") && !body.path("metadata").path("user_id").isTextual()) {
            problems.add("metadata.user_id: must be a string");
        }
        if (body.has("stream") && !body.get("stream").isBoolean()) {
            problems.add("stream: must be a boolean");
        }
        toolChoice(body, toolNames, thinking, problems);
        for (String field : List.of("seed", "frequency_penalty", "presence_penalty", "response_format",
                                    "reasoning_effort", "tool_calls", "n")) {
            if (body.has(field)) {
                problems.add(field + ": Extra inputs are not permitted");
            }
        }
        return problems;
    }

    private static void system(JsonNode system, List<String> problems) {
        if (system == null) {
            return;
        }
        if (system.isArray()) {
            system.forEach(block -> {
                if (!"text".equals(block.path("type").asText()) || block.path("text").asText().isEmpty()) {
                    problems.add("system: text content blocks must be non-empty text blocks");
                }
            });
        } else if (!system.isTextual()) {
            problems.add("system: must be a string or text blocks");
        }
    }

    private static Set<String> tools(JsonNode body, List<String> problems) {
        Set<String> names = new HashSet<>();
        if (!body.has("tools")) {
            return names;
        }
        JsonNode tools = body.get("tools");
        if (!tools.isArray()) {
            problems.add("tools: must be an array");
            return names;
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String name = tool.path("name").asText();
            if (!TOOL_NAME.matcher(name).matches()) {
                problems.add("tools." + i + ".name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
            }
            if (!names.add(name)) {
                problems.add("tools: Tool names must be unique");
            }
            if (!"object".equals(tool.path("input_schema").path("type").asText())) {
                problems.add("tools." + i + ".input_schema.type: Input should be 'object'");
            }
            if (tool.has("parameters") || tool.has("function")) {
                problems.add("tools." + i + ": OpenAI's tool shape: Extra inputs are not permitted");
            }
        }
        return names;
    }

    private static boolean thinking(JsonNode body, List<String> problems) {
        JsonNode thinking = body.get("thinking");
        if (thinking == null || "disabled".equals(thinking.path("type").asText())) {
            return false;
        }
        if (!"enabled".equals(thinking.path("type").asText())) {
            problems.add("thinking.type: must be enabled or disabled");
        }
        int budget = thinking.path("budget_tokens").asInt(0);
        if (budget < 1024) {
            problems.add("thinking.budget_tokens: must be at least 1024");
        }
        if (budget >= body.path("max_tokens").asInt(0)) {
            problems.add("`max_tokens` must be greater than `thinking.budget_tokens`");
        }
        if (body.has("temperature") && body.path("temperature").asDouble() != 1.0) {
            problems.add("`temperature` may only be set to 1 when thinking is enabled");
        }
        if (body.has("top_p") && body.path("top_p").asDouble() < 0.95) {
            problems.add("`top_p` must be between 0.95 and 1 when thinking is enabled");
        }
        return true;
    }

    private static void toolChoice(JsonNode body, Set<String> tools, boolean thinking, List<String> problems) {
        JsonNode choice = body.get("tool_choice");
        if (choice == null) {
            return;
        }
        if (!body.has("tools")) {
            problems.add("tool_choice: may only be specified when tools are given");
        }
        String type = choice.path("type").asText();
        switch (type) {
            case "auto", "any", "none" -> {
                // fine
            }
            case "tool" -> {
                if (!tools.contains(choice.path("name").asText())) {
                    problems.add("tool_choice.name: no tool named " + choice.path("name").asText());
                }
            }
            default -> problems.add("tool_choice.type: must be auto, any, tool or none");
        }
        if (thinking && (type.equals("any") || type.equals("tool"))) {
            problems.add("Thinking may not be enabled when tool_choice forces tool use.");
        }
    }

    private static void messages(JsonNode messages, boolean toolsDefined, boolean thinking, List<String> problems) {
        if (!messages.isArray() || messages.isEmpty()) {
            problems.add("messages: at least one message is required");
            return;
        }
        Set<String> pendingCalls = new HashSet<>();
        int lastAssistantWithToolUse = -1;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText();
            String at = "messages." + i;
            if (!role.equals("user") && !role.equals("assistant")) {
                problems.add(at + ".role: must be user or assistant (system goes top-level)");
            }
            if (i == 0 && !role.equals("user")) {
                problems.add("messages: first message must use the \"user\" role");
            }
            if (i > 0 && role.equals(messages.get(i - 1).path("role").asText())) {
                problems.add("messages: roles must alternate between \"user\" and \"assistant\"");
            }
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                if (content.asText().isEmpty()) {
                    problems.add(at + ": text content blocks must be non-empty");
                }
                if (!pendingCalls.isEmpty()) {
                    problems.add(at + ": tool_use ids were found without tool_result blocks immediately after: "
                                         + pendingCalls);
                    pendingCalls.clear();
                }
                continue;
            }
            if (!content.isArray() || content.isEmpty()) {
                problems.add(at + ".content: must be a non-empty string or list of blocks");
                continue;
            }
            Set<String> answered = new HashSet<>();
            Set<String> calls = new HashSet<>();
            boolean seenOther = false;
            for (int b = 0; b < content.size(); b++) {
                JsonNode block = content.get(b);
                String bat = at + ".content." + b;
                String type = block.path("type").asText();
                switch (type) {
                    case "text" -> {
                        if (block.path("text").asText().isEmpty()) {
                            problems.add(bat + ": text content blocks must be non-empty");
                        }
                        seenOther = true;
                    }
                    case "image" -> {
                        image(block.path("source"), bat, problems);
                        if (!role.equals("user")) {
                            problems.add(bat + ": images are allowed in user messages only");
                        }
                        seenOther = true;
                    }
                    case "tool_use" -> {
                        if (!role.equals("assistant")) {
                            problems.add(bat + ": tool_use blocks belong to assistant messages");
                        }
                        if (!toolsDefined) {
                            problems.add("Requests which include `tool_use` or `tool_result` blocks must define tools.");
                        }
                        String id = block.path("id").asText();
                        if (!TOOL_ID.matcher(id).matches()) {
                            problems.add(bat + ".id: String should match pattern '^[a-zA-Z0-9_-]+$'");
                        }
                        if (!block.path("input").isObject()) {
                            problems.add(bat + ".input: Input should be a valid dictionary");
                        }
                        calls.add(id);
                        lastAssistantWithToolUse = i;
                    }
                    case "tool_result" -> {
                        if (!role.equals("user")) {
                            problems.add(bat + ": tool_result blocks belong to user messages");
                        }
                        if (!toolsDefined) {
                            problems.add("Requests which include `tool_use` or `tool_result` blocks must define tools.");
                        }
                        if (seenOther) {
                            problems.add(bat + ": tool_result blocks must come first in the user message");
                        }
                        String id = block.path("tool_use_id").asText();
                        if (!pendingCalls.contains(id)) {
                            problems.add(bat + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id
                                                 + ". Each `tool_result` block must have a corresponding `tool_use`"
                                                 + " block in the previous message.");
                        }
                        answered.add(id);
                        JsonNode result = block.path("content");
                        if (result.isTextual() && result.asText().isEmpty()) {
                            problems.add(bat + ".content: text content blocks must be non-empty");
                        }
                        if (result.isArray()) {
                            result.forEach(inner -> {
                                if ("image".equals(inner.path("type").asText())) {
                                    image(inner.path("source"), bat, problems);
                                } else if (inner.path("text").asText().isEmpty()) {
                                    problems.add(bat + ".content: text content blocks must be non-empty");
                                }
                            });
                        }
                    }
                    case "thinking" -> {
                        if (!role.equals("assistant")) {
                            problems.add(bat + ": thinking blocks belong to assistant messages");
                        }
                        if (!signature(block.path("thinking").asText()).equals(block.path("signature").asText())) {
                            problems.add(bat + ": Invalid `signature` in `thinking` block (the block was modified)");
                        }
                    }
                    case "redacted_thinking" -> {
                        if (!block.path("data").asText().startsWith("redacted-")) {
                            problems.add(bat + ": Invalid `data` in `redacted_thinking` block");
                        }
                    }
                    default -> problems.add(bat + ".type: unknown block type " + type);
                }
            }
            if (!pendingCalls.isEmpty() && !answered.containsAll(pendingCalls)) {
                Set<String> missing = new HashSet<>(pendingCalls);
                missing.removeAll(answered);
                problems.add(at + ": tool_use ids were found without tool_result blocks immediately after: " + missing
                                     + ". Each `tool_use` block must have a corresponding `tool_result` block in the"
                                     + " next message.");
            }
            pendingCalls = calls;
        }
        if (!pendingCalls.isEmpty()) {
            problems.add("messages: the last message must not leave tool_use blocks unanswered");
        }
        if (!"user".equals(messages.get(messages.size() - 1).path("role").asText())) {
            problems.add("messages: HAIA sends the user's turn last");
        }
        if (thinking && lastAssistantWithToolUse >= 0 && lastAssistantWithToolUse == messages.size() - 2) {
            JsonNode first = messages.get(lastAssistantWithToolUse).path("content").path(0);
            String type = first.path("type").asText();
            if (!type.equals("thinking") && !type.equals("redacted_thinking")) {
                problems.add("messages." + lastAssistantWithToolUse + ".content.0.type: Expected `thinking` or"
                                     + " `redacted_thinking`, but found `" + type + "`. When `thinking` is enabled, a"
                                     + " final `assistant` message must start with a thinking block (preceeding the"
                                     + " lastmost set of `tool_use` and `tool_result` blocks).");
            }
        }
    }

    /** An image block's source: base64 bytes of the type it claims (one of four), or an http(s) URL. */
    private static void image(JsonNode source, String at, List<String> problems) {
        switch (source.path("type").asText()) {
            case "base64" -> {
                String mediaType = source.path("media_type").asText();
                if (!MAGIC.containsKey(mediaType)) {
                    problems.add(at + ".source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or"
                                         + " 'image/webp'");
                    return;
                }
                byte[] data;
                try {
                    data = Base64.getDecoder().decode(source.path("data").asText());
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".source.data: Invalid base64 data");
                    return;
                }
                if (!HexFormat.of().formatHex(data, 0, Math.min(data.length, MAGIC.get(mediaType).length() / 2))
                        .equals(MAGIC.get(mediaType))) {
                    problems.add(at + ": Could not process image (the data is not " + mediaType + ")");
                }
            }
            case "url" -> {
                if (!source.path("url").asText().matches("https?://.+")) {
                    problems.add(at + ".source.url: must be an http(s) URL");
                }
            }
            default -> problems.add(at + ".source.type: must be base64 or url");
        }
    }
}
