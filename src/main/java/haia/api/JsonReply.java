package haia.api;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.openai.OpenAiWriter;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/** Answers with one {@code chat.completion} JSON body once the whole reply is there. */
final class JsonReply implements ReplySink {

    private final ServerResponse res;
    private final String id;
    private final long created;
    private final ErrorMapper errors;
    private final String correlationId;

    JsonReply(ServerResponse res, String id, long created, ErrorMapper errors, String correlationId) {
        this.res = res;
        this.id = id;
        this.created = created;
        this.errors = errors;
        this.correlationId = correlationId;
    }

    @Override
    public boolean streaming() {
        return false;
    }

    @Override
    public void open(Cancellation cancellation) {
        // nothing to watch: the client gets its answer in one piece
    }

    @Override
    public void text(String model, String delta) {
        throw new IllegalStateException("a JSON reply is not streamed");
    }

    @Override
    public void complete(Reply reply) {
        res.header(ChatCompletionsService.MODEL_HEADER, reply.model());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Responses.json(res, 200, OpenAiWriter.completion(id, created, reply.model(), reply.text(),
                                                         reply.finishReason(), reply.usage()));
    }

    @Override
    public void fail(RuntimeException error) {
        Responses.error(res, errors.map(error, correlationId));
    }
}
