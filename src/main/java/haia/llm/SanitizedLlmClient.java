package haia.llm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import haia.observe.Redactor;
import haia.observe.SafeText;

/**
 * Where upstream text enters HAIA. Every provider client is wrapped in this ({@link Providers#create}), so whatever
 * an upstream sends back is cleaned before anything else in HAIA sees it, and nothing downstream (the database,
 * the request log, metrics, {@code /health}, the client's response) can hold what an upstream should not have sent:
 * <ul>
 *     <li>configured secrets are redacted from reply text, reasoning and tool calls (also when a stream splits one
 *         across pieces), error messages, request ids and model names, always before any text is shortened, so a
 *         key straddling the cut cannot leak in part;</li>
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
    public Optional<RequestProblem> problem(LlmRequest request) {
        return delegate.problem(request);
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        try {
            return clean(request, delegate.chat(request, cancellation));
        } catch (LlmException e) {
            throw clean(e);
        }
    }

    /**
     * Each kind of delta is redacted as a stream of its own (text, reasoning, each tool call's arguments), so a key
     * split across pieces is caught; what one holds back goes out before another kind speaks, keeping the order.
     */
    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        Redactor.Pieces text = redactor.pieces();
        Redactor.Pieces thinking = redactor.pieces();
        Map<Integer, Redactor.Pieces> arguments = new HashMap<>();
        Runnable flushText = () -> emit(events, new LlmEvent.TextDelta(text.flush()));
        Runnable flushThinking = () -> emit(events, new LlmEvent.ThinkingDelta(thinking.flush()));
        Runnable flushAll = () -> {
            flushThinking.run();
            flushText.run();
            arguments.forEach((index, pieces) -> emit(events, new LlmEvent.ToolCallDelta(
                    index, Optional.empty(), Optional.empty(), pieces.flush())));
        };
        delegate.stream(request, cancellation, event -> {
            switch (event) {
                case LlmEvent.TextDelta delta -> {
                    flushThinking.run();
                    emit(events, new LlmEvent.TextDelta(text.feed(delta.text())));
                }
                case LlmEvent.ThinkingDelta delta -> emit(events, new LlmEvent.ThinkingDelta(thinking.feed(delta.text())));
                case LlmEvent.ToolCallDelta delta -> {
                    flushThinking.run();
                    flushText.run();
                    Redactor.Pieces pieces = arguments.computeIfAbsent(delta.index(), i -> redactor.pieces());
                    String piece = pieces.feed(delta.arguments());
                    if (delta.id().isPresent() || delta.name().isPresent()) {
                        events.accept(new LlmEvent.ToolCallDelta(delta.index(), delta.id().map(this::id),
                                                                 delta.name().map(this::id), piece));
                    } else {
                        emit(events, new LlmEvent.ToolCallDelta(delta.index(), Optional.empty(), Optional.empty(),
                                                                piece));
                    }
                }
                case LlmEvent.Completed completed -> {
                    flushAll.run();
                    events.accept(new LlmEvent.Completed(clean(request, completed.response())));
                }
                case LlmEvent.Failed failed -> {
                    flushAll.run();
                    events.accept(new LlmEvent.Failed(clean(failed.error())));
                }
            }
        });
    }

    /** A delta that carries something; empty ones (nothing held back) are not passed on. */
    private static void emit(Consumer<LlmEvent> events, LlmEvent.Delta delta) {
        boolean empty = switch (delta) {
            case LlmEvent.TextDelta d -> d.text().isEmpty();
            case LlmEvent.ThinkingDelta d -> d.text().isEmpty();
            case LlmEvent.ToolCallDelta d -> d.arguments().isEmpty() && d.id().isEmpty();
        };
        if (!empty) {
            events.accept(delta);
        }
    }

    @Override
    public Optional<ContextQuery.Found> contextTokens(String upstreamModel) {
        return delegate.contextTokens(upstreamModel);
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

    private LlmResponse clean(LlmRequest request, LlmResponse response) {
        List<Part> parts = new ArrayList<>(response.parts().size());
        for (Part part : response.parts()) {
            parts.add(switch (part) {
                case Part.Text text -> new Part.Text(redactor.redact(text.text()));
                case Part.Thinking thinking -> new Part.Thinking(redactor.redact(thinking.text()),
                                                                 thinking.signature().map(redactor::redact),
                                                                 thinking.redacted().map(redactor::redact),
                                                                 thinking.provider());
                case Part.ToolCall call -> new Part.ToolCall(id(call.id()), id(call.name()),
                                                             redactor.redact(call.arguments()));
                default -> part;   // images and tool results come from clients, not upstreams
            });
        }
        return new LlmResponse(parts, response.finishReason(), checked(request, response.usage()),
                               line(response.upstreamModel(), MAX_ID), response.upstreamRequestId().map(this::id));
    }

    /** The same failure with its texts cleaned; the cause is dropped (its messages may quote the upstream). */
    LlmException clean(LlmException e) {
        String message = line(e.getMessage() == null ? "" : e.getMessage(), MAX_MESSAGE);
        Optional<String> requestId = e.upstreamRequestId().map(this::id);
        if (e instanceof ReplyTooLargeException tooLarge) {
            return new ReplyTooLargeException(e.provider(), message, redactor.redact(tooLarge.partialText()), requestId);
        }
        if (e instanceof ContextTooLongException overflow) {
            return new ContextTooLongException(e.provider(), e.upstreamStatus(), message, overflow.contextTokens(),
                                               overflow.promptTokens(), requestId);
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
     * The most prompt tokens a request can cost: one per byte of its text (plus a little per message for the chat
     * template; an image as its bytes, an image URL as the largest image HAIA takes).
     *
     * @param size a text's size: its UTF-8 bytes, or its length in chars (at most that, so a count within the
     *             latter bound is within the former: checked first, since measuring bytes would copy every text)
     */
    private static long maxInput(LlmRequest request, ToLongFunction<String> size) {
        long prompt = size.applyAsLong(request.systemText());
        for (LlmMessage message : request.messages()) {
            for (Part part : message.parts()) {
                prompt += bytes(part, size);
            }
        }
        for (ToolDefinition tool : request.tools().tools()) {
            prompt += size.applyAsLong(tool.name()) + size.applyAsLong(tool.description()) + tool.schemaChars();
        }
        return prompt + 16L * (request.messages().size() + 1) + 4096;
    }

    private static long bytes(Part part, ToLongFunction<String> size) {
        return switch (part) {
            case Part.Text text -> size.applyAsLong(text.text());
            case Part.Image image -> switch (image.source()) {
                case Part.Image.Inline inline -> inline.data().length;
                case Part.Image.Stored stored -> stored.size();
                case Part.Image.Url url -> 20L << 20;
            };
            case Part.ToolCall call -> size.applyAsLong(call.name()) + size.applyAsLong(call.arguments());
            case Part.ToolResult result -> result.content().stream().mapToLong(p -> bytes(p, size)).sum();
            case Part.Thinking thinking -> size.applyAsLong(thinking.text());
        };
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Token counts as far as they can be true: a prompt has at most one token per byte (plus a little per message
     * for the chat template), a reply at most the requested limit plus a reasoning model's thinking, the cache
     * counts are parts of the prompt (none negative, together no more than it) and the reasoning count a part of the
     * reply (not negative, no more than it). Implausible counts are recorded as 0; cache counts that do not fit the
     * prompt are dropped (the whole prompt then counts at the normal price), a reasoning count that does not fit the
     * reply too (the reply keeps its count, reasoning included, without saying how much).
     */
    private Usage checked(LlmRequest request, Usage usage) {
        long maxInput = maxInput(request, String::length);
        if (usage.inputTokens() > maxInput) {
            maxInput = maxInput(request, SanitizedLlmClient::utf8);
        }
        long maxOutput = (long) request.maxTokens() + THINKING_ALLOWANCE;
        boolean inputOk = usage.inputTokens() >= 0 && usage.inputTokens() <= maxInput;
        boolean outputOk = usage.outputTokens() >= 0 && usage.outputTokens() <= maxOutput;
        int input = inputOk ? usage.inputTokens() : 0;
        boolean cacheOk = usage.cacheReadTokens() >= 0 && usage.cacheWriteTokens() >= 0
                && (long) usage.cacheReadTokens() + usage.cacheWriteTokens() <= input;
        int output = outputOk ? usage.outputTokens() : 0;
        boolean reasoningOk = usage.reasoningTokens() >= 0 && usage.reasoningTokens() <= output;
        if (inputOk && outputOk && cacheOk && reasoningOk) {
            return usage;
        }
        LOG.log(System.Logger.Level.WARNING, "The " + provider() + " upstream reported implausible token counts (input "
                + usage.inputTokens() + " of at most " + maxInput + ", output " + usage.outputTokens() + " of at most "
                + maxOutput + ", cache read " + usage.cacheReadTokens() + " and written " + usage.cacheWriteTokens()
                + " of the input, reasoning " + usage.reasoningTokens() + " of the output); the implausible ones are"
                + " recorded as 0");
        return new Usage(input, output, cacheOk ? usage.cacheReadTokens() : 0, cacheOk ? usage.cacheWriteTokens() : 0,
                         reasoningOk ? usage.reasoningTokens() : 0, usage.estimated());
    }
}
