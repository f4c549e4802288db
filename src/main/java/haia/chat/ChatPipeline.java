package haia.chat;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

import haia.config.HaiaConfig;
import haia.llm.Cancellation;
import haia.llm.ErrorCategory;
import haia.llm.FinishReason;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.ModelRegistry;
import haia.llm.Usage;
import haia.observe.HaiaMetrics;
import haia.store.BilledCall;
import haia.store.ConversationIdentity;
import haia.store.ConversationStore;
import haia.store.ConversationSummary;
import haia.store.Exchange;
import haia.store.MessageKey;
import haia.store.MessageStatus;
import haia.store.NewMessage;
import haia.store.StoreException;
import haia.store.WindowTail;
import haia.tools.ToolCatalog;
import haia.usage.Charge;
import haia.usage.Prices;

/**
 * The one request path of HAIA. Every chat request, streamed or not, task or conversation, any provider, runs
 * these steps in this order:
 * <pre>
 *   1 identify   which conversation (or a stateless task) and what the request adds to it
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
 */
public final class ChatPipeline {

    private static final System.Logger LOG = System.getLogger(ChatPipeline.class.getName());

    /** The chat command that starts a new thread. */
    public static final String NEW_THREAD_COMMAND = "/new";

    /**
     * How OpenWebUI's chat ids of temporary chats begin (its utils/chat_id.py: "temporary:" + the browser's socket.io
     * session id; "local:" in older versions). OpenWebUI saves nothing of such a chat, so HAIA does not either.
     */
    static final List<String> TEMPORARY_CHAT_PREFIXES = List.of("temporary:", "local:");

