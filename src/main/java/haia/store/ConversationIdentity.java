package haia.store;

import java.util.Objects;
import java.util.Optional;

/**
 * Which conversation a request belongs to, as the client named it, and whose it is.
 *
 * @param kind  how it is addressed
 * @param key   the client's key (header value); empty for {@link ConversationKind#DEFAULT}
 * @param owner whose conversation it is: {@link Owners#SINGLE_USER} for HAIA's single user and the API key's holder,
 *              else a verified OpenWebUI user's id; two owners' identical keys are two conversations
 */
public record ConversationIdentity(ConversationKind kind, Optional<String> key, String owner) {

    public static final ConversationIdentity DEFAULT = new ConversationIdentity(ConversationKind.DEFAULT, Optional.empty());

    public ConversationIdentity {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        if ((kind == ConversationKind.DEFAULT) != key.isEmpty()) {
            throw new IllegalArgumentException("only the default conversation has no key");
        }
    }

    /** The single user's conversation. */
    public ConversationIdentity(ConversationKind kind, Optional<String> key) {
        this(kind, key, Owners.SINGLE_USER);
    }

    public static ConversationIdentity keyed(String key) {
        return new ConversationIdentity(ConversationKind.KEYED, Optional.of(key));
    }

    public static ConversationIdentity openWebUi(String chatId) {
        return new ConversationIdentity(ConversationKind.OPENWEBUI, Optional.of(chatId));
    }

    /** The same name, as this owner's conversation. */
    public ConversationIdentity ownedBy(String owner) {
        return new ConversationIdentity(kind, key, owner);
    }

    /**
     * The key and the owner in one string, for a lease: a header key is printable ASCII, so the line break that
     * separates them never occurs in it, and no two identities share a lease key.
     */
    String leaseKey() {
        return owner.isEmpty() ? key.orElse("") : key.orElse("") + "\n" + owner;
    }

    /** The conversation a Responses API chain started by response {@code firstResponseId} is stored in. */
    public static ConversationIdentity responses(String firstResponseId) {
        return new ConversationIdentity(ConversationKind.RESPONSES, Optional.of(firstResponseId));
    }

    @Override
    public String toString() {
        String name = key.map(k -> kind.dbValue() + ":" + k).orElse(kind.dbValue());
        return owner.isEmpty() ? name : name + " of user " + owner;
    }
}
