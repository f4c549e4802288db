package haia.llm;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider's "the prompt is longer than the model's context" answer, with the sizes it named where it named them.
 * The pipeline learns the model's context and its tokens per character from them ({@link ModelTokens}), shrinks the
 * window and tries once more.
 *
 * <p>How the servers say it, each read from its own answer (a 400 unless noted):
 * <ul>
 *     <li>llama.cpp's Python server (llama-cpp-python), vLLM: {@code "This model's maximum context length is 2048
 *         tokens. However, you requested 2612 tokens (2100 in the messages, 512 in the completion)..."}, llama-cpp's
 *         with {@code code: context_length_exceeded} (recorded: src/test/resources/llamacpp/);</li>
 *     <li>OpenAI: {@code code: context_length_exceeded}, "...maximum context length is 128000 tokens. However, your
 *         messages resulted in 130512 tokens...";</li>
 *     <li>llama.cpp's own llama-server: {@code type: exceed_context_size_error} with {@code n_prompt_tokens} and
 *         {@code n_ctx} beside the message;</li>
 *     <li>LM Studio: "...the model is loaded with context length of only 4096 tokens...";</li>
 *     <li>Anthropic: "prompt is too long: 215000 tokens &gt; 200000 maximum";</li>
 *     <li>Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."</li>
 * </ul>
 * Ollama does not refuse: it cuts the prompt's start itself.
 */
public final class ContextTooLongException extends LlmException {

    /** context size, then prompt size, as the patterns' named groups say. */
    private static final List<Pattern> SIZES = List.of(
            Pattern.compile("maximum context length is (?<context>\\d+) tokens\\. However, you requested \\d+ tokens"
                                    + " \\((?<prompt>\\d+) in the messages"),
            Pattern.compile("maximum context length is (?<context>\\d+) tokens[.,] however,? your messages resulted in"
                                    + " (?<prompt>\\d+) tokens", Pattern.CASE_INSENSITIVE),
            Pattern.compile("maximum context length is (?<context>\\d+) tokens", Pattern.CASE_INSENSITIVE),
            Pattern.compile("loaded with context length of only (?<context>\\d+) tokens"),
            Pattern.compile("prompt is too long: (?<prompt>\\d+) tokens > (?<context>\\d+)"),
            Pattern.compile("input token count \\((?<prompt>\\d+)\\) exceeds the maximum number of tokens allowed"
                                    + " \\((?<context>\\d+)\\)"));
    /** Wordings that say so without sizes. */
    private static final Pattern SAID = Pattern.compile(
            "context[_ ]length[_ ]exceeded|exceeds? the (?:available )?context|context window|too many tokens"
                    + "|prompt is too long|context length", Pattern.CASE_INSENSITIVE);

    private final OptionalInt contextTokens;
    private final OptionalInt promptTokens;

    public ContextTooLongException(String provider, int upstreamStatus, String message, OptionalInt contextTokens,
                                   OptionalInt promptTokens, Optional<String> upstreamRequestId) {
        super(ErrorCategory.CONTEXT_TOO_LONG, provider, upstreamStatus, message, Optional.empty(), upstreamRequestId,
              null);
        this.contextTokens = contextTokens;
        this.promptTokens = promptTokens;
    }

    /** The model's context in tokens, as the provider said. */
    public OptionalInt contextTokens() {
        return contextTokens;
    }

    /** How many tokens the refused prompt took, as the provider counted them. */
    public OptionalInt promptTokens() {
        return promptTokens;
    }

    /**
     * The failure as a context overflow, when it is one: a rejected request ({@link ErrorCategory#INVALID_REQUEST})
     * whose provider said so ({@code saidSo}: a code or type in its body) or whose message says so in one of the
     * wordings above. Anything else is returned as it was.
     */
    public static LlmException of(LlmException failure, boolean saidSo) {
        if (failure instanceof ContextTooLongException || failure.category() != ErrorCategory.INVALID_REQUEST) {
            return failure;
        }
        String message = failure.getMessage() == null ? "" : failure.getMessage();
        OptionalInt context = OptionalInt.empty();
        OptionalInt prompt = OptionalInt.empty();
        for (Pattern pattern : SIZES) {
            Matcher m = pattern.matcher(message);
            if (m.find()) {
                context = group(m, "context");
                prompt = group(m, "prompt");
                break;
            }
        }
        if (!saidSo && context.isEmpty() && !SAID.matcher(message).find()) {
            return failure;
        }
        return new ContextTooLongException(failure.provider(), failure.upstreamStatus(), message, context, prompt,
                                           failure.upstreamRequestId());
    }

    /** The same overflow with the sizes a server sent as fields of its own (llama-server's n_ctx, n_prompt_tokens). */
    public ContextTooLongException withSizes(OptionalInt context, OptionalInt prompt) {
        return new ContextTooLongException(provider(), upstreamStatus(), getMessage(),
                                           context.isPresent() ? context : contextTokens,
                                           prompt.isPresent() ? prompt : promptTokens, upstreamRequestId());
    }

    private static OptionalInt group(Matcher m, String name) {
        if (!m.pattern().pattern().contains("?<" + name + ">") || m.group(name) == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(m.group(name)));
        } catch (NumberFormatException tooLarge) {
            return OptionalInt.empty();
        }
    }
}
