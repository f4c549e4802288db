package haia.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import haia.llm.LlmMessage;

/**
 * A chat request in HAIA's own terms, free of any wire format.
 *
 * @param model    the model id the client asked for, if any
 * @param system   system/developer texts the client sent, in order (they follow the persona)
 * @param messages the conversation as the client sent it, user and assistant turns in order; ends with a user turn
 * @param sampling generation settings the client asked for
 * @param stream   whether the client wants the reply as it is generated
 * @param hint     what the request's headers say about its conversation
 */
public record ChatCommand(Optional<String> model,
                          List<String> system,
                          List<LlmMessage> messages,
                          Sampling sampling,
                          boolean stream,
                          ConversationHint hint) {

    public ChatCommand {
        Objects.requireNonNull(model, "model");
        system = List.copyOf(system);
        messages = List.copyOf(messages);
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(hint, "hint");
        if (messages.isEmpty() || messages.getLast().role() != LlmMessage.Role.USER) {
            throw new IllegalArgumentException("a chat command ends with a user message");
        }
    }

    /**
     * @param temperature OpenAI scale 0..2
     * @param topP        0..1
     * @param maxTokens   cap on generated tokens
     * @param stop        stop sequences
     * @param user        the client's end-user id
     */
    public record Sampling(OptionalDouble temperature,
                           OptionalDouble topP,
                           OptionalInt maxTokens,
                           List<String> stop,
                           Optional<String> user) {
        public Sampling {
            stop = List.copyOf(stop);
        }

        public static Sampling defaults() {
            return new Sampling(OptionalDouble.empty(), OptionalDouble.empty(), OptionalInt.empty(), List.of(),
                                Optional.empty());
        }
    }

    /**
     * @param conversationKey HAIA's own conversation header
     * @param chatId          OpenWebUI's chat id header
     * @param task            OpenWebUI's task header (non-empty for background tasks)
     */
    public record ConversationHint(Optional<String> conversationKey, Optional<String> chatId, Optional<String> task) {
        public static final ConversationHint NONE =
                new ConversationHint(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The trailing user messages: the turn this request adds. */
    public List<LlmMessage> userTurn() {
        int start = messages.size();
        while (start > 0 && messages.get(start - 1).role() == LlmMessage.Role.USER) {
            start--;
        }
        return messages.subList(start, messages.size());
    }

    /** Everything before the trailing user turn: the history the client believes the conversation has. */
    public List<LlmMessage> history() {
        return messages.subList(0, messages.size() - userTurn().size());
    }
}
