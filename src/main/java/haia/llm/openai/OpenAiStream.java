package haia.llm.openai;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.EmptyStreamException;
import haia.llm.ErrorCategory;
import haia.llm.LlmException;
import haia.llm.ProtocolJson;
import haia.llm.StreamDecoder;
import haia.llm.StreamedReply;
import haia.llm.ToolCallIds;
import haia.llm.UpstreamErrors;
import haia.llm.Usage;

/**
 * Data-only SSE: chunks with {@code choices[0].delta} (content, the server's reasoning, {@code tool_calls} pieces:
 * index, id and name first, argument fragments after), one with {@code finish_reason}, then (asked for with
 * {@code include_usage}) one with empty {@code choices} and the usage, then {@code [DONE]}, which some servers leave
 * out. An error may come as a chunk after HTTP 200.
 */
final class OpenAiStream implements StreamDecoder {

    /** A streamed call: its index in the reply, and the id it came with. */
    private record Call(int index, String id) {
    }

    private final String provider;
    /** Open calls by the server's {@code index}. Some servers reuse index 0 for parallel calls: a new id is a new call. */
    private final Map<Integer, Call> calls = new HashMap<>(2);
    private String model;
    private Optional<String> id = Optional.empty();
    private String finish;
    private Usage usage = Usage.NONE;
    /** Whether any chunk came. */
    private boolean began;

    OpenAiStream(String provider, String model) {
        this.provider = provider;
        this.model = model;
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public boolean event(String name, String data, StreamedReply reply) throws IOException {
        if (data.equals("[DONE]")) {
            return began && finish == null ? reply.fail(interrupted()) : end(reply);
        }
        JsonNode chunk = ProtocolJson.READER.readTree(data);
        began = true;
        if (chunk.has("error") || "error".equals(chunk.path("object").asText())) {
            return reply.fail(error(chunk));
        }
        model = chunk.path("model").asText(model);
        if (id.isEmpty() && chunk.hasNonNull("id")) {
            id = Optional.of(chunk.get("id").asText());
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        reply.thinking(OpenAiProtocol.reasoning(delta));
        reply.text(delta.path("content").asText(""));
        for (JsonNode call : delta.path("tool_calls")) {
            toolCall(call, reply);
        }
        if (choice.hasNonNull("finish_reason")) {
            finish = choice.get("finish_reason").asText();
        }
        if (chunk.path("usage").isObject()) {
            usage = OpenAiUsage.of(chunk.path("usage"));
        }
        return false;
    }

    private void toolCall(JsonNode piece, StreamedReply reply) {
        int serverIndex = piece.path("index").asInt(calls.size());
        Optional<String> callId = ProtocolJson.text(piece.path("id"));
        Call open = calls.get(serverIndex);
        if (open == null || callId.isPresent() && !callId.get().equals(open.id())) {
            String newId = callId.orElseGet(ToolCallIds::next);
            open = new Call(reply.toolCall(newId, piece.path("function").path("name").asText("")), newId);
            calls.put(serverIndex, open);
        }
        String arguments = OpenAiProtocol.arguments(piece.path("function").path("arguments"));
        if (!arguments.isEmpty()) {
            reply.toolArguments(open.index(), arguments);
        }
    }

    /**
     * {@code [DONE]} or the end of the body: complete when the finish chunk came, else the reply was cut off; a body
     * that ends before its first chunk is an empty stream (llama.cpp's Python server refusing a streamed request).
     */
    @Override
    public boolean end(StreamedReply reply) {
        if (!began) {
            return reply.fail(new EmptyStreamException(provider));
        }
        return finish != null && reply.complete(OpenAiProtocol.finishReason(finish), usage, model, id);
    }

    /**
     * {@code [DONE]} before any finish reason: the server ended the reply early on purpose, without saying why.
     * llama.cpp's Python server does it to a stream as soon as another request arrives, unless it runs with
     * {@code --interrupt_requests False} (recorded: src/test/resources/llamacpp/interrupted-stream.json). Not
     * retried: a retry would in turn cut the other request's reply.
     */
    private LlmException interrupted() {
        return new LlmException(ErrorCategory.PROTOCOL, provider, 0, "The " + provider + " upstream stopped this"
                + " reply before it was finished, without saying why ([DONE] without a finish reason): llama.cpp's"
                + " server does that to a reply when another request arrives, unless it runs with --interrupt_requests"
                + " False (see docs/providers.md). Send your message again", Optional.empty(), Optional.empty(), null);
    }

    /**
     * An error sent as a chunk after HTTP 200. Its {@code code} is an HTTP status on llama.cpp and vLLM, a string on
     * OpenAI; {@code type} names the kind either way.
     */
    private LlmException error(JsonNode chunk) {
        JsonNode error = chunk.path("error").isObject() ? chunk.path("error") : chunk;
        int status = error.path("code").isInt() ? error.path("code").asInt()
                : UpstreamErrors.statusOfErrorType(error.path("type").asText(""));
        if (status < 400 || status > 599) {
            status = 500;
        }
        return new LlmException(UpstreamErrors.categoryOf(status), provider, status,
                                "The " + provider + " upstream failed mid-stream: "
                                        + OpenAiProtocol.errorMessage(chunk).orElse("no details"),
                                Optional.empty(), Optional.empty(), null);
    }
}
