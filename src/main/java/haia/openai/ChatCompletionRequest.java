package haia.openai;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * An OpenAI chat completion request, validated; only the fields HAIA uses (unknown fields are ignored).
 *
 * @param model        the requested model id; empty when the client sent none
 * @param messages     the messages, text only, in order
 * @param temperature  0..2
 * @param topP         0..1
 * @param maxTokens    {@code max_completion_tokens}, else {@code max_tokens}
 * @param stop         up to four stop sequences
 * @param user         the client's end-user id
 * @param stream       whether to answer with server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 */
public record ChatCompletionRequest(Optional<String> model,
                                    List<Message> messages,
                                    OptionalDouble temperature,
                                    OptionalDouble topP,
                                    OptionalInt maxTokens,
                                    List<String> stop,
                                    Optional<String> user,
                                    boolean stream,
                                    boolean includeUsage) {

    public ChatCompletionRequest {
        messages = List.copyOf(messages);
        stop = List.copyOf(stop);
    }

    /** OpenAI message roles HAIA accepts; {@code developer} is OpenAI's newer name for {@code system}. */
    public enum Role { SYSTEM, DEVELOPER, USER, ASSISTANT }

    /**
     * One message with its text parts joined.
     *
     * @param role    who said it
     * @param content the text, exactly as sent
     */
    public record Message(Role role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }
}
