package haia.store;

import java.time.Instant;

/**
 * Something HAIA should always know, as its owner asked.
 *
 * @param id        the note's id (what {@code /forget} and {@code DELETE /v1/memory/notes/{id}} take)
 * @param text      the note
 * @param createdAt when it was saved
 */
public record Note(long id, String text, Instant createdAt) {
}
