package haia.chat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import haia.llm.Cancellation;
import haia.llm.ContextTooLongException;
import haia.llm.ErrorCategory;
import haia.llm.LlmEvent;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.ModelRegistry;
import haia.llm.ModelTokens;
import haia.llm.ReplyTooLargeException;
import haia.llm.TokenEstimate;
import haia.observe.HaiaMetrics;

/**
 * Step 4 of the pipeline: calls the model, in streaming mode when the sink streams, and falls back to the model's
 * configured fallback when its provider is down before any text was produced. Holds one of a limited number of
 * in-flight slots for the duration of the call; when none frees up in time, the request is refused with
 * {@link ErrorCategory#BUSY} instead of piling up. A request cancelled while it waits for a slot (its client left,
 * HAIA is shutting down) never calls the model.
 */
final class ModelCall {

    private static final System.Logger LOG = System.getLogger(ModelCall.class.getName());

    private final ModelRegistry models;
    private final Semaphore inflight;
    private final Duration queueTimeout;
    private final HaiaMetrics metrics;
    private final Clock clock;

    ModelCall(ModelRegistry models, int maxInflight, Duration queueTimeout, HaiaMetrics metrics, Clock clock) {
        this.models = models;
        this.inflight = new Semaphore(maxInflight, true);
        this.queueTimeout = queueTimeout;
        this.metrics = metrics;
        this.clock = clock;
    }

    ModelResult call(ModelRegistry.Route route, LlmRequest request, ReplySink sink, Cancellation cancellation) {
        if (!acquire(cancellation)) {
            if (cancellation.isCancelled()) {
                return cancelled(route, "", cancellation);
            }
            metrics.rejectedBusy();
            return new ModelResult.Failed(route, new LlmException(
                    ErrorCategory.BUSY, "haia", 0,
                    "HAIA is at its limit of concurrent model calls; try again shortly",
                    Optional.of(Duration.ofSeconds(1)), Optional.empty(), null), "");
        }
        try {
            List<ModelRegistry.Route> chain = models.withFallbacks(route);
            ModelResult result = null;
            for (int i = 0; i < chain.size(); i++) {
                ModelRegistry.Route candidate = chain.get(i);
                LlmRequest attempt = request.withModel(candidate.upstreamModel());
                if (i > 0 && !Prompt.servable(request, candidate)) {
                    // a fallback that cannot take this request (it lacks a capability it needs) is passed over
                    LOG.log(System.Logger.Level.WARNING, "Fallback model " + candidate.id()
                            + " cannot serve this request (it needs " + Prompt.needs(request) + "); not trying it");
                    continue;
                }
                Instant start = clock.instant();
                result = fitted(candidate, attempt, sink, cancellation, start);
                metrics.llmCall(candidate.provider(), candidate.id(), outcome(result),
                                Duration.between(start, clock.instant()));
                if (result instanceof ModelResult.Failed failed
                        && failed.partialText().isEmpty()
                        && failed.error().category().providerFault()
                        && i + 1 < chain.size()
                        && !cancellation.isCancelled()) {
                    ModelRegistry.Route next = chain.get(i + 1);
                    LOG.log(System.Logger.Level.WARNING, "Model " + candidate.id() + " failed ("
                            + failed.error().getMessage() + "); falling back to " + next.id());
                    metrics.fallback(candidate.id(), next.id());
                    continue;
                }
                return result;
            }
            return result;
        } finally {
            inflight.release();
        }
    }

    private boolean acquire(Cancellation cancellation) {
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            return inflight.tryAcquire(queueTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            if (!cancellation.isCancelled()) {
                Thread.currentThread().interrupt();   // not ours: keep it for whoever interrupted
            }
            return false;
        }
    }

    static ModelResult.Cancelled cancelled(ModelRegistry.Route route, String partialText, Cancellation cancellation) {
        return new ModelResult.Cancelled(route, partialText,
                                         cancellation.reason().orElse(Cancellation.Reason.CLIENT_GONE));
    }

