package haia.chat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.config.HaiaConfig;
import haia.llm.Cancellation;
import haia.llm.ErrorCategory;
import haia.llm.FinishReason;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.LlmResponse;
import haia.llm.ModelRegistry;
import haia.llm.Usage;
import haia.observe.HaiaMetrics;
import haia.store.BilledCall;
import haia.store.ConversationIdentity;
import haia.store.ConversationQueries;
import haia.store.ConversationStore;
import haia.store.ConversationSummary;
import haia.store.Notes;
import haia.store.WindowReads;
import haia.tools.ToolCatalog;
import haia.usage.Charge;
import haia.usage.Prices;

/**
 * The one request path of HAIA. Every chat request, streamed or not, task or conversation, any provider, runs
 * these steps in this order:
 * <pre>
 *   1 identify   the request's flow (which conversation, or none; see Flow) and what it adds to it
 *   2 window     load the conversation's newest messages                      (store, before the call)
 *   3 persona    render the system prompt and build the model request
 *   4 call       call the model, streaming into the sink as it generates      (no database connection held);
 *                with HAIA's tools, a bounded loop of model calls and tool runs (AgentLoop)
 *   5 persist    store the exchange and its billed calls in one transaction   (store, after the call)
 *   6 respond    hand the reply or the error to the sink
 * </pre>
 * Requests on the same conversation are serialized from step 1 to step 5, across replicas too when they share a
 * PostgreSQL database. Each request runs under a
 * {@link Cancellation}: the sink fires it when the client goes away, {@link #stopAll} when HAIA shuts down. A request
 * stopped before its model call never makes it; one stopped during the call stores what it has. Either way the
 * user's message is kept (as failed), and a reply its client never received does not enter the window.
 *
 * <p>The flow is chosen once, in step 1: a continuous thread, a branch its client sends whole, the client's own
 * context, a temporary chat, a background task, or a Responses API response chain ({@link Flow}). Steps 1, 2 and 5
 * ask the flow; the others are the same for every request.
 */
public final class ChatPipeline {

    /** The chat command that starts a new thread. */
    public static final String NEW_THREAD_COMMAND = "/new";

    /**
     * How OpenWebUI's chat ids of temporary chats begin (its utils/chat_id.py: "temporary:" + the browser's socket.io
     * session id; "local:" in older versions). OpenWebUI saves nothing of such a chat, so HAIA does not either.
     */
    static final List<String> TEMPORARY_CHAT_PREFIXES = List.of("temporary:", "local:");

    private final WindowReads windows;
    private final Notes notes;
    private final ConversationQueries conversations;
    private final ModelRegistry models;
    private final Prompt prompt;
    private final ImageUrls imageUrls;
    private final HaiaConfig.Chat chat;
    private final HaiaConfig.Tasks tasks;
    private final AgentLoop agent;
    private final ConversationLocks locks;
    private final java.time.Duration lockTimeout;
    private final HaiaMetrics metrics;
    private final Prices prices;
    private final Persistence persistence;
    /** The parent of every request's cancellation: fires when HAIA shuts down. */
    private final Cancellation running = new Cancellation();

    /** A pipeline without tools of HAIA's own. */
    public ChatPipeline(ConversationStore store, ModelRegistry models, Map<String, Persona> personas,
                        Persona defaultPersona, HaiaConfig config, HaiaMetrics metrics, Prices prices, Clock clock) {
        this(store, models, personas, defaultPersona, config,
             new ToolCatalog(List.of(), config.tools().timeout(), config.tools().maxOutputChars(), t -> t, clock),
             metrics, prices, clock);
    }

    /** @param tools HAIA's own tools, offered to the models that can call tools (an empty catalog offers none) */
    public ChatPipeline(ConversationStore store, ModelRegistry models, Map<String, Persona> personas,
                        Persona defaultPersona, HaiaConfig config, ToolCatalog tools, HaiaMetrics metrics,
                        Prices prices, Clock clock) {
        this(store, models, personas, defaultPersona, config, tools, metrics, prices,
             new MemoryBudget(MemoryBudget.defaultBytes(), config.resilience().queueTimeout()), Briefing.NONE, clock);
    }

