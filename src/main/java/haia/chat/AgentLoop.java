package haia.chat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.config.ToolsConfig;
import haia.llm.Cancellation;
import haia.llm.Capability;
import haia.llm.FinishReason;
import haia.llm.LlmEvent;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.ModelRegistry;
import haia.llm.Part;
import haia.llm.ToolChoice;
import haia.llm.ToolDefinition;
import haia.llm.ToolUse;
import haia.llm.Usage;
import haia.observe.HaiaMetrics;
import haia.tools.ToolCall;
import haia.tools.ToolContext;
import haia.tools.ToolCatalog;
import haia.tools.ToolNames;
import haia.tools.ToolResult;
import haia.tools.ToolSpec;

/**
 * Step 4 of the pipeline when HAIA has tools of its own: the model call becomes a loop. The model may call HAIA's
 * tools; HAIA runs them (those of one reply in parallel), hands the results back and calls the model again, until it
 * answers. Without HAIA tools offered it is exactly one {@link ModelCall}.
 *
 * <ul>
 *     <li>Bounded: at most {@code maxSteps} model calls and the wall-clock {@code budget} per request. The call that
 *         reaches a bound is made with {@code tool_choice: none}, so the model answers from what it has: the user
 *         always gets an answer.</li>
 *     <li>A tool that fails, times out or gets bad arguments gives an error result (the model reads what went
 *         wrong); it never fails the request.</li>
 *     <li>A call to one of the client's tools ends the loop: it goes back to the client as {@code tool_calls}, as
 *         without HAIA. HAIA's tools are named {@code haia_...}, which clients may not use ({@link ToolNames}).</li>
 *     <li>HAIA's tool calls are never shown to the sink as tool calls (OpenWebUI would run any it sees); the sink
 *         hears of them as {@link ReplySink#toolsRunning} and {@link ReplySink#toolsDone} instead.</li>
 *     <li>The answer's parts hold the whole loop in order (thinking with its signatures, text, HAIA's calls, their
 *         results, the final text): stored as one assistant message, they are the next turn's memory of what was
 *         found ({@link ContextWindow} unfolds them into calls and results again).</li>
 * </ul>
 */
final class AgentLoop {

    /** The text of an answer that the model left empty at a bound. */
    static final String NOTHING_SAID = "(HAIA stopped looking before the model wrote an answer.)";

    private final ModelCall modelCall;
    private final ToolCatalog catalog;
    private final int maxSteps;
    private final Duration budget;
    private final HaiaMetrics metrics;
    private final Clock clock;
    private volatile Offered offered = new Offered(List.of(), List.of());

