package haia.chat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntFunction;

import haia.llm.LlmMessage;
import haia.store.BilledCall;
import haia.store.ConversationIdentity;
import haia.store.ResponseStore;
import haia.store.WindowReads;
import haia.store.WindowTail;
import haia.tools.ToolContext;

/**
 * How a request is answered and what it leaves behind: chosen once, in step 1, from the request and its headers
 * ({@link ChatPipeline}'s {@code identify}). The steps that differ between flows are each flow's own:
 * <pre>
 *   flow            1 what the request adds           2 the window                            5 what is stored
 *   Thread          the trailing user turn            the stored window, the turn appended     the exchange
 *   Branch          the history aligned with the      the stored branch up to what the         the exchange, with what
 *                   stored branch (HistoryAlignment)  request replaces, the turn appended     it supersedes or imports
 *   ClientContext   the trailing user turn            all the client sent                      the ledger row only
 *   TemporaryChat   the trailing user turn            the newest of what the chat sent         the ledger row only
 *   Task            the trailing user turn            all the task's prompt (no persona)       the ledger row only
 *   StoredResponse  the input (its history imported)  the chain's conversation up to the      the exchange and the
 *                   after the response it continues   response it continues, the turn          response's record
 *                                                     appended (a first response: its input)
 *   UnstoredResponse  as StoredResponse               as StoredResponse                       the ledger row only
 * </pre>
 * Thread, Branch and StoredResponse are {@link Stored} flows: their conversation is held from step 1 to step 5. A
 * Responses API request from a client that names its conversation by header takes that conversation's flow; its
 * response's record is stored with the exchange all the same ({@link Persistence#commit}). An investigation of
 * HAIA's watch is a Thread of its own without the briefing ({@link Thread#investigation}), chosen by its caller
 * ({@link ChatPipeline#investigate}), never from a request.
 */
sealed interface Flow {

    /** For the request log: where the context came from and where the exchange went. */
    ChatPipeline.Memory memory();

    /** An OpenWebUI background task: the task model, the persona only when configured so, no tools of HAIA's. */
    default boolean task() {
        return false;
    }

    /**
     * Whether step 3 adds the watch's briefing ("since you last looked", {@link Briefing}): for the chats a user
     * reads, not for a task or an investigation.
     */
    default boolean briefed() {
        return !task();
    }

    /**
     * The thread this request archives to start a fresh one, when it is that command (a {@link Thread}'s user sent
     * {@value ChatPipeline#NEW_THREAD_COMMAND}): no model call then.
     */
    default Optional<ConversationIdentity> newThread(TurnPlan plan) {
        return Optional.empty();
    }

    /** Step 4: what HAIA's tools may know of the request (its stored conversation, for the memory tools). */
    default ToolContext toolContext() {
        return ToolContext.NONE;
    }

    /** Step 1, once the conversation is held: what the request adds to it. */
    default TurnPlan plan(ChatCommand command, WindowReads windows) {
        return TurnPlan.newTurn(command.userTurn());
    }