    /**
     * @param memory   what requests may hold in bodies and fetched pictures, shared with the HTTP layer
     * @param briefing what the watch tells the next chat (step 3's last system block)
     */
    public ChatPipeline(ConversationStore store, ModelRegistry models, Map<String, Persona> personas,
                        Persona defaultPersona, HaiaConfig config, ToolCatalog tools, HaiaMetrics metrics,
                        Prices prices, MemoryBudget memory, Briefing briefing, Clock clock) {
        this.windows = store.windows();
        this.conversations = store.conversations();
        this.models = models;
        this.notes = store.notes();
        this.prompt = new Prompt(personas, defaultPersona, config, windows, notes, models, briefing, clock);
        this.imageUrls = new ImageUrls(config.chat().imageFetch(), config.chat().maxImageBytes(), memory);
        this.chat = config.chat();
        this.tasks = config.tasks();
        ModelCall modelCall = new ModelCall(models, config.resilience().maxInflight(),
                                            config.resilience().queueTimeout(), metrics, clock);
        this.agent = new AgentLoop(modelCall, tools, config.tools(), metrics, clock);
        this.locks = new ConversationLocks(store.leases());
        this.lockTimeout = config.resilience().requestTimeout();
        this.metrics = metrics;
        this.prices = prices;
        this.persistence = new Persistence(store.exchanges(), store.ledger(), metrics);
    }

    /** Where a request's context came from and where its exchange went (the request log's {@code memory}). */
    public enum Memory {
        /** The default thread or a thread keyed by HAIA's header: the stored window, the turn appended. */
        THREAD,
        /** A conversation whose client sends its whole branch (OpenWebUI): aligned with the stored branch. */
        BRANCH,
        /** A request answered from its own history, nothing stored (no conversation header, a temporary chat). */
        CLIENT,
        /** An OpenWebUI background task: answered from its own prompt, nothing stored. */
        TASK,
        /** A stored Responses API response: a new conversation, or the one of the response it continues. */
        RESPONSES
    }

    /** What one request did, for the request log. */
    public record Outcome(Optional<Long> conversationId, Memory memory, String model, String provider,
                         Optional<String> upstreamRequestId, Usage usage, String result) {

        /** Results of a request that did not fail; a failed one's result is its {@code ErrorMapper} code. */
        public static final String OK = "ok";
        public static final String CANCELLED = "cancelled";
        /** "/new": a new thread started, without a model call. */
        public static final String NEW_THREAD = "new_thread";
        /** "/remember" or "/forget": a note saved or removed, without a model call. */
        public static final String MEMORY_NOTE = "memory_note";
        /** Every result that is not an error code (the metrics start each at 0). */
        public static final List<String> NOT_ERRORS = List.of(OK, CANCELLED, NEW_THREAD, MEMORY_NOTE);
    }

    /**
     * Runs one chat request through the pipeline and delivers the reply (or the error) to {@code sink}. The sink is
     * opened first, before any waiting (for the conversation, for a free slot): a streaming client then gets its
     * stream and keep-alives at once, and any sink watches its client from the start.
     */
    public Outcome handle(ChatCommand command, ReplySink sink) {
        ModelRegistry.Route requested = models.resolve(command.model());
        return handle(command, identify(command, requested), requested, sink);             // 1
    }

    /**
     * Runs an investigation of HAIA's watch through the pipeline, as a thread without the briefing
     * ({@link Flow.Thread#investigation}): the command names its conversation ({@code conversationKey}), where the
     * whole agent loop is stored; the reply goes to {@code sink}.
     */
    public Outcome investigate(ChatCommand command, ReplySink sink) {
        ConversationIdentity identity = command.hint().conversationKey().map(ConversationIdentity::keyed)
                .orElseThrow(() -> new IllegalArgumentException("an investigation names its conversation"));
        return handle(command, Flow.Thread.investigation(identity), models.resolve(command.model()), sink);
    }

