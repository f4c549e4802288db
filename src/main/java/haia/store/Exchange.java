package haia.store;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Everything one request changes in a conversation, written in one transaction.
 *
 * @param identity      the conversation (created when it does not exist yet)
 * @param supersedeFrom live messages with this id or a later one leave the live branch (regenerate, edit)
 * @param messages      messages to append, in order
 */
public record Exchange(ConversationIdentity identity, OptionalLong supersedeFrom, List<NewMessage> messages) {

    public Exchange {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(supersedeFrom, "supersedeFrom");
        messages = List.copyOf(messages);
    }
}
