package haia.llm.anthropic;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.LlmException;
import haia.llm.ProtocolJson;
import haia.llm.StreamDecoder;
import haia.llm.StreamedReply;
import haia.llm.UpstreamErrors;
import haia.llm.Usage;

/**
 * Anthropic's event sequence: {@code message_start} (model, usage so far: input and cache tokens); per content block a
 * {@code content_block_start}, deltas ({@code text_delta}, {@code thinking_delta}, {@code signature_delta} just
 * before the block ends, {@code input_json_delta} pieces of a tool's input), {@code content_block_stop};
 * {@code message_delta} (stop reason, cumulative usage); {@code message_stop}. {@code ping} carries nothing; an
 * {@code error} event ends the stream with a failure. The answer tool's input streams as the reply's text.
 */
final class AnthropicStream implements StreamDecoder {

    /** Where an open {@code tool_use} block's input goes: a tool call's index, or the reply's text. */
    private static final int ANSWER = -1;

    private final String provider;
    private final Optional<String> requestId;
    /** Open tool_use blocks by content block index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>(2);
    private boolean toolCalls;
    private String model;
    private Usage usage = Usage.NONE;
    private String stopReason;

    AnthropicStream(String provider, String model, Optional<String> requestId) {
        this.provider = provider;
        this.model = model;
        this.requestId = requestId;
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public boolean event(String name, String data, StreamedReply reply) throws IOException {
        JsonNode event = ProtocolJson.READER.readTree(data);
        switch (event.path("type").asText(name)) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                model = message.path("model").asText(model);
                usage = AnthropicUsage.of(message.path("usage"));
            }
            case "content_block_start" -> start(event.path("index").asInt(), event.path("content_block"), reply);
            case "content_block_delta" -> delta(event.path("index").asInt(), event.path("delta"), reply);
            case "message_delta" -> {
                JsonNode delta = event.path("delta");
                if (delta.hasNonNull("stop_reason")) {
                    stopReason = delta.get("stop_reason").asText();
                }
                usage = AnthropicUsage.update(usage, event.path("usage"));
            }
            case "message_stop" -> {
                return reply.complete(AnthropicProtocol.finishReason(stopReason, toolCalls), usage, model,
                                      requestId);
            }
            case "error" -> {
                return reply.fail(error(event.path("error")));
            }
            default -> {
                // ping, content_block_stop and future event types carry nothing new
            }
        }
        return false;
    }

    /** A block starts: a tool call is named now (its {@code input: {}} is a placeholder, not a prefix). */
    private void start(int index, JsonNode block, StreamedReply reply) {
        switch (block.path("type").asText()) {
            case "tool_use" -> {
                if (AnthropicRequests.ANSWER_TOOL.equals(block.path("name").asText())) {
                    toolBlocks.put(index, ANSWER);
                } else {
                    toolCalls = true;
                    toolBlocks.put(index, reply.toolCall(block.path("id").asText(), block.path("name").asText()));
                }
            }
            case "redacted_thinking" -> reply.redactedThinking(block.path("data").asText(""));
            default -> {
                // text and thinking blocks start empty; their deltas carry the content
            }
        }
    }

    private void delta(int index, JsonNode delta, StreamedReply reply) {
        switch (delta.path("type").asText()) {
            case "text_delta" -> reply.text(delta.path("text").asText(""));
            case "thinking_delta" -> reply.thinking(delta.path("thinking").asText(""));
            case "signature_delta" -> reply.signature(delta.path("signature").asText(""));
            case "input_json_delta" -> {
                String piece = delta.path("partial_json").asText("");
                Integer tool = toolBlocks.get(index);
                if (tool == null || piece.isEmpty()) {
                    return;
                }
                if (tool == ANSWER) {
                    reply.text(piece);
                } else {
                    reply.toolArguments(tool, piece);
                }
            }
            default -> {
                // citations and future delta types
            }
        }
    }

    @Override
    public boolean end(StreamedReply reply) {
        return false;   // a stream without message_stop was cut off
    }

    /** An {@code error} event sent after HTTP 200: its type says what HTTP status it stands for. */
    private LlmException error(JsonNode error) {
        String type = error.path("type").asText("api_error");
        int status = UpstreamErrors.statusOfErrorType(type);
        return new LlmException(UpstreamErrors.categoryOf(status), provider, status,
                                "The anthropic upstream failed mid-stream (" + type + "): "
                                        + error.path("message").asText("no details"),
                                Optional.empty(), requestId, null);
    }
}
