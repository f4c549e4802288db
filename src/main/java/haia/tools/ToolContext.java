package haia.tools;

import java.util.Optional;

import haia.store.ConversationIdentity;

/**
 * What a tool may know of the request that called it: the stored conversation it belongs to (a request HAIA stores
 * nothing of has none). HAIA's memory tools read it ({@code scope: conversation}); the infrastructure tools do not.
 *
 * @param conversation the conversation the exchange is stored in
 */
public record ToolContext(Optional<ConversationIdentity> conversation) {

    public static final ToolContext NONE = new ToolContext(Optional.empty());
}
