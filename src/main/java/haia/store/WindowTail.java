package haia.store;

import java.util.List;

import haia.llm.LlmMessage;

/**
 * The newest live messages of a conversation, oldest first, and how many live messages come before them: where the
 * tail sits in the conversation, which a window that moves in blocks needs to keep its start (and a provider's
 * cached prompt) in place. Both come from one query.
 *
 * @param messages the tail, oldest first
 * @param before   live messages of the conversation before the tail
 */
public record WindowTail(List<LlmMessage> messages, long before) {

    public WindowTail {
        messages = List.copyOf(messages);
    }

    /** No conversation (yet): nothing stored, nothing before it. */
    public static final WindowTail EMPTY = new WindowTail(List.of(), 0);
}
