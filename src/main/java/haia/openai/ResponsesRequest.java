package haia.openai;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.chat.Attachments;
import haia.llm.LlmMessage;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.Sampling;
import haia.llm.ToolUse;

/**
 * A {@code POST /v1/responses} request, validated and read into HAIA's neutral terms (see {@link ResponsesParser}).
 *
 * @param model              the requested model id; empty when the client sent none
 * @param system             {@code instructions}, then the input's system and developer messages, in order
 * @param messages           the input as user and assistant turns ({@code function_call_output} items are tool
 *                           results in user turns, referenced items resolved); ends with a user turn
 * @param wireItems          how many input items the client sent (for the request log)
 * @param maxOutputTokens    {@code max_output_tokens}
 * @param sampling           {@code temperature}, {@code top_p}, {@code user}
 * @param tools              {@code tools}, {@code tool_choice}, {@code parallel_tool_calls}
 * @param format             {@code text.format}
 * @param reasoning          {@code reasoning.effort}
 * @param stream             whether to answer with typed server-sent events
 * @param store              whether to store the response ({@code store}, true by default as at OpenAI)
 * @param previousResponseId the stored response this one continues
 * @param attachments        what OpenWebUI wrapped around the user's words (its documents), taken off them
 * @param unansweredCalls    call ids of {@code function_call_output} items whose call is not in the input: they
 *                           must answer calls of the previous response
 * @param echo               what the response object repeats of the request ({@code instructions},
 *                           {@code tools}, {@code text}, {@code metadata}...), in OpenAI's shapes
 */
public record ResponsesRequest(Optional<String> model,
                               List<String> system,
                               List<LlmMessage> messages,
                               int wireItems,
                               OptionalInt maxOutputTokens,
                               Sampling sampling,
                               ToolUse tools,
                               ResponseFormat format,
                               Optional<ReasoningEffort> reasoning,
                               boolean stream,
                               boolean store,
                               Optional<String> previousResponseId,
                               Set<String> unansweredCalls,
                               Attachments attachments,
                               ObjectNode echo) {

    public ResponsesRequest {
        Objects.requireNonNull(model, "model");
        system = List.copyOf(system);
        messages = List.copyOf(messages);
        Objects.requireNonNull(maxOutputTokens, "maxOutputTokens");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(previousResponseId, "previousResponseId");
        unansweredCalls = Set.copyOf(unansweredCalls);
        Objects.requireNonNull(attachments, "attachments");
        Objects.requireNonNull(echo, "echo");
    }
}