    /** Step 2: the messages the model gets, {@code size} of them at least and growing by {@code step} (0: none). */
    List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step);

    /** Step 5: what the exchange leaves behind; the conversation's id when it is stored. */
    default Optional<Long> persist(ChatCommand command, TurnPlan plan, ModelResult result, List<BilledCall> billed,
                                   Persistence persistence) {
        return persistence.ledgerOnly(billed);
    }

    /** A conversation kept in the store: its requests run one at a time, and each exchange is committed. */
    sealed interface Stored extends Flow {

        ConversationIdentity identity();

        /** The stored conversation's id, when known. */
        OptionalLong stored();

        @Override
        default ToolContext toolContext() {
            return new ToolContext(identity());
        }

        /** The flow once its conversation is held (a branch then looks up its stored id). */
        default Stored held(WindowReads windows) {
            return this;
        }

        /** The exchange, with the record of the Responses API response it is, when it is one. */
        @Override
        default Optional<Long> persist(ChatCommand command, TurnPlan plan, ModelResult result,
                                       List<BilledCall> billed, Persistence persistence) {
            return persistence.commit(identity(), stored(), plan, result, billed, command.response());
        }

        /**
         * The stored messages before the turn, and the turn, as the model gets them. The window counts what a person
         * sees; the store reads rows, one per message: {@code size + step} rows hold enough unless a client's own tool
         * loops (a row per call and per result) fill them, and then the tail is read again, {@value #MORE} times as
         * long each time, up to {@value #MOST_ROWS} rows (the token budget bounds the rest).
         */
        static List<LlmMessage> window(IntFunction<WindowTail> tailOf, TurnPlan plan, int size, int step) {
            int rows = size + step;
            WindowTail tail = tailOf.apply(rows);
            while (tail.before() > 0 && rows < MOST_ROWS
                    && ContextWindow.seenCount(tail.messages()) + plan.imports().size() + 1 < size + step) {
                rows = Math.min(MOST_ROWS, rows * MORE);
                tail = tailOf.apply(rows);
            }
            return Ageing.aged(ContextWindow.assemble(tail.messages(), tail.before(), plan.imports(),
                                                      plan.userTurn(), size, step));
        }

        int MORE = 4;
        int MOST_ROWS = 2000;
    }

    /**
     * The default thread, or a thread keyed by HAIA's header from a client that sends only what is new: the stored
     * window, the turn appended. The window is found by the conversation's identity (one query).
     */
    record Thread(ConversationIdentity identity, boolean briefed) implements Stored {

        Thread(ConversationIdentity identity) {
            this(identity, true);
        }

        /**
         * An investigation of HAIA's watch: the watch's prompt and the alerts as the turn, in a conversation of its
         * own ({@code haia-watch-<id>}), so the whole agent loop can be read afterwards; no briefing, as it carries
         * the alerts themselves and nobody is looking.
         */
        static Thread investigation(ConversationIdentity identity) {
            return new Thread(identity, false);
        }

        @Override
        public OptionalLong stored() {
            return OptionalLong.empty();
        }

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.THREAD;
        }

        /**
         * {@value ChatPipeline#NEW_THREAD_COMMAND} alone as the user's message archives the thread and starts a fresh
         * one: how OpenWebUI users without forwarded headers start over.
         */
        @Override
        public Optional<ConversationIdentity> newThread(TurnPlan plan) {
            boolean command = plan.userTurn().size() == 1
                    && plan.userTurn().getFirst().textOnly()
                    && plan.userTurn().getFirst().text().strip().equalsIgnoreCase(ChatPipeline.NEW_THREAD_COMMAND);
            return command ? Optional.of(identity) : Optional.empty();
        }

        @Override
        public List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step) {
            return Stored.window(rows -> windows.heldTail(identity, rows), plan, size, step);
        }
    }

    /**
     * A conversation whose client sends its whole branch with every request (OpenWebUI, or a client of HAIA's header
     * that sends history): aligned with the stored branch, which needs the stored conversation's id.
     */
    record Branch(ConversationIdentity identity, OptionalLong stored) implements Stored {

        Branch(ConversationIdentity identity) {
            this(identity, OptionalLong.empty());
        }

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.BRANCH;
        }

        @Override
        public Branch held(WindowReads windows) {
            return new Branch(identity, windows.findId(identity));
        }

        @Override
        public TurnPlan plan(ChatCommand command, WindowReads windows) {
            return HistoryAlignment.plan(HistoryAlignment.Mode.BRANCH,
                                         stored.isPresent() ? windows.liveBranch(stored.getAsLong()) : List.of(),
                                         command.history(), command.userTurn());
        }

        @Override
        public List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step) {
            IntFunction<WindowTail> tail = rows -> stored.isPresent()
                    ? windows.heldTail(stored.getAsLong(), plan.supersedeFrom(), rows)
                    : WindowTail.EMPTY;   // a conversation that does not exist yet
            return Stored.window(tail, plan, size, step);
        }
    }

    /**
     * A request without a conversation header whose history is not the default thread's (few-shot examples, an SDK
     * app's own turns): the model gets exactly what the client sent, nothing is stored.
     */
    record ClientContext() implements Flow {

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.CLIENT;
        }

        @Override
        public List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step) {
            return ContextWindow.clientContext(command.history(), plan.userTurn());
        }
    }

    /**
     * An OpenWebUI temporary chat: answered like any chat (persona, its own history as the window, the newest
     * messages of it as in a stored chat), stored nowhere, as OpenWebUI stores nothing of it.
     */
    record TemporaryChat() implements Flow {

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.CLIENT;
        }

        @Override
        public List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step) {
            return Ageing.aged(ContextWindow.assemble(command.history(), 0, List.of(), plan.userTurn(), size, step));
        }
    }

    /** An OpenWebUI background task (titles, tags, follow-ups): answered from its own prompt, nothing stored. */
    record Task() implements Flow {

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.TASK;
        }

        @Override
        public boolean task() {
            return true;
        }

        @Override
        public List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step) {
            return ContextWindow.clientContext(command.history(), plan.userTurn());
        }
    }

    /**
     * A Responses API request whose memory is its response chain ({@link ResponseTurn}): its input (history it
     * carries is imported as the client sent it) follows the response it continues, in that response's
     * conversation; whatever followed that response leaves the live branch. A response that already left it cannot
     * be continued: its conversation moved on without it (checked under the conversation's lock).
     */
    sealed interface Responses extends Flow {

        ResponseTurn turn();

        /** Stored (in the continued response's conversation, or a new one named after itself) unless store: false. */
        static Responses of(ResponseTurn turn, String owner) {
            if (!turn.store()) {
                return new UnstoredResponse(turn);
            }
            return turn.previous()
                    .map(p -> new StoredResponse(turn, p.identity(), OptionalLong.of(p.conversationId())))
                    .orElseGet(() -> new StoredResponse(turn, ConversationIdentity.responses(turn.responseId()).ownedBy(owner),
                                                        OptionalLong.empty()));
        }

        @Override
        default TurnPlan plan(ChatCommand command, WindowReads windows) {
            Optional<ResponseStore.StoredResponse> previous = turn().previous();
            if (previous.isPresent() && !windows.live(previous.get().lastMessageId())) {
                throw new RequestRefused("previous_response_id", "Response '" + previous.get().id()
                        + "' can no longer be continued: a later request continued an earlier response of its"
                        + " conversation, which replaced it. Continue from a later response, or send the context"
                        + " again as input");
            }
            List<LlmMessage> history = command.history();
            return new TurnPlan(history.isEmpty() ? TurnPlan.Kind.NEW_TURN : TurnPlan.Kind.IMPORT,
                                previous.isPresent() ? OptionalLong.of(turn().after()) : OptionalLong.empty(),
                                history, command.userTurn());
        }

        /** The continued response's conversation up to and including it; a first response's input as sent. */
        @Override
        default List<LlmMessage> window(ChatCommand command, TurnPlan plan, WindowReads windows, int size, int step) {
            Optional<ResponseStore.StoredResponse> previous = turn().previous();
            if (previous.isEmpty()) {
                return ContextWindow.clientContext(command.history(), plan.userTurn());
            }
            long conversation = previous.get().conversationId();
            // up to the continued response (a read the store does not keep: whatever followed it leaves the branch)
            return Stored.window(rows -> windows.tail(conversation, plan.supersedeFrom(), rows), plan, size, step);
        }
    }

    /** A stored response: a new conversation of kind {@code responses}, or the one of the response it continues. */
    record StoredResponse(ResponseTurn turn, ConversationIdentity identity, OptionalLong stored)
            implements Responses, Stored {

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.RESPONSES;
        }
    }

    /** A response with store: false: answered from its chain (or its input) like a stored one, stored nowhere. */
    record UnstoredResponse(ResponseTurn turn) implements Responses {

        @Override
        public ChatPipeline.Memory memory() {
            return ChatPipeline.Memory.CLIENT;
        }
    }
}
