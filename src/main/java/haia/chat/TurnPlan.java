package haia.chat;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

import haia.llm.LlmMessage;

/**
 * What a request changes in its conversation, decided by {@link HistoryAlignment} before the model is called and
 * applied only when the model answers.
 *
 * @param kind          which case applies
 * @param supersedeFrom live messages from this id on leave the live branch
 * @param imports       history the client sent that the conversation does not have, to store as imported
 * @param userTurn      the new user messages to store (empty when regenerating an already stored turn)
 */
public record TurnPlan(Kind kind, OptionalLong supersedeFrom, List<LlmMessage> imports, List<LlmMessage> userTurn) {

    public enum Kind {
        /** The request adds a user turn after the stored conversation. */
        NEW_TURN,
        /** The request repeats the stored last user turn: a new answer replaces the old one. */
        REGENERATE,
        /** The request changes a stored user turn: the new turn and its answer replace the old ones from there. */
        EDIT,
        /** The request carries history the conversation does not have: it is imported, then the turn added. */
        IMPORT
    }

    public TurnPlan {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(supersedeFrom, "supersedeFrom");
        imports = List.copyOf(imports);
        userTurn = List.copyOf(userTurn);
    }

    static TurnPlan newTurn(List<LlmMessage> userTurn) {
        return new TurnPlan(Kind.NEW_TURN, OptionalLong.empty(), List.of(), userTurn);
    }
}
