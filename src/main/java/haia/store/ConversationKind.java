package haia.store;

import java.util.Locale;

/** How clients address a conversation. */
public enum ConversationKind {
    /** The one continuous thread of clients that send no conversation header. */
    DEFAULT,
    /** Picked by HAIA's own conversation header. */
    KEYED,
    /** One OpenWebUI chat, picked by its chat id header. */
    OPENWEBUI,
    /**
     * A chain of stored Responses API responses (key: the id of its first response), continued only through
     * {@code previous_response_id}.
     */
    RESPONSES;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ConversationKind fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
