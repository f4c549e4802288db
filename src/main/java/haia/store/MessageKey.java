package haia.store;

import haia.llm.LlmMessage;

/**
 * A live message reduced to what conversation alignment compares: its role and a hash of its normalized text.
 *
 * @param id          the stored message id
 * @param role        who said it
 * @param contentHash {@link ContentHash#of(String)} of its text
 */
public record MessageKey(long id, LlmMessage.Role role, long contentHash) {
}
