package haia.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.chat.ChatPipeline.Conversation;
import haia.llm.LlmMessage;
import haia.llm.LlmResponse;
import haia.llm.ModelRegistry;
import haia.observe.HaiaMetrics;
import haia.store.BilledCall;
import haia.store.ConversationStore;
import haia.store.Exchange;
import haia.store.MessageStatus;
import haia.store.NewMessage;
import haia.store.StoreException;

/**
 * Step 5 of the pipeline: what an exchange leaves in the store, after the model call, in one short transaction.
 */
final class Persistence {

    private static final System.Logger LOG = System.getLogger(ChatPipeline.class.getName());

    private final ConversationStore store;
    private final HaiaMetrics metrics;

    Persistence(ConversationStore store, HaiaMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * Stores the exchange in one transaction. An answered exchange applies the plan (supersede, import) and adds
     * the user turn and the reply to the live branch. An exchange that failed or was cut short changes nothing on
     * the live branch: the user turn is kept as failed (nothing typed is lost, and a retry does not duplicate it
     * in the window) and any partial reply as incomplete. The billed call goes to the usage ledger in the same
     * transaction. Either is written before the reply's last byte, so {@code /v1/usage} has it once a client has
     * its answer.
     */
    Optional<Long> persist(Conversation conversation, TurnPlan plan, ModelResult result,
                                   List<BilledCall> billed) {
        if (conversation.identity().isEmpty()) {
            // tasks and temporary chats store nothing but their ledger row, on its own (a failure to write it is
            // logged; the answer still goes out)
            billed.forEach(this::recordStateless);
            return Optional.empty();
        }
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
                                            Optional.of(response.finishReason().name().toLowerCase(java.util.Locale.ROOT)),
                                            Optional.of(response.usage()), Optional.empty()));
            }
            case ModelResult.Failed failed -> unanswered(plan, failed.error().getMessage(), failed.partialText(),
                                                         failed.route(), messages);
            case ModelResult.Cancelled cancelled -> unanswered(plan, switch (cancelled.reason()) {
                case SHUTDOWN -> "HAIA shut down before the reply was complete";
                default -> "The client disconnected before it received the whole reply";
            }, cancelled.partialText(), cancelled.route(), messages);
        }
        if (messages.isEmpty()) {
            billed.forEach(this::recordStateless);
            return conversation.stored().isPresent() ? Optional.of(conversation.stored().getAsLong()) : Optional.empty();
        }
        long id;
        try {
            id = store.exchanges().commit(new Exchange(conversation.identity().get(), supersede, messages, billed));
        } catch (StoreException e) {
            // the model has been called (and billed): its outcome still goes to the client; only the record is lost
            lost(conversation, result, messages, e);
            return conversation.stored().isPresent() ? Optional.of(conversation.stored().getAsLong()) : Optional.empty();
        }
        messages.forEach(m -> metrics.messagesStored(m.role() == LlmMessage.Role.USER ? "user" : "assistant",
                                                     m.status().dbValue(), 1));
        return Optional.of(id);
    }

    /** The usage ledger's row for a call no conversation stores; a failure to write it costs the reply nothing. */
    void recordStateless(BilledCall call) {
        try {
            store.ledger().record(call);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "A billed " + call.model() + " call could not be recorded in the usage"
                    + " ledger (/v1/usage will miss " + call.charge().usage().inputTokens() + " input and "
                    + call.charge().usage().outputTokens() + " output tokens; the metrics have them): "
                    + e.getMessage());
        }
    }

    void lost(Conversation conversation, ModelResult result, List<NewMessage> messages, StoreException e) {
        String reply = result instanceof ModelResult.Answered ? "answered" : "unanswered";
        int chars = messages.stream().mapToInt(m -> m.content().length()).sum();
        LOG.log(e.unavailable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR,
                "An " + reply + " exchange could not be stored and is lost from conversation "
                        + conversation.identity().orElseThrow().kind().dbValue() + " (" + messages.size()
                        + " messages, " + chars + " characters; the client still gets the reply): " + e.getMessage(),
                e.unavailable() ? null : e);
        metrics.exchangeLost(reply);
    }

    static void unanswered(TurnPlan plan, String error, String partialText, ModelRegistry.Route route,
                                   List<NewMessage> messages) {
        plan.userTurn().forEach(m -> messages.add(NewMessage.user(m, MessageStatus.FAILED, Optional.of(error))));
        if (!partialText.isEmpty()) {
            messages.add(NewMessage.text(LlmMessage.Role.ASSISTANT, partialText, MessageStatus.INCOMPLETE,
                                         Optional.of(route.id()), Optional.empty(), Optional.empty(),
                                         Optional.of(error)));
        }
    }
}
