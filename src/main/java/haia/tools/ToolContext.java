package haia.tools;

import java.util.Objects;
import java.util.Optional;

import haia.store.ConversationIdentity;
import haia.store.Owners;

/**
 * What a tool may know of the request that called it: the stored conversation it belongs to (a request HAIA stores
 * nothing of has none) and whose request it is. HAIA's memory tools read them ({@code scope: conversation}; the
 * owner's conversations and notes only); the infrastructure tools do not.
 *
 * @param conversation the conversation the exchange is stored in
 * @param owner        whose request it is ({@link Owners})
 */
public record ToolContext(Optional<ConversationIdentity> conversation, String owner) {

    public static final ToolContext NONE = new ToolContext(Optional.empty(), Owners.SINGLE_USER);

    public ToolContext {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(owner, "owner");
    }

    /** A stored conversation's exchange: its owner's. */
    public ToolContext(ConversationIdentity conversation) {
        this(Optional.of(conversation), conversation.owner());
    }

    /** The same request, as {@code owner}'s. */
    public ToolContext ownedBy(String owner) {
        return new ToolContext(conversation, owner);
    }
}