    AgentLoop(ModelCall modelCall, ToolCatalog catalog, ToolsConfig bounds, HaiaMetrics metrics, Clock clock) {
        this.modelCall = modelCall;
        this.catalog = catalog;
        this.maxSteps = bounds.maxSteps();
        this.budget = bounds.budget();
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The tools a request offers: the client's, then HAIA's (sorted, so the list is byte-stable for prompt caching).
     * HAIA's are left out for background tasks (a title needs no Proxmox) and for models that cannot call tools.
     */
    ToolUse offer(ToolUse client, ModelRegistry.Route route, boolean task) {
        if (task || catalog.isEmpty() || !route.can(Capability.TOOLS)) {
            return client;
        }
        List<ToolSpec> specs = catalog.tools();
        if (specs.isEmpty()) {
            return client;
        }
        Offered haia = offered;
        if (haia.specs() != specs) {   // the catalog hands back the same list while its tools stay the same
            haia = new Offered(specs, List.copyOf(specs.stream().map(
                    s -> new ToolDefinition(s.name(), s.description(), s.inputSchema(), Optional.empty())).toList()));
            offered = haia;
        }
        if (client.tools().isEmpty()) {
            return new ToolUse(haia.definitions(), client.choice(), client.parallel());
        }
        List<ToolDefinition> tools = new ArrayList<>(client.tools());
        tools.addAll(haia.definitions());
        return new ToolUse(tools, client.choice(), client.parallel());
    }

    /** HAIA's tools as the last request offered them. */
    private record Offered(List<ToolSpec> specs, List<ToolDefinition> definitions) {
    }

    /** How a loop ended, for {@code haia_agent_loops}. */
    private enum End {
        ANSWERED, CLIENT_TOOLS, STEP_BOUND, TIME_BOUND, FAILED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param calls   gets every model call a provider answered, in order (each is billed on its own, in the usage
     *                ledger, also when a later step fails)
     * @param context what HAIA's tools may know of the request (its stored conversation)
     */
    ModelResult run(ModelRegistry.Route route, LlmRequest request, ReplySink sink, Cancellation cancellation,
                    List<ModelResult.Answered> calls, ToolContext context) {
        boolean loops = request.tools().tools().stream().anyMatch(t -> ToolNames.isReserved(t.name()));
        if (!loops) {
            ModelResult result = modelCall.call(route, request, sink, cancellation);
            if (result instanceof ModelResult.Answered answered) {
                calls.add(answered);
            }
            return result;
        }
        Instant deadline = clock.instant().plus(budget);
        List<LlmMessage> messages = new ArrayList<>(request.messages());
        List<Part> record = new ArrayList<>();   // the whole loop, as it is stored
        Usage usage = Usage.NONE;
        for (int step = 1; ; step++) {
            End bound = step >= maxSteps ? End.STEP_BOUND
                    : clock.instant().isBefore(deadline) ? null : End.TIME_BOUND;
            ToolChoice choice = bound != null ? ToolChoice.NONE
                    : step == 1 ? request.tools().choice()
                    : request.tools().choice() instanceof ToolChoice.None ? ToolChoice.NONE : ToolChoice.AUTO;
            LlmRequest call = request.withMessages(messages).withToolChoice(choice);
            ModelResult result = modelCall.call(route, call, new StepSink(sink), cancellation);
            if (!(result instanceof ModelResult.Answered answered)) {
                metrics.agentLoop(End.FAILED.label(), step);
                return withEarlier(result, record);
            }
            calls.add(answered);
            LlmResponse response = answered.response();
            usage = usage.plus(response.usage());
            List<Part.ToolCall> haia = response.toolCalls().stream().filter(c -> ToolNames.isReserved(c.name())).toList();
            boolean clientCalls = haia.size() < response.toolCalls().size();
            if (haia.isEmpty() || clientCalls || bound != null) {
                End end = clientCalls ? End.CLIENT_TOOLS : bound != null ? bound : End.ANSWERED;
                metrics.agentLoop(end.label(), step);
                record.addAll(answer(response, !haia.isEmpty()));
                FinishReason finish = clientCalls ? FinishReason.TOOL_CALLS
                        : response.finishReason() == FinishReason.TOOL_CALLS ? FinishReason.STOP : response.finishReason();
                return new ModelResult.Answered(answered.route(), new LlmResponse(
                        record, finish, usage, response.upstreamModel(), response.upstreamRequestId()));
            }
            sink.toolsRunning(answered.route().id(), haia);
            List<Part.ToolResult> results = runAll(haia, cancellation, context);
            if (cancellation.isCancelled()) {
                metrics.agentLoop(End.FAILED.label(), step);
                return ModelCall.cancelled(answered.route(), Part.text(record) + response.text(), cancellation);
            }
            sink.toolsDone(answered.route().id(), haia, results);
            record.addAll(response.parts());
            record.addAll(results);
            messages.add(response.message());
            messages.add(new LlmMessage(LlmMessage.Role.USER, List.copyOf(results)));
        }
    }

    /**
     * The last reply's parts: HAIA's own calls the model made anyway (at a bound, or next to a client's call) are
     * left out, unrun: a client must not see them, and the stored exchange holds no call without its result. An
     * answer with nothing to read says so.
     */
    private static List<Part> answer(LlmResponse response, boolean dropHaiaCalls) {
        if (!dropHaiaCalls) {
            return response.parts();
        }
        List<Part> parts = response.parts().stream()
                .filter(p -> !(p instanceof Part.ToolCall call) || !ToolNames.isReserved(call.name()))
                .toList();
        if (parts.stream().noneMatch(p -> p instanceof Part.ToolCall || p instanceof Part.Text t && !t.text().isBlank())) {
            List<Part> withText = new ArrayList<>(parts);
            withText.add(new Part.Text(NOTHING_SAID));
            return withText;
        }
        return parts;
    }

    /** Runs HAIA's calls of one reply in parallel; arguments that are not a JSON object are an error result. */
    private List<Part.ToolResult> runAll(List<Part.ToolCall> calls, Cancellation cancellation, ToolContext context) {
        List<ToolCall> valid = new ArrayList<>();
        Map<Integer, ToolResult> invalid = new HashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            Part.ToolCall call = calls.get(i);
            Optional<JsonNode> arguments = ToolCatalog.arguments(call.arguments());
            if (arguments.isPresent()) {
                valid.add(new ToolCall(call.name(), arguments.get(), context));
            } else {
                invalid.put(i, ToolResult.error("The arguments for " + call.name() + " are not a JSON object: "
                        + abbreviate(call.arguments()) + ". Call the tool again with a JSON object."));
            }
        }
        List<ToolResult> ran;
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            ran = catalog.callAll(valid);
        }
        Thread.interrupted();   // a cancellation's interrupt ends here; the caller checks the cancellation
        List<Part.ToolResult> results = new ArrayList<>(calls.size());
        int next = 0;
        for (int i = 0; i < calls.size(); i++) {
            Part.ToolCall call = calls.get(i);
            ToolResult result = invalid.containsKey(i) ? invalid.get(i) : ran.get(next++);
            results.add(new Part.ToolResult(call.id(), call.name(), List.of(new Part.Text(result.text())),
                                            result.error()));
        }
        return results;
    }

