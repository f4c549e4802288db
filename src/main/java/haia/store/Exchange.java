package haia.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything one request changes in a conversation, written in one transaction.
 *
 * @param identity      the conversation (created when it does not exist yet)
 * @param supersedeFrom live messages with this id or a later one leave the live branch (regenerate, edit)
 * @param messages      messages to append, in order
 * @param billed        the model calls a provider billed for it (one, or each step of an agent loop), for the usage
 *                      ledger; linked to the last message when that is the model's reply
 * @param response      the Responses API response this exchange is, when it is one ({@link ResponseStore})
 */
public record Exchange(ConversationIdentity identity, OptionalLong supersedeFrom, List<NewMessage> messages,
                       List<BilledCall> billed, Optional<ResponseStore.NewResponse> response) {

    public Exchange {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(supersedeFrom, "supersedeFrom");
        billed = List.copyOf(billed);
        messages = List.copyOf(messages);
        Objects.requireNonNull(response, "response");
    }

    /** An exchange of a chat. */
    public Exchange(ConversationIdentity identity, OptionalLong supersedeFrom, List<NewMessage> messages,
                    List<BilledCall> billed) {
        this(identity, supersedeFrom, messages, billed, Optional.empty());
    }

    /** An exchange no provider billed (the model was not called, or its call failed). */
    public Exchange(ConversationIdentity identity, OptionalLong supersedeFrom, List<NewMessage> messages) {
        this(identity, supersedeFrom, messages, List.of());
    }
}
