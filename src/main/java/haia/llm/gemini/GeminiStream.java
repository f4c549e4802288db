package haia.llm.gemini;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.FinishReason;
import haia.llm.LlmException;
import haia.llm.ProtocolJson;
import haia.llm.StreamDecoder;
import haia.llm.StreamedReply;
import haia.llm.UpstreamErrors;
import haia.llm.Usage;

/**
 * Each event is a partial GenerateContentResponse: parts (text, thoughts, whole function calls), and on the last one
 * {@code finishReason} and the full {@code usageMetadata}. The stream ends at the end of the body; an {@code {"error":{...}}} event is a failure.
 */
final class GeminiStream implements StreamDecoder {

    private final String provider;
    private final boolean thoughtsAsked;
    private String model;
    private Optional<String> id = Optional.empty();
    private FinishReason finish;
    private Usage usage = Usage.NONE;

    GeminiStream(String provider, String model, boolean thoughtsAsked) {
        this.provider = provider;
        this.model = model;
        this.thoughtsAsked = thoughtsAsked;
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public boolean event(String name, String data, StreamedReply reply) throws IOException {
        JsonNode chunk = ProtocolJson.READER.readTree(data);
        if (chunk.path("error").isObject()) {
            return reply.fail(error(chunk.path("error")));
        }
        model = chunk.path("modelVersion").asText(model);
        id = id.or(() -> ProtocolJson.text(chunk.path("responseId")));
        if (chunk.path("usageMetadata").isObject()) {
            usage = GeminiUsage.of(chunk.path("usageMetadata"));
        }
        if (GeminiProtocol.blockReason(chunk).isPresent()) {
            finish = FinishReason.CONTENT_FILTER;
            return false;
        }
        JsonNode candidate = chunk.path("candidates").path(0);
        for (JsonNode part : candidate.path("content").path("parts")) {
            GeminiProtocol.part(part, thoughtsAsked, reply);   // function calls arrive whole
        }
        if (candidate.hasNonNull("finishReason")) {
            finish = GeminiProtocol.finishReason(candidate.get("finishReason").asText());
        }
        return false;
    }

    @Override
    public boolean end(StreamedReply reply) {
        return finish != null && reply.complete(finish, usage, model, id);
    }

    /** An error object sent as a stream event after HTTP 200: its {@code code} is the HTTP status it stands for. */
    private LlmException error(JsonNode error) {
        int status = error.path("code").asInt(500);
        if (status < 400 || status > 599) {
            status = 500;
        }
        return new LlmException(UpstreamErrors.categoryOf(status), provider, status,
                                "The " + provider + " upstream failed mid-stream (" + error.path("status").asText("UNKNOWN")
                                        + "): " + error.path("message").asText("no details"),
                                GeminiProtocol.retryDelay(error), Optional.empty(), null);
    }
}
