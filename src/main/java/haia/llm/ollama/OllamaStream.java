package haia.llm.ollama;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.ErrorCategory;
import haia.llm.LlmException;
import haia.llm.ProtocolJson;
import haia.llm.StreamDecoder;
import haia.llm.StreamedReply;

/**
 * One JSON object per line: pieces of the message (thinking, content, and each tool call whole), then a
 * {@code done} line with the totals, or an {@code error} line.
 */
final class OllamaStream implements StreamDecoder {

    private final String provider;
    private final String model;

    OllamaStream(String provider, String model) {
        this.provider = provider;
        this.model = model;
    }

    @Override
    public Framing framing() {
        return Framing.NDJSON;
    }

    @Override
    public boolean event(String name, String data, StreamedReply reply) throws IOException {
        JsonNode chunk = ProtocolJson.READER.readTree(data);
        if (chunk.hasNonNull("error")) {
            return reply.fail(LlmException.of(ErrorCategory.UNAVAILABLE, provider,
                                              "The " + provider + " upstream failed mid-stream: "
                                                      + chunk.get("error").asText()));
        }
        OllamaProtocol.message(chunk.path("message"), reply);
        if (chunk.path("done").asBoolean(false)) {
            return reply.complete(OllamaProtocol.finishReason(chunk.path("done_reason").asText(null)),
                                  OllamaProtocol.usage(chunk), chunk.path("model").asText(model), Optional.empty());
        }
        return false;
    }

    @Override
    public boolean end(StreamedReply reply) {
        return false;   // a stream without its done line was cut off
    }
}
