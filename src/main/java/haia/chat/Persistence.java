package haia.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.LlmResponse;
import haia.llm.ModelRegistry;
import haia.observe.HaiaMetrics;
import haia.store.BilledCall;
import haia.store.ConversationIdentity;
import haia.store.Exchange;
import haia.store.Exchanges;
import haia.store.Ledger;
import haia.store.MessageStatus;
import haia.store.NewMessage;
import haia.store.StoreException;

/**
 * Step 5 of the pipeline: what an exchange leaves in the store, after the model call: in a stored conversation the
 * exchange and its billed calls in one short transaction ({@link #commit}), else the billed calls' ledger rows
 * ({@link #ledgerOnly}). Which of the two is the request's {@link Flow}'s to say.
 */
final class Persistence {

    /** The pipeline's logger: these lines are about the request it runs. */
    private static final System.Logger LOG = System.getLogger(ChatPipeline.class.getName());

    private final Exchanges exchanges;
    private final Ledger ledger;
    private final HaiaMetrics metrics;

    Persistence(Exchanges exchanges, Ledger ledger, HaiaMetrics metrics) {
        this.exchanges = exchanges;
        this.ledger = ledger;
        this.metrics = metrics;
    }

    /**
     * Stores the exchange in one transaction. An answered exchange applies the plan (supersede, import) and adds
     * the user turn and the reply to the live branch. An exchange that failed or was cut short changes nothing on
     * the live branch: the user turn is kept as failed (nothing typed is lost, and a retry does not duplicate it
     * in the window) and any partial reply as incomplete. The billed call goes to the usage ledger in the same
     * transaction. Either is written before the reply's last byte, so {@code /v1/usage} has it once a client has
     * its answer.
     *
     * @param responseTurn the Responses API response this exchange is, recorded with it
     */
    Optional<Long> commit(ConversationIdentity identity, OptionalLong stored, TurnPlan plan, ModelResult result,
                          List<BilledCall> billed, Optional<ResponseTurn> responseTurn) {
        List<NewMessage> messages = new ArrayList<>();
        OptionalLong supersede = OptionalLong.empty();
        switch (result) {
            case ModelResult.Answered answered -> {
                supersede = plan.supersedeFrom();
                plan.imports().forEach(m -> messages.add(NewMessage.imported(m)));
                plan.userTurn().forEach(m -> messages.add(NewMessage.user(m, MessageStatus.OK, Optional.empty())));
                LlmResponse response = answered.response();
                messages.add(new NewMessage(LlmMessage.Role.ASSISTANT, response.parts(), MessageStatus.OK,
                                            Optional.of(answered.route().id()),
                                            Optional.of(response.finishReason().name().toLowerCase(Locale.ROOT)),
                                            Optional.of(response.usage()), Optional.empty()));
            }
            case ModelResult.Failed failed -> unanswered(plan, failed.error().getMessage(), failed.partialText(),
                                                         failed.route(), messages);
            case ModelResult.Cancelled cancelled -> unanswered(plan, switch (cancelled.reason()) {
                case SHUTDOWN -> "HAIA shut down before the reply was complete";
                default -> "The client disconnected before it received the whole reply";
            }, cancelled.partialText(), cancelled.route(), messages);
        }
        Optional<Long> known = stored.isPresent() ? Optional.of(stored.getAsLong()) : Optional.empty();
        if (messages.isEmpty()) {
            ledgerOnly(billed);
            return known;
        }
        long id;
        try {
            id = exchanges.commit(new Exchange(identity, supersede, messages, billed,
                                               responseTurn.map(turn -> turn.record(result))));
        } catch (StoreException e) {
            // the model has been called (and billed): its outcome still goes to the client; only the record is lost
            lost(identity, result, messages, e);
            return known;
        }
        messages.forEach(m -> metrics.messagesStored(m.role() == LlmMessage.Role.USER ? "user" : "assistant",
                                                     m.status().dbValue(), 1));
        return Optional.of(id);
    }

    /**
     * What a request no conversation stores leaves behind (a task, a temporary chat, a client's own context): the
     * ledger rows of its billed calls, each on its own. A failure to write one is logged; the answer still goes out.
     */
    Optional<Long> ledgerOnly(List<BilledCall> billed) {
        billed.forEach(this::recordStateless);
        return Optional.empty();
    }

    /** The usage ledger's row for a call no conversation stores; a failure to write it costs the reply nothing. */
    private void recordStateless(BilledCall call) {
        try {
            ledger.record(call);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "A billed " + call.model() + " call could not be recorded in the usage"
                    + " ledger (/v1/usage will miss " + call.charge().usage().inputTokens() + " input and "
                    + call.charge().usage().outputTokens() + " output tokens; the metrics have them): "
                    + e.getMessage());
        }
    }

    private void lost(ConversationIdentity identity, ModelResult result, List<NewMessage> messages, StoreException e) {
        String reply = result instanceof ModelResult.Answered ? "answered" : "unanswered";
        int chars = messages.stream().mapToInt(m -> m.content().length()).sum();
        LOG.log(e.unavailable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR,
                "An " + reply + " exchange could not be stored and is lost from conversation "
                        + identity.kind().dbValue() + " (" + messages.size()
                        + " messages, " + chars + " characters; the client still gets the reply): " + e.getMessage(),
                e.unavailable() ? null : e);
        metrics.exchangeLost(reply);
    }

    private static void unanswered(TurnPlan plan, String error, String partialText, ModelRegistry.Route route,
                                   List<NewMessage> messages) {
        plan.userTurn().forEach(m -> messages.add(NewMessage.user(m, MessageStatus.FAILED, Optional.of(error))));
        if (!partialText.isEmpty()) {
            messages.add(NewMessage.text(LlmMessage.Role.ASSISTANT, partialText, MessageStatus.INCOMPLETE,
                                         Optional.of(route.id()), Optional.empty(), Optional.empty(),
                                         Optional.of(error)));
        }
    }
}
