package haia.chat;

import java.util.Objects;
import java.util.Optional;

import haia.store.ResponseStore;

/**
 * A Responses API request's place in HAIA's memory: the pipeline runs it like any chat request, with these
 * differences. With {@code previous}, the window is that response's conversation up to and including it (what
 * followed it, if anything, leaves the live branch when the new exchange is stored); without, the model gets the
 * input as the client sent it. With {@code store}, the exchange is stored (a conversation of its own when nothing
 * precedes it) together with the response's record; without, nothing is stored but the usage ledger's row.
 *
 * @param responseId the response's id, {@code resp_...}
 * @param previous   the stored response it continues ({@code previous_response_id})
 * @param store      whether to store it ({@code store}, true unless the client said false)
 * @param request    what the response object echoes of the request, as JSON, stored with it
 * @param byHeaders  a first response from a client that names its conversation with headers (OpenWebUI's chat id,
 *                   HAIA's conversation header): its memory is that conversation's, exactly as for a chat request
 *                   with those headers (aligned with the whole branch it sends, tasks and temporary chats stateless);
 *                   the response is stored as that exchange
 */
public record ResponseTurn(String responseId, Optional<ResponseStore.StoredResponse> previous, boolean store,
                           String request, boolean byHeaders) {

    public ResponseTurn {
        Objects.requireNonNull(responseId, "responseId");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(request, "request");
    }

    /** The id of the first message after {@code previous}: where its conversation's window ends for this turn. */
    long after() {
        return previous.orElseThrow().lastMessageId() + 1;
    }

    /** The response's record, stored with its exchange. */
    ResponseStore.NewResponse record(ModelResult result) {
        ResponseStore.Outcome outcome = switch (result) {
            case ModelResult.Answered ignored -> ResponseStore.Outcome.ANSWERED;
            case ModelResult.Failed ignored -> ResponseStore.Outcome.FAILED;
            case ModelResult.Cancelled ignored -> ResponseStore.Outcome.CANCELLED;
        };
        return new ResponseStore.NewResponse(responseId, previous.map(ResponseStore.StoredResponse::id), outcome,
                                             request);
    }
}
