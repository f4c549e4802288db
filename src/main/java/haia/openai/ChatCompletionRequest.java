package haia.openai;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import haia.chat.Attachments;
import haia.llm.LlmMessage;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.Sampling;
import haia.llm.ToolUse;

/**
 * An OpenAI chat completion request, validated and read into HAIA's neutral terms: every field HAIA accepts is
 * here, the rest was refused (see {@link RequestParser}).
 *
 * @param model          the requested model id; empty when the client sent none
 * @param system         the system and developer messages' texts, in order
 * @param messages       the conversation: user and assistant messages as parts; {@code tool} messages became tool
 *                       results in user messages
 * @param wireMessages   how many messages the client sent (for the request log)
 * @param maxTokens      {@code max_completion_tokens}, else {@code max_tokens}
 * @param sampling       temperature, top_p, stop, user, seed, penalties
 * @param tools          {@code tools}, {@code tool_choice}, {@code parallel_tool_calls}
 * @param responseFormat {@code response_format}
 * @param reasoning      {@code reasoning_effort}
 * @param stream         whether to answer with server-sent events
 * @param includeUsage   {@code stream_options.include_usage}
 * @param attachments    what OpenWebUI wrapped around the user messages (its documents), taken off them
 */
public record ChatCompletionRequest(Optional<String> model,
                                    List<String> system,
                                    List<LlmMessage> messages,
                                    int wireMessages,
                                    OptionalInt maxTokens,
                                    Sampling sampling,
                                    ToolUse tools,
                                    ResponseFormat responseFormat,
                                    Optional<ReasoningEffort> reasoning,
                                    boolean stream,
                                    boolean includeUsage,
                                    Attachments attachments) {

    public ChatCompletionRequest {
        Objects.requireNonNull(model, "model");
        system = List.copyOf(system);
        messages = List.copyOf(messages);
        Objects.requireNonNull(maxTokens, "maxTokens");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(responseFormat, "responseFormat");
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(attachments, "attachments");
    }
}