    private Outcome handle(ChatCommand command, Flow flow, ModelRegistry.Route requested, ReplySink sink) {
        Cancellation.Child request = running.child();
        try {
            Cancellation cancellation = request.cancellation();
            sink.open(cancellation);
            ModelRegistry.Route route = route(requested, flow.task());
            // pictures given by URL are fetched before the conversation is taken: nothing waits on an image server
            // while it holds the conversation (and every other message in it)
            try (FetchedImages images = imageUrls.prepare(command, route, cancellation)) {
                if (!(flow instanceof Flow.Stored stored)) {
                    return run(command, sink, flow, route, images, cancellation);   // no conversation to hold
                }
                Optional<ConversationLocks.Held> held = locks.acquire(stored.identity(), lockTimeout, cancellation);
                if (held.isEmpty()) {
                    // stopped while waiting for the conversation: the user's message is kept, nothing else happens
                    ModelResult stopped = ModelCall.cancelled(route, "", cancellation);
                    Optional<Long> id = stored.persist(command, TurnPlan.newTurn(command.userTurn()), stopped,
                                                       List.of(), persistence);
                    return respond(stopped, sink, id, stored.memory(), List.of());
                }
                try (ConversationLocks.Held ignored = held.get()) {
                    // held: a branch now finds its stored conversation (the request before may have just made it)
                    return run(command, sink, stored.held(windows), route, images, cancellation);
                }
            }
        } finally {
            request.detach();
        }
    }

    /**
     * Stops every request still running (shutdown, once the grace period is over): waits end, model calls are
     * closed, and each request stores what it has and tells its client that HAIA is shutting down.
     */
    public void stopAll() {
        running.cancel(Cancellation.Reason.SHUTDOWN);
    }

    /** The steps after the choice of flow; a stored flow's conversation is held (a branch knows its stored id). */
    private Outcome run(ChatCommand command, ReplySink sink, Flow flow, ModelRegistry.Route route,
                        FetchedImages images, Cancellation cancellation) {
        TurnPlan plan = flow.plan(command, windows);                                        // 1
        Optional<ConversationIdentity> newThread = flow.newThread(plan);
        if (newThread.isPresent()) {
            return startNewThread(newThread.get(), route, sink);                            // 1: "/new", no model call
        }
        Optional<String> noted = flow.task() ? Optional.empty()
                : NoteCommands.answer(plan.userTurn(), notes, command.hint().owner());           // 1: "/remember", "/forget"
        if (noted.isPresent()) {
            sink.complete(Reply.text(route.id(), noted.get(), FinishReason.STOP, Usage.NONE));
            return new Outcome(Optional.empty(), flow.memory(), route.id(), "haia", Optional.empty(), Usage.NONE,
                               Outcome.MEMORY_NOTE);
        }
        List<LlmMessage> window = flow.window(command, plan, windows, windowSize(route),   // 2
                                              chat.promptCache() ? chat.contextStep() : 0);
        Prompt.Built built = prompt.request(command, flow, route, window,                   // 3
                                            agent.offer(command.generation().tools(), route, flow.task()), images);
        List<ModelResult.Answered> calls = new ArrayList<>();   // every model call a provider answered (and billed)
        ModelResult result = cancellation.isCancelled()                                     // 4: nobody to answer
                ? ModelCall.cancelled(route, "", cancellation)
                : agent.run(route, built.request(), sink, cancellation, calls,
                            flow.toolContext().ownedBy(command.hint().owner()));
        List<BilledCall> billed = billed(calls, command.hint().owner());   // every model call, whether or not anyone receives the reply
        result = received(result, cancellation);
        Optional<Long> conversationId = flow.persist(command, plan, result, billed, persistence);  // 5
        return respond(result, sink, conversationId, flow.memory(), built.notes());                // 6
    }