    /**
     * One model's call, self-correcting where the model's context is smaller than HAIA planned for: a "context too
     * long" answer teaches HAIA the model's context and tokens per character ({@link ModelTokens}), the window is
     * shrunk to fit them (older turns dropped, long old messages shortened, as the token budget does) and the call
     * made once more. When even that does not fit, the user is told so plainly. An answered call's usage is what its
     * provider reported, with HAIA's estimate (marked) for what it did not report.
     */
    private ModelResult fitted(ModelRegistry.Route route, LlmRequest request, ReplySink sink,
                               Cancellation cancellation, Instant start) {
        ModelResult result = once(route, request, sink, cancellation, start);
        LlmRequest sent = request;
        if (result instanceof ModelResult.Failed failed && failed.error() instanceof ContextTooLongException overflow
                && failed.partialText().isEmpty() && !cancellation.isCancelled()) {
            models.tokens().overflowed(route.provider(), request, overflow);
            ModelTokens.Measure measure = models.measure(route);
            TokenBudget.Budget budget = afterOverflow(request, measure);
            List<LlmMessage> messages;
            try {
                messages = TokenBudget.fit(request.messages(), fixed(request), budget, route.id());
                if (TokenEstimate.ofMessages(messages) >= TokenEstimate.ofMessages(request.messages())) {
                    // what the provider said does not square with what HAIA sent: send less all the same
                    messages = TokenBudget.fit(request.messages(), fixed(request), smaller(request, measure),
                                               route.id());
                }
            } catch (RequestRefused alone) {
                return new ModelResult.Failed(route, tooLong(route, overflow, measure, "your message alone (with the"
                        + " system prompt) is longer than that: shorten it, or send it in parts"), "");
            }
            LOG.log(System.Logger.Level.INFO, "Model " + route.id() + " refused a prompt as too long for its context ("
                    + overflow.getMessage() + "); trying once more with " + messages.size() + " of "
                    + request.messages().size() + " messages in the window");
            metrics.contextShrunk(route.provider(), route.id());
            sent = request.withMessages(messages).withMaxTokens(budget.maxTokens());
            result = once(route, sent, sink, cancellation, start);
            if (result instanceof ModelResult.Failed again && again.error() instanceof ContextTooLongException more) {
                models.tokens().overflowed(route.provider(), sent, more);
                return new ModelResult.Failed(route, tooLong(route, more, models.measure(route), "HAIA dropped older"
                        + " messages and tried again, and it still did not fit: start a new chat (or send /new),"
                        + " or shorten your message"), again.partialText());
            }
        }
        if (result instanceof ModelResult.Answered answered) {
            return new ModelResult.Answered(route, models.tokens().accounted(route.provider(), sent,
                                                                              answered.response()));
        }
        return result;
    }

    private ModelResult once(ModelRegistry.Route route, LlmRequest request, ReplySink sink, Cancellation cancellation,
                             Instant start) {
        return sink.streaming() ? streamOnce(route, request, sink, cancellation, start)
                : chatOnce(route, request, cancellation);
    }

    /**
     * The budget after an overflow: within the model's context as HAIA now knows it (the provider's answer may just
     * have named it), at the tokens per character it learned; without a known context, the refused prompt less a
     * third of its messages.
     */
    private static TokenBudget.Budget afterOverflow(LlmRequest request, ModelTokens.Measure measure) {
        if (measure.context().isPresent()) {
            return TokenBudget.Budget.of(measure.context().getAsInt(), request.maxTokens(), measure);
        }
        return smaller(request, measure);
    }

    /** The refused prompt with a third of its messages' share left out (the system prompt and tools stay whole). */
    private static TokenBudget.Budget smaller(LlmRequest request, ModelTokens.Measure measure) {
        long estimate = fixed(request) + TokenEstimate.ofMessages(request.messages()) * 2 / 3;
        return new TokenBudget.Budget((int) Math.min(Integer.MAX_VALUE, measure.tokens(estimate)),
                                      measure.scale(), request.maxTokens(), "the refused prompt less a third of its"
                                              + " messages");
    }

