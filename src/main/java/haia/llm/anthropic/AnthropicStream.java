package haia.llm.anthropic;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.LlmException;
import haia.llm.ProtocolJson;
import haia.llm.StreamDecoder;
import haia.llm.StreamedReply;
import haia.llm.UpstreamErrors;
import haia.llm.Usage;

/**
 * Anthropic's event sequence: {@code message_start} (model, input tokens), content block deltas,
 * {@code message_delta} (stop reason, cumulative usage), {@code message_stop}; {@code ping} carries nothing; an
 * {@code error} event ends the stream with a failure.
 */
final class AnthropicStream implements StreamDecoder {

    private final String provider;
    private final Optional<String> requestId;
    private String model;
    private int input;
    private int output;
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
                input = AnthropicProtocol.inputTokens(message.path("usage"));
                output = message.path("usage").path("output_tokens").asInt(0);
            }
            case "content_block_delta" -> {
                JsonNode delta = event.path("delta");
                if ("text_delta".equals(delta.path("type").asText())) {
                    reply.add(delta.path("text").asText(""));
                }
            }
            case "message_delta" -> {
                JsonNode delta = event.path("delta");
                if (delta.hasNonNull("stop_reason")) {
                    stopReason = delta.get("stop_reason").asText();
                }
                JsonNode usage = event.path("usage");
                output = usage.path("output_tokens").asInt(output);
                if (usage.has("input_tokens")) {
                    input = AnthropicProtocol.inputTokens(usage);
                }
            }
            case "message_stop" -> {
                return reply.complete(AnthropicProtocol.finishReason(stopReason), new Usage(input, output), model,
                                      requestId);
            }
            case "error" -> {
                return reply.fail(error(event.path("error")));
            }
            default -> {
                // ping, content_block_start/stop and future event types carry no text
            }
        }
        return false;
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
