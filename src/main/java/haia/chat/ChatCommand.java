package haia.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.Sampling;
import haia.llm.ToolUse;
import haia.store.Owners;

/**
 * A chat request in HAIA's own terms, free of any wire format.
 *
 * @param model      the model id the client asked for, if any
 * @param system     system/developer texts the client sent, in order (they follow the persona)
 * @param messages   the conversation as the client sent it, user and assistant turns in order (tool results are
 *                   parts of user turns); ends with a user turn
 * @param generation what the client asked of the reply beyond the messages
 * @param stream     whether the client wants the reply as it is generated
 * @param hint       what the request's headers say about its conversation
 * @param attachments what the client attached beside the messages (OpenWebUI's documents): context for this request,
 *                    not part of what the user said
 * @param response   for a Responses API request: its id, what it continues and whether to store it
 */
public record ChatCommand(Optional<String> model,
                          List<String> system,
                          List<LlmMessage> messages,
                          Generation generation,
                          boolean stream,
                          ConversationHint hint,
                          Attachments attachments,
                          Optional<ResponseTurn> response) {

    /** A request without attachments. */
    public ChatCommand(Optional<String> model, List<String> system, List<LlmMessage> messages, Generation generation,
                       boolean stream, ConversationHint hint) {
        this(model, system, messages, generation, stream, hint, Attachments.NONE);
    }

    public ChatCommand {
        Objects.requireNonNull(model, "model");
        system = List.copyOf(system);
        messages = List.copyOf(messages);
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(hint, "hint");
        Objects.requireNonNull(attachments, "attachments");
        Objects.requireNonNull(response, "response");
        if (messages.isEmpty() || messages.getLast().role() != LlmMessage.Role.USER) {
            throw new IllegalArgumentException("a chat command ends with a user message");
        }
    }

    /** A chat completion request. */
    public ChatCommand(Optional<String> model, List<String> system, List<LlmMessage> messages, Generation generation,
                       boolean stream, ConversationHint hint, Attachments attachments) {
        this(model, system, messages, generation, stream, hint, attachments, Optional.empty());
    }

    /**
     * @param maxTokens      cap on generated tokens, when the client set one
     * @param sampling       how to sample
     * @param tools          the client's tools and how they may be called
     * @param responseFormat the shape the reply must have
     * @param reasoning      how hard to think, when the client said
     */
    public record Generation(OptionalInt maxTokens,
                             Sampling sampling,
                             ToolUse tools,
                             ResponseFormat responseFormat,
                             Optional<ReasoningEffort> reasoning) {

        public static final Generation DEFAULT = new Generation(OptionalInt.empty(), Sampling.DEFAULT, ToolUse.NONE,
                                                                ResponseFormat.TEXT, Optional.empty());

        public Generation {
            Objects.requireNonNull(maxTokens, "maxTokens");
            Objects.requireNonNull(sampling, "sampling");
            Objects.requireNonNull(tools, "tools");
            Objects.requireNonNull(responseFormat, "responseFormat");
            Objects.requireNonNull(reasoning, "reasoning");
        }
    }

    /**
     * @param conversationKey HAIA's own conversation header
     * @param chatId          OpenWebUI's chat id header
     * @param task            OpenWebUI's task header (non-empty for background tasks)
     * @param owner           whose request it is: a verified OpenWebUI user's id, else {@link Owners#SINGLE_USER}
     */
    public record ConversationHint(Optional<String> conversationKey, Optional<String> chatId, Optional<String> task,
                                   String owner) {
        public static final ConversationHint NONE =
                new ConversationHint(Optional.empty(), Optional.empty(), Optional.empty());

        public ConversationHint {
            Objects.requireNonNull(owner, "owner");
        }

        /** The single user's request. */
        public ConversationHint(Optional<String> conversationKey, Optional<String> chatId, Optional<String> task) {
            this(conversationKey, chatId, task, Owners.SINGLE_USER);
        }
    }

    /**
     * The trailing user messages: the turn this request adds. It may be tool results (the client ran the tools the
     * last reply called for) rather than something the user typed.
     */
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

    /** Whether the new turn carries a picture (the model must read images). */
    public boolean turnHasImages() {
        return userTurn().stream().anyMatch(m -> m.has(Part.Image.class));
    }
}