    private static long fixed(LlmRequest request) {
        return TokenEstimate.ofSystem(request.system()) + TokenEstimate.ofTools(request.tools());
    }

    /** The plain answer when a conversation cannot be made to fit the model's context. */
    private static LlmException tooLong(ModelRegistry.Route route, ContextTooLongException overflow,
                                        ModelTokens.Measure measure, String what) {
        String context = measure.context().isPresent()
                ? "its context of " + TokenBudget.thousands(measure.context().getAsInt()) + " tokens"
                : "its context";
        return new ContextTooLongException(overflow.provider(), overflow.upstreamStatus(),
                                           "This conversation does not fit model '" + route.id() + "' ("
                                                   + route.upstreamModel() + "): " + context + " is too small, and "
                                                   + what + ". (The model server said: " + overflow.getMessage() + ")",
                                           overflow.contextTokens(), overflow.promptTokens(),
                                           overflow.upstreamRequestId());
    }

    private static ModelResult chatOnce(ModelRegistry.Route route, LlmRequest request, Cancellation cancellation) {
        try {
            return new ModelResult.Answered(route, route.client().chat(request, cancellation));
        } catch (LlmException e) {
            if (e.category() == ErrorCategory.CANCELLED) {
                return cancelled(route, "", cancellation);
            }
            return new ModelResult.Failed(route, e, e instanceof ReplyTooLargeException tooLarge
                    ? tooLarge.partialText() : "");
        }
    }

    private ModelResult streamOnce(ModelRegistry.Route route, LlmRequest request, ReplySink sink,
                                   Cancellation cancellation, Instant start) {
        StringBuilder text = new StringBuilder();
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<LlmEvent> terminal = new AtomicReference<>();
        metrics.streamOpened();
        try {
            route.client().stream(request, cancellation, event -> {
                switch (event) {
                    case LlmEvent.Delta delta -> {
                        if (first.getAndSet(false)) {
                            metrics.firstToken(route.provider(), route.id(), Duration.between(start, clock.instant()));
                        }
                        if (delta instanceof LlmEvent.TextDelta piece) {
                            text.append(piece.text());   // what a cut reply keeps
                        }
                        sink.delta(route.id(), delta);
                    }
                    case LlmEvent.Completed completed -> terminal.set(completed);
                    case LlmEvent.Failed failed -> terminal.set(failed);
                }
            });
        } finally {
            metrics.streamClosed();
        }
        metrics.streamFinished(route.provider(), route.id(), Duration.between(start, clock.instant()));
        return switch (terminal.get()) {
            // the whole reply as the deltas built it (the same redaction, the same limit): what gets stored
            case LlmEvent.Completed completed -> new ModelResult.Answered(route, completed.response());
            case LlmEvent.Failed failed -> new ModelResult.Failed(route, failed.error(), text.toString());
            case null -> {
                if (cancellation.isCancelled()) {
                    if (cancellation.reason().orElseThrow() == Cancellation.Reason.CLIENT_GONE) {
                        metrics.streamCancelled(route.provider(), route.id());
                    }
                    yield cancelled(route, text.toString(), cancellation);
                }
                yield new ModelResult.Failed(route, LlmException.of(ErrorCategory.PROTOCOL, route.provider(),
                        "The " + route.provider() + " stream ended without a result"), text.toString());
            }
            default -> throw new IllegalStateException("unexpected terminal event " + terminal.get());
        };
    }

    private static String outcome(ModelResult result) {
        return switch (result) {
            case ModelResult.Answered a -> "ok";
            case ModelResult.Cancelled c -> "cancelled";
            case ModelResult.Failed f -> f.error().category().code();
        };
    }
}
