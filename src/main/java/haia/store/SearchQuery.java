package haia.store;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What to look for in the stored messages: words as a person or a model writes them (any characters: the store
 * quotes them, so no query is a syntax error), optionally within one conversation and a time range.
 *
 * @param text         the words to find
 * @param conversation only this conversation's messages, when present
 * @param after        only messages stored at or after this instant
 * @param before       only messages stored before this instant
 * @param limit        at most this many hits, best first (1 to {@value #MAX_LIMIT})
 * @param owner        only this owner's conversations ({@link Owners}); everyone's when empty (the API key's holder)
 */
public record SearchQuery(String text, OptionalLong conversation, Optional<Instant> after, Optional<Instant> before,
                          int limit, Optional<String> owner) {

    public static final int MAX_LIMIT = 50;
    public static final int DEFAULT_LIMIT = 5;

    public SearchQuery {
        text = text == null ? "" : text;
        java.util.Objects.requireNonNull(owner, "owner");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
    }

    /** Everyone's conversations. */
    public SearchQuery(String text, OptionalLong conversation, Optional<Instant> after, Optional<Instant> before,
                       int limit) {
        this(text, conversation, after, before, limit, Optional.empty());
    }

    /** Every conversation, any time, the default number of hits. */
    public static SearchQuery of(String text) {
        return new SearchQuery(text, OptionalLong.empty(), Optional.empty(), Optional.empty(), DEFAULT_LIMIT);
    }
}