    /** A failed or stopped step keeps, as its partial text, what the earlier steps had said too. */
    private static ModelResult withEarlier(ModelResult result, List<Part> record) {
        String earlier = Part.text(record);
        if (earlier.isEmpty()) {
            return result;
        }
        return switch (result) {
            case ModelResult.Failed failed -> new ModelResult.Failed(failed.route(), failed.error(),
                                                                     earlier + failed.partialText());
            case ModelResult.Cancelled cancelled -> new ModelResult.Cancelled(cancelled.route(),
                                                                              earlier + cancelled.partialText(),
                                                                              cancelled.reason());
            case ModelResult.Answered answered -> answered;
        };
    }

    private static String abbreviate(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }

    /**
     * What one model call of the loop shows the sink: everything but HAIA's own tool calls. A client's calls keep
     * OpenAI's numbering from 0, counted among the client's calls only.
     */
    private static final class StepSink implements ReplySink {
        private final ReplySink sink;
        /** A streamed call's index to the index the client sees; empty for HAIA's own calls. */
        private final Map<Integer, Optional<Integer>> indexes = new HashMap<>();

        StepSink(ReplySink sink) {
            this.sink = sink;
        }

        @Override
        public boolean streaming() {
            return sink.streaming();
        }

        @Override
        public void open(Cancellation cancellation) {
            throw new IllegalStateException("a step of the loop does not open the reply");
        }

        @Override
        public void delta(String model, LlmEvent.Delta delta) {
            if (!(delta instanceof LlmEvent.ToolCallDelta call)) {
                sink.delta(model, delta);
                return;
            }
            Optional<Integer> shown = indexes.computeIfAbsent(call.index(), i -> call.name()
                    .filter(ToolNames::isReserved).isPresent() ? Optional.empty()
                    : Optional.of((int) indexes.values().stream().filter(Optional::isPresent).count()));
            shown.ifPresent(index -> sink.delta(model, new LlmEvent.ToolCallDelta(index, call.id(), call.name(),
                                                                                  call.arguments())));
        }

        @Override
        public void complete(Reply reply) {
            throw new IllegalStateException("a step of the loop does not complete the reply");
        }

        @Override
        public void fail(RuntimeException error) {
            throw new IllegalStateException("a step of the loop does not fail the reply");
        }
    }
}
