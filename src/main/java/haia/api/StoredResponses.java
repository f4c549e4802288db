package haia.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.FinishReason;
import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.Usage;
import haia.openai.InvalidRequestException;
import haia.openai.ResponseEvents;
import haia.openai.ResponseItems;
import haia.openai.ResponsesWriter;
import haia.store.MessageStatus;
import haia.store.ResponseStore;
import haia.store.StoredMessage;
import haia.store.WindowReads;

/**
 * Stored responses as the Responses API shows them, read back from their exchanges: the response object
 * ({@code GET /v1/responses/{id}}), its input items, and any item by its id ({@code item_reference}).
 */
final class StoredResponses {

    private final ResponseStore responses;
    private final WindowReads windows;

    StoredResponses(ResponseStore responses, WindowReads windows) {
        this.responses = responses;
        this.windows = windows;
    }

    /** A stored response with its exchange. */
    record Loaded(ResponseStore.StoredResponse response, List<StoredMessage> input, Optional<StoredMessage> reply) {

        /** The reply's client tool calls: call id to tool name (what a {@code function_call_output} may answer). */
        Map<String, String> clientCalls() {
            Map<String, String> calls = new java.util.HashMap<>();
            reply.ifPresent(r -> r.parts().stream().filter(Part.ToolCall.class::isInstance)
                    .map(Part.ToolCall.class::cast).forEach(c -> calls.put(c.id(), c.name())));
            return calls;
        }
    }

    /**
     * The response with this id, when {@code scope} may see it: everyone's for the admin (empty), else the owner's
     * own; another user's response is not found, as their conversations are not.
     */
    Optional<Loaded> load(String id, Optional<String> scope) {
        return responses.find(id).filter(r -> scope.map(r.identity().owner()::equals).orElse(true)).map(response -> {
            List<StoredMessage> exchange = responses.exchange(response);
            List<StoredMessage> input = new ArrayList<>(exchange);
            Optional<StoredMessage> reply = Optional.empty();
            if (!input.isEmpty() && input.getLast().role() == LlmMessage.Role.ASSISTANT
                    && response.outcome() != ResponseStore.Outcome.FAILED) {
                reply = Optional.of(input.removeLast());
            }
            return new Loaded(response, input, reply);
        });
    }

    Loaded require(String id, Optional<String> scope) {
        return load(id, scope).orElseThrow(() -> new InvalidRequestException(404, "Response with id '"
                + QueryParams.abbreviate(id) + "' not found.", Optional.of("response_id"), "response_not_found"));
    }

    /**
     * The response object, as it was returned (the reply's usage, cache reads and reasoning included, from the usage
     * ledger).
     */
    byte[] response(Loaded loaded) {
        ResponseStore.StoredResponse response = loaded.response();
        var echo = ResponsesWriter.echo(response.request());
        long stored = response.createdAt().getEpochSecond();
        String model = loaded.reply().flatMap(StoredMessage::model).orElse(echo.path("model").asText("haia"));
        List<ResponseItems.Item> output = loaded.reply()
                .map(r -> ResponseItems.output(response.id(), parts(r))).orElse(List.of());
        ResponsesWriter.Outcome outcome = switch (response.outcome()) {
            case ANSWERED -> {
                StoredMessage reply = loaded.reply().orElseThrow();
                Usage usage = new Usage(reply.inputTokens().orElse(0), reply.outputTokens().orElse(0),
                                        reply.cacheReadTokens().orElse(0), reply.cacheWriteTokens().orElse(0),
                                        reply.reasoningTokens().orElse(0), false);
                yield ResponseEvents.outcome(finish(reply), usage, stored);
            }
            case FAILED -> new ResponsesWriter.Outcome("failed", Optional.empty(), Optional.of(new ResponsesWriter.Failure(
                    "server_error", loaded.input().stream().flatMap(m -> m.error().stream()).findFirst()
                    .orElse("The model call failed"))), Optional.empty(), OptionalLong.empty());
            case CANCELLED -> new ResponsesWriter.Outcome("cancelled", Optional.empty(), Optional.empty(),
                                                          Optional.empty(), OptionalLong.empty());
        };
        return ResponsesWriter.response(echo, response.id(), model, outcome, output);
    }

    /** The input items of a response, oldest first, pictures with their bytes. */
    List<ResponseItems.Item> inputItems(Loaded loaded) {
        List<LlmMessage> messages = new ArrayList<>();
        for (StoredMessage message : loaded.input()) {
            messages.add(new LlmMessage(message.role(), parts(message)));
        }
        return ResponseItems.input(loaded.response().id(), withImages(messages));
    }

    /** The stored item an id names ({@code item_reference}): one of a stored response's input or output items. */
    Optional<ResponseItems.Item> item(String itemId, Optional<String> scope) {
        Optional<ResponseItems.ItemAddress> address = ResponseItems.address(itemId);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        Optional<Loaded> loaded = load(address.get().responseId(), scope);
        if (loaded.isEmpty()) {
            return Optional.empty();
        }
        List<ResponseItems.Item> items = address.get().input() ? inputItems(loaded.get())
                : loaded.get().reply().map(r -> ResponseItems.output(loaded.get().response().id(), parts(r)))
                .orElse(List.of());
        return items.stream().filter(i -> i.id().equals(itemId)).findFirst();
    }

    /** A message's parts (a plain text message stores none: its content is its one part). */
    static List<Part> parts(StoredMessage message) {
        return message.parts().isEmpty() ? List.of(new Part.Text(message.content())) : message.parts();
    }

    private static FinishReason finish(StoredMessage reply) {
        return switch (reply.finishReason().orElse("stop")) {
            case "length" -> FinishReason.LENGTH;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            case "tool_calls" -> FinishReason.TOOL_CALLS;
            default -> reply.status() == MessageStatus.OK ? FinishReason.STOP : FinishReason.LENGTH;
        };
    }

    /** The messages with their stored pictures' bytes (one query for all). */
    private List<LlmMessage> withImages(List<LlmMessage> messages) {
        List<Long> ids = new ArrayList<>();
        messages.forEach(m -> m.parts(Part.Image.class).forEach(i -> {
            if (i.source() instanceof Part.Image.Stored s) {
                ids.add(s.id());
            }
        }));
        if (ids.isEmpty()) {
            return messages;
        }
        Map<Long, Part.Image.Inline> loaded = windows.images(ids);
        return messages.stream().map(m -> new LlmMessage(m.role(), m.parts().stream().map(p ->
                p instanceof Part.Image i && i.source() instanceof Part.Image.Stored s && loaded.containsKey(s.id())
                        ? (Part) new Part.Image(loaded.get(s.id())) : p).toList())).toList();
    }
}