    /**
     * What an answered call cost, at its model's price now (the price in force is stored with the call), counted in
     * the metrics at once: each model call of an agent loop (the steps before a failure too). Failed and cut-off
     * calls report no usage, so they are not billed here.
     */
    private List<BilledCall> billed(List<ModelResult.Answered> calls, String owner) {
        List<BilledCall> billed = new ArrayList<>(calls.size());
        for (ModelResult.Answered answered : calls) {
            ModelRegistry.Route route = answered.route();
            LlmResponse response = answered.response();
            Charge charge = new Charge(response.usage(), prices.price(route.id()));
            metrics.billed(route.provider(), route.id(), charge);
            billed.add(new BilledCall(route.id(), route.provider(), response.upstreamModel(), charge, owner));
        }
        return billed;
    }

    /**
     * A reply that is complete but whose client has gone in the meantime was never received: it is stored like a
     * reply cut short, outside the window.
     */
    private static ModelResult received(ModelResult result, Cancellation cancellation) {
        if (result instanceof ModelResult.Answered answered
                && cancellation.reason().filter(r -> r == Cancellation.Reason.CLIENT_GONE).isPresent()) {
            return new ModelResult.Cancelled(answered.route(), answered.response().text(),
                                             Cancellation.Reason.CLIENT_GONE);
        }
        return result;
    }

    // ---- step 1: identify ----

    /** The request's flow: which conversation it belongs to, if any, and how its client talks. */
    private Flow identify(ChatCommand command, ModelRegistry.Route requested) {
        Optional<ResponseTurn> chain = command.response().filter(r -> !r.byHeaders());
        if (chain.isPresent()) {
            return Flow.Responses.of(chain.get(), command.hint().owner());   // a Responses API request whose memory is its response chain
        }
        if (isTask(command)) {
            return new Flow.Task();
        }
        ChatCommand.ConversationHint hint = command.hint();
        if (hint.conversationKey().isEmpty() && hint.chatId().filter(ChatPipeline::isTemporaryChat).isPresent()) {
            // an OpenWebUI temporary chat: answered like any chat, stored nowhere; found by the e2e run against the
            // real OpenWebUI (bin/e2e-openwebui)
            return new Flow.TemporaryChat();
        }
        ConversationIdentity identity = hint.conversationKey().map(ConversationIdentity::keyed)
                .or(() -> hint.chatId().map(ConversationIdentity::openWebUi))
                .orElse(ConversationIdentity.DEFAULT)
                .ownedBy(hint.owner());
        return switch (identity.kind()) {
            // no conversation named: history that ends the default thread continues it, any other is the client's
            // own context (read without the lock: nothing stateless waits for the thread's other requests)
            case DEFAULT -> command.history().isEmpty() || HistoryAlignment.withoutConversationHeader(
                    windows.window(identity, windowSize(requested)), command.history()) == HistoryAlignment.Mode.THREAD
                    ? new Flow.Thread(identity) : new Flow.ClientContext();
            case OPENWEBUI -> new Flow.Branch(identity);
            // HAIA's own header: whole-conversation clients are aligned, new-message-only clients appended
            case KEYED -> command.history().isEmpty() ? new Flow.Thread(identity) : new Flow.Branch(identity);
            // named by a response chain only, which a request names by previous_response_id (above)
            case RESPONSES -> throw new IllegalStateException("no header names a Responses API conversation");
        };
    }

    private static boolean isTemporaryChat(String chatId) {
        return TEMPORARY_CHAT_PREFIXES.stream().anyMatch(chatId::startsWith);
    }

