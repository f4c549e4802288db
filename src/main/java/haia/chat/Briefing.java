package haia.chat;

import java.util.Optional;

/**
 * Step 3's one addition to the system prompt: a short block of what happened while the user was away (HAIA's watch:
 * "since you last looked"). It goes after the persona and the client's own system texts, as the last system block,
 * so the persona's prefix, and everything a prompt cache keeps before it, stays byte for byte the same; a request
 * with nothing to brief gets no block at all (the request is exactly as without a briefing).
 *
 * <p>Called once per chat request (never for OpenWebUI's background tasks), on the request path: it must answer
 * from memory, never from the database.
 */
@FunctionalInterface
public interface Briefing {

    /** No briefing. */
    Briefing NONE = command -> Optional.empty();

    /** The block for this request, if there is something to say; the user has now looked. */
    Optional<String> forRequest(ChatCommand command);
}
