package haia.chat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.store.ConversationStore;
import haia.store.ResponseStore;
import haia.store.WindowTail;

/**
 * Steps 1, 2 and 5 of the pipeline for a Responses API request whose memory is its response chain
 * ({@link ResponseTurn}): what the turn changes in the conversation, the window, and the response's record.
 */
final class ResponseMemory {

    private final ConversationStore store;

    ResponseMemory(ConversationStore store) {
        this.store = store;
    }

    /**
     * A Responses API turn appends its input (history it carries is imported, as the client sent it) to the
     * conversation up to the response it continues; whatever followed that response leaves the live branch. A
     * response that already left it cannot be continued: its conversation moved on without it. Checked under the
     * conversation's lock.
     */
    TurnPlan plan(ChatCommand command, ResponseTurn turn) {
        if (turn.previous().isPresent() && !store.responses().live(turn.previous().get().lastMessageId())) {
            throw new RequestRefused("previous_response_id", "Response '" + turn.previous().get().id()
                    + "' can no longer be continued: a later request continued an earlier response of its"
                    + " conversation, which replaced it. Continue from a later response, or send the context again"
                    + " as input");
        }
        List<LlmMessage> history = command.history();
        TurnPlan.Kind kind = history.isEmpty() ? TurnPlan.Kind.NEW_TURN : TurnPlan.Kind.IMPORT;
        OptionalLong after = turn.previous().isPresent() ? OptionalLong.of(turn.after()) : OptionalLong.empty();
        return new TurnPlan(kind, after, history, command.userTurn());
    }

    /**
     * The window of a turn that reads no conversation of its own: a stateless continuation reads the response's
     * conversation up to that response; a first response gives the model its input as sent.
     */
    List<LlmMessage> window(ChatCommand command, TurnPlan plan, int size, int step) {
        ResponseTurn turn = command.response().orElseThrow();
        Optional<ResponseStore.StoredResponse> previous = turn.previous();
        if (previous.isEmpty()) {
            return ContextWindow.clientContext(command.history(), plan.userTurn());
        }
        WindowTail tail = store.tail(previous.get().conversationId(), OptionalLong.of(turn.after()), size + step);
        return Ageing.aged(ContextWindow.assemble(tail.messages(), tail.before(), command.history(), plan.userTurn(),
                                                  size, step));
    }

    /** The response's record, stored with its exchange. */
    static ResponseStore.NewResponse record(ResponseTurn turn, ModelResult result) {
        ResponseStore.Outcome outcome = switch (result) {
            case ModelResult.Answered ignored -> ResponseStore.Outcome.ANSWERED;
            case ModelResult.Failed ignored -> ResponseStore.Outcome.FAILED;
            case ModelResult.Cancelled ignored -> ResponseStore.Outcome.CANCELLED;
        };
        return new ResponseStore.NewResponse(turn.responseId(), turn.previous().map(ResponseStore.StoredResponse::id),
                                             outcome, turn.request());
    }
}