    /**
     * OpenWebUI's background tasks (titles, tags, follow-ups...): flagged by the task header, or, without it,
     * recognised by their shape: not streamed, one user message holding a "### Task:" template with the chat
     * embedded in {@code <chat_history>}.
     */
    private boolean isTask(ChatCommand command) {
        if (command.hint().task().filter(t -> !t.isBlank()).isPresent()) {
            return true;
        }
        if (!tasks.detectByShape() || command.stream() || command.messages().size() != 1) {
            return false;
        }
        String text = command.messages().getFirst().text().stripLeading();
        return text.startsWith("### Task:") && text.contains("<chat_history>");
    }

    /** A task's route is the task model's, when one is configured. */
    private ModelRegistry.Route route(ModelRegistry.Route requested, boolean task) {
        if (task) {
            metrics.taskRequest(requested.id());
            return tasks.model().flatMap(models::find).orElse(requested);
        }
        return requested;
    }

    /**
     * {@value #NEW_THREAD_COMMAND} in a continuous thread: the thread is archived and a fresh one takes its place
     * (see {@link Flow.Thread}).
     */
    private Outcome startNewThread(ConversationIdentity identity, ModelRegistry.Route route, ReplySink sink) {
        Optional<ConversationSummary> previous = conversations.find(identity);
        ConversationSummary fresh = conversations.startNew(identity);
        String text = previous.filter(p -> p.messageCount() > 0)
                .map(p -> "Started a new conversation. The previous one (" + p.messageCount() + " messages) is archived:"
                        + " it no longer goes to the model, and it stays readable at /v1/conversations/" + p.id() + ".")
                .orElse("Started a new conversation.");
        sink.complete(Reply.text(route.id(), text, FinishReason.STOP, Usage.NONE));
        return new Outcome(Optional.of(fresh.id()), Memory.THREAD, route.id(), "haia", Optional.empty(), Usage.NONE,
                           Outcome.NEW_THREAD);
    }

    // ---- step 2: window: see Flow ----

    private int windowSize(ModelRegistry.Route route) {
        return route.settings().contextWindow().orElse(chat.contextWindow());
    }

    // ---- step 3: persona and request: see Prompt ----

    // ---- step 5: persist: see Persistence ----

    // ---- step 6: respond ----

    /** @param notes what HAIA changed about the request to answer it, for the reply's metadata */
    private Outcome respond(ModelResult result, ReplySink sink, Optional<Long> conversationId, Memory memory,
                            List<String> notes) {
        ModelRegistry.Route route = result.route();
        return switch (result) {
            case ModelResult.Answered answered -> {
                LlmResponse response = answered.response();
                sink.complete(new Reply(route.id(), response.parts(), response.finishReason(), response.usage(),
                                        notes));
                yield new Outcome(conversationId, memory, route.id(), route.provider(), response.upstreamRequestId(),
                                  response.usage(), Outcome.OK);
            }
            case ModelResult.Failed failed -> {
                sink.fail(failed.error());
                yield new Outcome(conversationId, memory, route.id(), route.provider(), failed.error().upstreamRequestId(),
                                  Usage.NONE, failed.error().category().code());
            }
            case ModelResult.Cancelled cancelled -> {
                if (cancelled.reason() == Cancellation.Reason.SHUTDOWN) {
                    sink.fail(new LlmException(ErrorCategory.CANCELLED, "haia", 0,
                                               "HAIA is shutting down and stopped this request before it was complete;"
                                                       + " your message is kept. Try again in a moment",
                                               Optional.of(java.time.Duration.ofSeconds(5)), Optional.empty(), null));
                }
                // a client that has gone gets nothing: there is nobody to write to
                yield new Outcome(conversationId, memory, route.id(), route.provider(), Optional.empty(), Usage.NONE,
                                  cancelled.reason() == Cancellation.Reason.SHUTDOWN
                                          ? ErrorCategory.CANCELLED.code() : Outcome.CANCELLED);
            }
        };
    }
}