    private final ConversationStore store;
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
    private final Clock clock;
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
        this.store = store;
        this.models = models;
        this.prompt = new Prompt(personas, defaultPersona, config, store, models, briefing, clock);
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
        this.clock = clock;
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
        TASK
    }

    /** What one request did, for the request log. */
    public record Outcome(Optional<Long> conversationId, Memory memory, String model, String provider,
                         Optional<String> upstreamRequestId, Usage usage, String result) {
    }

    /**
     * Runs one chat request through the pipeline and delivers the reply (or the error) to {@code sink}. The sink is
     * opened first, before any waiting (for the conversation, for a free slot): a streaming client then gets its
     * stream and keep-alives at once, and any sink watches its client from the start.
     */
    public Outcome handle(ChatCommand command, ReplySink sink) {
        ModelRegistry.Route requested = models.resolve(command.model());
        Conversation conversation = identify(command, requested);                        // 1
        Cancellation.Child request = running.child();
        try {
            Cancellation cancellation = request.cancellation();
            sink.open(cancellation);
            ModelRegistry.Route route = route(requested, conversation.task());   // tasks are always stateless
            // pictures given by URL are fetched before the conversation is taken: nothing waits on an image server
            // while it holds the conversation (and every other message in it)
            try (FetchedImages images = imageUrls.prepare(command, route, cancellation)) {
                if (conversation.identity().isEmpty()) {
                    return run(command, sink, conversation, route, images, cancellation);
                }
                Optional<ConversationLocks.Held> held = locks.acquire(conversation.identity().get(), lockTimeout,
                                                                      cancellation);
                if (held.isEmpty()) {
                    // stopped while waiting for the conversation: the user's message is kept, nothing else happens
                    ModelResult stopped = ModelCall.cancelled(route, "", cancellation);
                    TurnPlan plan = TurnPlan.newTurn(command.userTurn());
                    return respond(stopped, sink, persist(conversation, plan, stopped, List.of()),
                                   conversation.memory(), List.of());
                }
                try (ConversationLocks.Held ignored = held.get()) {
                    return run(command, sink, conversation, route, images, cancellation);
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

    private Outcome run(ChatCommand command, ReplySink sink, Conversation identified, ModelRegistry.Route route,
                        FetchedImages images, Cancellation cancellation) {
        // a branch client's history is aligned with the stored branch, which needs the conversation's id; a thread
        // client's request reads only the window (found by identity in the same query)
        Conversation conversation = identified.identity().isPresent() && identified.mode() == HistoryAlignment.Mode.BRANCH
                ? new Conversation(identified.identity(), identified.mode(), store.findId(identified.identity().get()),
                                   false)
                : identified;
        TurnPlan plan = plan(conversation, command);                                      // 1
        if (isNewThreadCommand(conversation, plan)) {
            return startNewThread(conversation, route, sink);                             // 1: "/new", no model call
        }
        List<LlmMessage> window = window(conversation, plan, command, route);             // 2
        Prompt.Built built = prompt.request(command, conversation.task(), route, window,   // 3
                                            agent.offer(command.generation().tools(), route, conversation.task()),
                                            images);
        LlmRequest request = built.request();
        List<ModelResult.Answered> calls = new ArrayList<>();   // every model call a provider answered (and billed)
        ModelResult result = cancellation.isCancelled()                                   // 4: nobody to answer
                ? ModelCall.cancelled(route, "", cancellation)
                : agent.run(route, request, sink, cancellation, calls);
        List<BilledCall> billed = billed(calls);   // every model call, whether or not anyone receives the reply
        result = received(result, cancellation);
        Optional<Long> conversationId = persist(conversation, plan, result, billed);      // 5
        return respond(result, sink, conversationId, conversation.memory(), built.notes()); // 6
    }

    /**
     * What an answered call cost, at its model's price now (the price in force is stored with the call), counted in
     * the metrics at once: each model call of an agent loop (the steps before a failure too). Failed and cut-off
     * calls report no usage, so they are not billed here.
     */
    private List<BilledCall> billed(List<ModelResult.Answered> calls) {
        List<BilledCall> billed = new ArrayList<>(calls.size());
        for (ModelResult.Answered answered : calls) {
            ModelRegistry.Route route = answered.route();
            LlmResponse response = answered.response();
            Charge charge = new Charge(response.usage(), prices.price(route.id()));
            metrics.billed(route.provider(), route.id(), charge);
            billed.add(new BilledCall(route.id(), route.provider(), response.upstreamModel(), charge));
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

    /**
     * Which conversation a request belongs to, and how its client talks.
     *
     * @param identity empty for a stateless request: a background task, a temporary chat, or a client that sent
     *                 its own context without naming a conversation
     * @param mode     how to read the request's history
     * @param stored   the stored conversation's id, when known (looked up for branch clients only)
     * @param task     an OpenWebUI background task (no persona, the task model); false for a temporary chat
     */
    record Conversation(Optional<ConversationIdentity> identity, HistoryAlignment.Mode mode, OptionalLong stored,
                        boolean task) {

        /** A request answered from what it sent, stored nowhere. */
        static Conversation stateless(HistoryAlignment.Mode mode, boolean task) {
            return new Conversation(Optional.empty(), mode, OptionalLong.empty(), task);
        }

        Memory memory() {
            if (task) {
                return Memory.TASK;
            }
            if (identity.isEmpty()) {
                return Memory.CLIENT;
            }
            return mode == HistoryAlignment.Mode.BRANCH ? Memory.BRANCH : Memory.THREAD;
        }
    }

    private Conversation identify(ChatCommand command, ModelRegistry.Route requested) {
        if (isTask(command)) {
            return Conversation.stateless(HistoryAlignment.Mode.CLIENT, true);
        }
        ChatCommand.ConversationHint hint = command.hint();
        if (hint.conversationKey().isEmpty() && hint.chatId().filter(ChatPipeline::isTemporaryChat).isPresent()) {
            // an OpenWebUI temporary chat: answered like any chat (persona, the chat's own history as the window),
            // stored nowhere; found by the e2e run against the real OpenWebUI (bin/e2e-openwebui)
            return Conversation.stateless(HistoryAlignment.Mode.BRANCH, false);
        }
        ConversationIdentity identity = hint.conversationKey().map(ConversationIdentity::keyed)
                .or(() -> hint.chatId().map(ConversationIdentity::openWebUi))
                .orElse(ConversationIdentity.DEFAULT);
        HistoryAlignment.Mode mode = switch (identity.kind()) {
            // no conversation named: history that ends the default thread continues it, any other is the client's
            // own context (read without the lock: nothing stateless waits for the thread's other requests)
            case DEFAULT -> command.history().isEmpty() ? HistoryAlignment.Mode.THREAD
                    : HistoryAlignment.withoutConversationHeader(store.window(identity, windowSize(requested)),
                                                                 command.history());
            case OPENWEBUI -> HistoryAlignment.Mode.BRANCH;
            // HAIA's own header: whole-conversation clients are aligned, new-message-only clients appended
            case KEYED -> command.history().isEmpty() ? HistoryAlignment.Mode.THREAD : HistoryAlignment.Mode.BRANCH;
        };
        return mode == HistoryAlignment.Mode.CLIENT ? Conversation.stateless(mode, false)
                : new Conversation(Optional.of(identity), mode, OptionalLong.empty(), false);
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

    private ModelRegistry.Route route(ModelRegistry.Route requested, boolean task) {
        if (task) {
            metrics.taskRequest(requested.id());
            return tasks.model().flatMap(models::find).orElse(requested);
        }
        return requested;
    }

    private TurnPlan plan(Conversation conversation, ChatCommand command) {
        if (conversation.identity().isEmpty()) {
            return TurnPlan.newTurn(command.userTurn());
        }
        List<MessageKey> live = List.of();
        if (conversation.mode() == HistoryAlignment.Mode.BRANCH) {
            live = conversation.stored().isPresent() ? store.liveBranch(conversation.stored().getAsLong()) : List.of();
        }
        return HistoryAlignment.plan(conversation.mode(), live, command.history(), command.userTurn());
    }

    /**
     * {@value #NEW_THREAD_COMMAND} alone as the user's message, in a conversation that is a continuous thread (the
     * default one, or one picked by HAIA's header from a client that sends only new messages), archives it and
     * starts a fresh one. It is how OpenWebUI users without forwarded headers start over.
     */
    private static boolean isNewThreadCommand(Conversation conversation, TurnPlan plan) {
        return conversation.identity().isPresent()
                && conversation.mode() == HistoryAlignment.Mode.THREAD
                && plan.userTurn().size() == 1
                && plan.userTurn().getFirst().textOnly()
                && plan.userTurn().getFirst().text().strip().equalsIgnoreCase(NEW_THREAD_COMMAND);
    }

    private Outcome startNewThread(Conversation conversation, ModelRegistry.Route route, ReplySink sink) {
        Optional<ConversationSummary> previous = conversation.identity().flatMap(store::find);
        ConversationSummary fresh = store.startNew(conversation.identity().orElseThrow());
        String text = previous.filter(p -> p.messageCount() > 0)
                .map(p -> "Started a new conversation. The previous one (" + p.messageCount() + " messages) is archived:"
                        + " it no longer goes to the model, and it stays readable at /v1/conversations/" + p.id() + ".")
                .orElse("Started a new conversation.");
        sink.complete(Reply.text(route.id(), text, FinishReason.STOP, Usage.NONE));
        return new Outcome(Optional.of(fresh.id()), Memory.THREAD, route.id(), "haia", Optional.empty(), Usage.NONE,
                           "new_thread");
    }

    // ---- step 2: window ----

    private List<LlmMessage> window(Conversation conversation, TurnPlan plan, ChatCommand command,
                                    ModelRegistry.Route route) {
        int size = windowSize(route);
        // with the prompt cache on, the window moves in blocks so its start (the cached prefix) survives turns
        int step = chat.promptCache() ? chat.contextStep() : 0;
        if (conversation.identity().isEmpty()) {
            // a temporary chat sends its whole branch, of which the model gets the newest messages, as in a stored
            // chat; a task or a client with its own context carries everything it needs: all of it goes
            return conversation.mode() == HistoryAlignment.Mode.BRANCH
                    ? Ageing.aged(ContextWindow.assemble(command.history(), 0, List.of(), plan.userTurn(), size, step))
                    : ContextWindow.clientContext(command.history(), plan.userTurn());
        }
        int limit = size + step;
        WindowTail tail;
        if (conversation.stored().isPresent()) {
            tail = store.tail(conversation.stored().getAsLong(), plan.supersedeFrom(), limit);
        } else if (conversation.mode() == HistoryAlignment.Mode.THREAD) {
            tail = store.tail(conversation.identity().get(), limit);
        } else {
            tail = WindowTail.EMPTY;   // a branch conversation that does not exist yet
        }
        return Ageing.aged(ContextWindow.assemble(tail.messages(), tail.before(), plan.imports(), plan.userTurn(),
                                                  size, step));
    }

    private int windowSize(ModelRegistry.Route route) {
        return route.settings().contextWindow().orElse(chat.contextWindow());
    }

    // ---- step 3: persona and request: see Prompt ----

    // ---- step 5: persist ----

    /**
     * Stores the exchange in one transaction. An answered exchange applies the plan (supersede, import) and adds
     * the user turn and the reply to the live branch. An exchange that failed or was cut short changes nothing on
     * the live branch: the user turn is kept as failed (nothing typed is lost, and a retry does not duplicate it
     * in the window) and any partial reply as incomplete. The billed call goes to the usage ledger in the same
     * transaction. Either is written before the reply's last byte, so {@code /v1/usage} has it once a client has
     * its answer.
     */
    private Optional<Long> persist(Conversation conversation, TurnPlan plan, ModelResult result,
                                   List<BilledCall> billed) {
        if (conversation.identity().isEmpty()) {
            // tasks and temporary chats store nothing but their ledger row, on its own (a failure to write it is
            // logged; the answer still goes out)
            billed.forEach(this::recordStateless);
            return Optional.empty();
        }
        List<NewMessage> messages = new ArrayList<>();
        OptionalLong supersede = OptionalLong.empty();
        switch (result) {
            case ModelResult.Answered answered -> {
                supersede = plan.supersedeFrom();
                plan.imports().forEach(m -> messages.add(NewMessage.imported(m)));
                plan.userTurn().forEach(m -> messages.add(NewMessage.user(m, MessageStatus.OK, Optional.empty())));
                LlmResponse response = answered.response();
                messages.add(new NewMessage(LlmMessage.Role.ASSISTANT, response.parts(), MessageStatus.OK,
                                            Optional.of(answered.route().id()),
                                            Optional.of(response.finishReason().name().toLowerCase(java.util.Locale.ROOT)),
                                            Optional.of(response.usage()), Optional.empty()));
            }
            case ModelResult.Failed failed -> unanswered(plan, failed.error().getMessage(), failed.partialText(),
                                                         failed.route(), messages);
            case ModelResult.Cancelled cancelled -> unanswered(plan, switch (cancelled.reason()) {
                case SHUTDOWN -> "HAIA shut down before the reply was complete";
                default -> "The client disconnected before it received the whole reply";
            }, cancelled.partialText(), cancelled.route(), messages);
        }
        if (messages.isEmpty()) {
            billed.forEach(this::recordStateless);
            return conversation.stored().isPresent() ? Optional.of(conversation.stored().getAsLong()) : Optional.empty();
        }
        long id;
        try {
            id = store.commit(new Exchange(conversation.identity().get(), supersede, messages, billed));
        } catch (StoreException e) {
            // the model has been called (and billed): its outcome still goes to the client; only the record is lost
            lost(conversation, result, messages, e);
            return conversation.stored().isPresent() ? Optional.of(conversation.stored().getAsLong()) : Optional.empty();
        }
        messages.forEach(m -> metrics.messagesStored(m.role() == LlmMessage.Role.USER ? "user" : "assistant",
                                                     m.status().dbValue(), 1));
        return Optional.of(id);
    }

    /** The usage ledger's row for a call no conversation stores; a failure to write it costs the reply nothing. */
    private void recordStateless(BilledCall call) {
        try {
            store.record(call);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "A billed " + call.model() + " call could not be recorded in the usage"
                    + " ledger (/v1/usage will miss " + call.charge().usage().inputTokens() + " input and "
                    + call.charge().usage().outputTokens() + " output tokens; the metrics have them): "
                    + e.getMessage());
        }
    }

    private void lost(Conversation conversation, ModelResult result, List<NewMessage> messages, StoreException e) {
        String reply = result instanceof ModelResult.Answered ? "answered" : "unanswered";
        int chars = messages.stream().mapToInt(m -> m.content().length()).sum();
        LOG.log(e.unavailable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR,
                "An " + reply + " exchange could not be stored and is lost from conversation "
                        + conversation.identity().orElseThrow().kind().dbValue() + " (" + messages.size()
                        + " messages, " + chars + " characters; the client still gets the reply): " + e.getMessage(),
                e.unavailable() ? null : e);
        metrics.exchangeLost(reply);
    }

    private static void unanswered(TurnPlan plan, String error, String partialText, ModelRegistry.Route route,
                                   List<NewMessage> messages) {
        plan.userTurn().forEach(m -> messages.add(NewMessage.user(m, MessageStatus.FAILED, Optional.of(error))));
        if (!partialText.isEmpty()) {
            messages.add(NewMessage.text(LlmMessage.Role.ASSISTANT, partialText, MessageStatus.INCOMPLETE,
                                         Optional.of(route.id()), Optional.empty(), Optional.empty(),
                                         Optional.of(error)));
        }
    }

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
                                  response.usage(), "ok");
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
                                          ? ErrorCategory.CANCELLED.code() : "cancelled");
            }
        };
    }
}
