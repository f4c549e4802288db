package haia.api;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.chat.ChatCommand;
import haia.chat.ChatPipeline;
import haia.chat.MemoryBudget;
import haia.chat.ReplySink;
import haia.chat.ResponseTurn;
import haia.config.HaiaConfig;
import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.observe.HaiaMetrics;
import haia.openai.InvalidRequestException;
import haia.openai.ResponseEvents;
import haia.openai.ResponseItems;
import haia.openai.ResponsesParser;
import haia.openai.ResponsesRequest;
import haia.openai.ResponsesWriter;
import haia.store.ResponseStore;
import haia.store.WindowReads;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * OpenAI's Responses API, backed by HAIA's memory: {@code POST /v1/responses} parses the request into the same
 * {@link ChatCommand} a chat completion becomes and hands it to the one {@link ChatPipeline}, with a sink that
 * writes a {@code response} object or its typed events. A stored response is an exchange of a conversation, so
 * {@code previous_response_id} continues that conversation; {@code GET} and {@code DELETE /v1/responses/{id}} and
 * {@code GET /v1/responses/{id}/input_items} read it back from there.
 */
public final class ResponsesService implements HttpService {

    private static final int MAX_LIMIT = 100;

    private final ChatPipeline pipeline;
    private final ResponsesParser parser;
    private final StoredResponses stored;
    private final ResponseStore responses;
    private final ErrorMapper errors;
    private final HaiaMetrics metrics;
    private final Clock clock;
    private final long maxBodyBytes;
    private final Duration keepAlive;
    private final ScheduledExecutorService timers;
    private final ClientConnections connections;
    private final MemoryBudget memory;
    private final ChatCompletionsService chat;

    /**
     * @param responses the store's stored responses
     * @param windows   the store's reads of the request path (a stored response's pictures)
     * @param chat      the chat endpoint, whose reading of conversation headers this one shares
     */
    public ResponsesService(ChatPipeline pipeline, ResponseStore responses, WindowReads windows, HaiaConfig config,
                            ErrorMapper errors, HaiaMetrics metrics, ScheduledExecutorService timers,
                            ClientConnections connections, MemoryBudget memory, ChatCompletionsService chat,
                            Clock clock) {
        this.chat = chat;
        this.pipeline = pipeline;
        this.parser = new ResponsesParser(config.chat().maxMessageChars(), config.chat().maxImageBytes());
        this.responses = responses;
        this.stored = new StoredResponses(responses, windows);
        this.errors = errors;
        this.metrics = metrics;
        this.clock = clock;
        this.maxBodyBytes = config.server().maxBodyBytes();
        this.keepAlive = config.server().keepAlive();
        this.timers = timers;
        this.connections = connections;
        this.memory = memory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/responses", this::create)
                .get("/responses/{id}", this::retrieve)
                .delete("/responses/{id}", this::delete)
                .get("/responses/{id}/input_items", this::inputItems);
    }

    /** The body is held while the request runs: reserved from the memory budget first, as for chat completions. */
    private void create(ServerRequest req, ServerResponse res) {
        MemoryBudget.Reservation body;
        try {
            body = ChatCompletionsService.reserveBody(req, memory, maxBodyBytes);
        } catch (RuntimeException busy) {
            metrics.request("responses", errors.code(busy));
            throw busy;
        }
        try (body) {
            create(req, res, RequestLog.of(req));
        }
    }

    private void create(ServerRequest req, ServerResponse res, RequestLog log) {
        String id = ResponseItems.newResponseId();
        ResponsesRequest request;
        ChatCommand command;
        Optional<ClientConnections.Connection> connection = connections.current();
        try {
            QueryParams.onlyKnown(req, "POST /v1/responses", Set.of());
            byte[] bytes = RequestBodies.readJson(req, maxBodyBytes);
            connections.bodyReceived();
            request = parser.parse(bytes, itemId -> stored.item(itemId, Caller.of(req).scope()));
            command = command(id, request, chat.hint(req));
        } catch (InvalidRequestException e) {
            metrics.request("responses", e.code());
            throw e;
        }
        log.put("stream", request.stream()).put("messages", request.wireItems()).put("response", id);
        String requestedModel = request.model().orElse("haia");
        ObjectNode echo = request.echo();
        ReplySink sink = request.stream()
                ? new ResponseStreamReply(res, new ResponseEvents(id, echo, requestedModel), requestedModel, keepAlive,
                                          timers, errors, log.correlationId(), clock)
                : new JsonReply(res, reply -> ResponsesWriter.response(echo, id, reply.model(), ResponseEvents.outcome(
                        reply.finishReason(), reply.usage(), clock.millis() / 1000),
                        ResponseItems.output(id, reply.parts())), errors, log.correlationId(), connection, timers);
        ChatCompletionsService.answer(pipeline, command, sink, res, log, errors, metrics, "responses", connection,
                                      ResponsesParser::inItsTerms);
    }

