package haia.store;

import java.util.Objects;
import java.util.Optional;

/**
 * Which conversation a request belongs to, as the client named it.
 *
 * @param kind how it is addressed
 * @param key  the client's key (header value); empty for {@link ConversationKind#DEFAULT}
 */
public record ConversationIdentity(ConversationKind kind, Optional<String> key) {

    public static final ConversationIdentity DEFAULT = new ConversationIdentity(ConversationKind.DEFAULT, Optional.empty());

    public ConversationIdentity {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if ((kind == ConversationKind.DEFAULT) != key.isEmpty()) {
            throw new IllegalArgumentException("only the default conversation has no key");
        }
    }

    public static ConversationIdentity keyed(String key) {
        return new ConversationIdentity(ConversationKind.KEYED, Optional.of(key));
    }

    public static ConversationIdentity openWebUi(String chatId) {
        return new ConversationIdentity(ConversationKind.OPENWEBUI, Optional.of(chatId));
    }

    /** The conversation a Responses API chain started by response {@code firstResponseId} is stored in. */
    public static ConversationIdentity responses(String firstResponseId) {
        return new ConversationIdentity(ConversationKind.RESPONSES, Optional.of(firstResponseId));
    }

    @Override
    public String toString() {
        return key.map(k -> kind.dbValue() + ":" + k).orElse(kind.dbValue());
    }
}
