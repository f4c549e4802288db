package haia.llm;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;

import haia.observe.Redactor;
import haia.observe.SafeText;

/**
 * Where upstream text enters HAIA. Every provider client is wrapped in this ({@link Providers#create}), so whatever
 * an upstream sends back is cleaned before anything else in HAIA sees it, and nothing downstream (the database,
 * the request log, metrics, {@code /health}, the client's response) can hold what an upstream should not have sent:
 * <ul>
 *     <li>configured secrets are redacted from reply text (also when a stream splits one across pieces), error
 *         messages, request ids and model names, always before any text is shortened, so a key straddling the cut
 *         cannot leak in part;</li>
 *     <li>error messages, request ids and model names become one line of bounded length without control
 *         characters;</li>
 *     <li>token counts are checked against what the request could possibly have cost; implausible ones (negative,
 *         or more than the request allows) are recorded as 0 and logged.</li>
 * </ul>
 */
public final class SanitizedLlmClient implements LlmClient {

    private static final System.Logger LOG = System.getLogger(SanitizedLlmClient.class.getName());
    /** Room for the provider's wording around the upstream's own message. */
    static final int MAX_MESSAGE = 400;
    private static final int MAX_ID = 128;
    /** Reasoning models bill thinking as output on top of the visible reply (Gemini 2.5 thinks up to 32K tokens). */
    private static final int THINKING_ALLOWANCE = 32_768;

    private final LlmClient delegate;
    private final Redactor redactor;

    public SanitizedLlmClient(LlmClient delegate, Redactor redactor) {
        this.delegate = delegate;
        this.redactor = redactor;
    }

    @Override
    public String provider() {
        return delegate.provider();
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        try {
            LlmResponse response = delegate.chat(request, cancellation);
            return clean(request, response, redactor.redact(response.text()));
        } catch (LlmException e) {
            throw clean(e);
        }
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        Redactor.Pieces text = redactor.pieces();
        StringBuilder sent = new StringBuilder();
        Consumer<String> emit = piece -> {
            if (!piece.isEmpty()) {
                sent.append(piece);
                events.accept(new LlmEvent.TextDelta(piece));
            }
        };
        delegate.stream(request, cancellation, event -> {
            switch (event) {
                case LlmEvent.TextDelta delta -> emit.accept(text.feed(delta.text()));
                case LlmEvent.Completed completed -> {
                    emit.accept(text.flush());
                    events.accept(new LlmEvent.Completed(clean(request, completed.response(), sent.toString())));
                }
                case LlmEvent.Failed failed -> {
                    emit.accept(text.flush());
                    events.accept(new LlmEvent.Failed(clean(failed.error())));
                }
            }
        });
    }

    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        try {
            return delegate.modelProblem(upstreamModel).map(problem -> line(problem, MAX_MESSAGE));
        } catch (LlmException e) {
            throw clean(e);
        }
    }

    @Override
    public void close() {
        delegate.close();
    }

    private LlmResponse clean(LlmRequest request, LlmResponse response, String text) {
        return new LlmResponse(text, response.finishReason(), checked(request, response.usage()),
                               line(response.upstreamModel(), MAX_ID), response.upstreamRequestId().map(this::id));
    }

    /** The same failure with its texts cleaned; the cause is dropped (its messages may quote the upstream). */
    LlmException clean(LlmException e) {
        String message = line(e.getMessage() == null ? "" : e.getMessage(), MAX_MESSAGE);
        Optional<String> requestId = e.upstreamRequestId().map(this::id);
        if (e instanceof ReplyTooLargeException tooLarge) {
            return new ReplyTooLargeException(e.provider(), message, redactor.redact(tooLarge.partialText()), requestId);
        }
        return new LlmException(e.category(), e.provider(), e.upstreamStatus(), message, e.retryAfter(), requestId,
                                null);
    }

    private String line(String text, int max) {
        return SafeText.oneLine(redactor.redact(text), max);
    }

    private String id(String id) {
        return line(id, MAX_ID);
    }

    /**
     * Token counts as far as they can be true: a prompt has at most one token per byte (plus a little per message
     * for the chat template), a reply at most the requested limit plus a reasoning model's thinking, and the cache
     * counts are parts of the prompt (none negative, together no more than it). Implausible counts are recorded as
     * 0; cache counts that do not fit the prompt are dropped (the whole prompt then counts at the normal price).
     */
    private Usage checked(LlmRequest request, Usage usage) {
        long promptBytes = request.system().map(s -> s.getBytes(StandardCharsets.UTF_8).length).orElse(0);
        for (LlmMessage message : request.messages()) {
            promptBytes += message.text().getBytes(StandardCharsets.UTF_8).length;
        }
        long maxInput = promptBytes + 16L * (request.messages().size() + 1) + 4096;
        long maxOutput = (long) request.maxTokens() + THINKING_ALLOWANCE;
        boolean inputOk = usage.inputTokens() >= 0 && usage.inputTokens() <= maxInput;
        boolean outputOk = usage.outputTokens() >= 0 && usage.outputTokens() <= maxOutput;
        int input = inputOk ? usage.inputTokens() : 0;
        boolean cacheOk = usage.cacheReadTokens() >= 0 && usage.cacheWriteTokens() >= 0
                && (long) usage.cacheReadTokens() + usage.cacheWriteTokens() <= input;
        if (inputOk && outputOk && cacheOk) {
            return usage;
        }
        LOG.log(System.Logger.Level.WARNING, "The " + provider() + " upstream reported implausible token counts (input "
                + usage.inputTokens() + " of at most " + maxInput + ", output " + usage.outputTokens() + " of at most "
                + maxOutput + ", cache read " + usage.cacheReadTokens() + " and written " + usage.cacheWriteTokens()
                + " of the input); the implausible ones are recorded as 0");
        return new Usage(input, outputOk ? usage.outputTokens() : 0, cacheOk ? usage.cacheReadTokens() : 0,
                         cacheOk ? usage.cacheWriteTokens() : 0);
    }
}