    /**
     * The request as the pipeline takes it. A continuation's response must exist and have been answered; tool
     * outputs whose call is not in the input must answer that response's calls (and so get their tools' names).
     */
    private ChatCommand command(String id, ResponsesRequest request, ChatCommand.ConversationHint headers) {
        Optional<StoredResponses.Loaded> previous = request.previousResponseId().map(p -> stored.load(p, Optional.of(headers.owner()))
                .orElseThrow(() -> new InvalidRequestException(400, "Previous response with id '"
                        + QueryParams.abbreviate(p) + "' not found.", Optional.of("previous_response_id"),
                                                               "previous_response_not_found")));
        if (previous.isPresent() && previous.get().response().outcome() != ResponseStore.Outcome.ANSWERED) {
            throw new InvalidRequestException("Previous response '" + previous.get().response().id() + "' was "
                    + previous.get().response().outcome().name().toLowerCase(Locale.ROOT) + " and has no output to"
                    + " continue from: continue from the response before it, or send the input again",
                                              "previous_response_id");
        }
        Map<String, String> calls = previous.map(StoredResponses.Loaded::clientCalls).orElse(Map.of());
        for (String callId : request.unansweredCalls()) {
            if (!calls.containsKey(callId)) {
                throw new InvalidRequestException("No tool call found for function call output with call_id "
                        + QueryParams.abbreviate(callId) + ".", "input");
            }
        }
        List<LlmMessage> messages = request.unansweredCalls().isEmpty() ? request.messages()
                : named(request.messages(), calls);
        ObjectNode echo = request.echo();
        echo.put("created_at", clock.millis() / 1000);
        echo.put("model", request.model().orElse("haia"));
        // a first response from a client that names its conversation (OpenWebUI forwards its chat id) has that
        // conversation's memory; store: false stays stateless whatever the headers say
        boolean byHeaders = previous.isEmpty() && request.store() && !headers.equals(ChatCommand.ConversationHint.NONE);
        ResponseTurn turn = new ResponseTurn(id, previous.map(StoredResponses.Loaded::response), request.store(),
                                             ResponsesWriter.text(echo), byHeaders);
        return new ChatCommand(request.model(), request.system(), messages,
                               new ChatCommand.Generation(request.maxOutputTokens(), request.sampling(),
                                                          request.tools(), request.format(), request.reasoning()),
                               request.stream(), byHeaders ? headers : ChatCommand.ConversationHint.NONE,
                               request.attachments(), Optional.of(turn));
    }

    /** Tool results answering the previous response's calls, with those tools' names. */
    private static List<LlmMessage> named(List<LlmMessage> messages, Map<String, String> calls) {
        List<LlmMessage> named = new ArrayList<>(messages.size());
        for (LlmMessage message : messages) {
            named.add(new LlmMessage(message.role(), message.parts().stream().map(p ->
                    p instanceof Part.ToolResult r && r.toolName().isEmpty() && calls.containsKey(r.callId())
                            ? (Part) new Part.ToolResult(r.callId(), calls.get(r.callId()), r.content(), r.error())
                            : p).toList()));
        }
        return named;
    }

    private void retrieve(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/responses/{id}", Set.of("include", "include[]", "stream",
                                                                    "starting_after", "include_obfuscation"));
        if (QueryParams.single(req, "stream").filter(s -> !s.equals("false")).isPresent()) {
            throw new InvalidRequestException("stream is not supported here: HAIA replays no stored stream; read"
                    + " the response without it", "stream");
        }
        StoredResponses.Loaded loaded = stored.require(req.path().pathParameters().get("id"), Caller.of(req).scope());
        Responses.json(res, 200, stored.response(loaded));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "DELETE /v1/responses/{id}", Set.of());
        String id = req.path().pathParameters().get("id");
        stored.require(id, Caller.of(req).scope());   // the 404, for a response that is not there or not theirs
        if (!responses.delete(id)) {
            stored.require(id, Caller.of(req).scope());   // deleted meanwhile: the 404
        }
        Responses.json(res, 200, ResponsesWriter.deleted(id));
    }

    /** A page of a response's input items: newest first unless {@code order=asc}, after an item id. */
    private void inputItems(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/responses/{id}/input_items",
                              Set.of("limit", "order", "after", "include", "include[]"));
        int limit = QueryParams.single(req, "limit").map(ResponsesService::limit).orElse(20);
        String order = QueryParams.single(req, "order").orElse("desc");
        if (!order.equals("asc") && !order.equals("desc")) {
            throw new InvalidRequestException("order must be asc or desc", "order");
        }
        List<ResponseItems.Item> items = new ArrayList<>(stored.inputItems(
                stored.require(req.path().pathParameters().get("id"), Caller.of(req).scope())));
        if (order.equals("desc")) {
            java.util.Collections.reverse(items);
        }
        Optional<String> after = QueryParams.single(req, "after");
        if (after.isPresent()) {
            int at = items.stream().map(ResponseItems.Item::id).toList().indexOf(after.get());
            if (at < 0) {
                throw new InvalidRequestException("after names no input item of this response", "after");
            }
            items = items.subList(at + 1, items.size());
        }
        boolean more = items.size() > limit;
        Responses.json(res, 200, ResponsesWriter.inputItems(more ? items.subList(0, limit) : items, more));
    }

    private static int limit(String raw) {
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw new InvalidRequestException("limit must be an integer from 1 to " + MAX_LIMIT, "limit");
    }
}
