package haia.testing;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import haia.llm.Cancellation;
import haia.llm.FinishReason;
import haia.llm.LlmClient;
import haia.llm.LlmEvent;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.Part;
import haia.llm.Usage;

/**
 * An in-memory model for pipeline tests without sockets: it records each request it gets and answers with the
 * scripted replies in order (streamed as one delta per part), else {@code "Echo: <last user text>"}.
 */
public final class ScriptedLlmClient implements LlmClient {

    private final String provider;
    private final List<LlmRequest> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<List<Part>> script = new ConcurrentLinkedQueue<>();

    public ScriptedLlmClient(String provider) {
        this.provider = provider;
    }

    /** The next replies, each a list of parts. */
    public ScriptedLlmClient reply(Part... parts) {
        script.add(List.of(parts));
        return this;
    }

    public List<LlmRequest> requests() {
        return List.copyOf(requests);
    }

    public LlmRequest lastRequest() {
        return requests.getLast();
    }

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        requests.add(request);
        List<Part> parts = script.poll();
        if (parts == null) {
            parts = List.of(new Part.Text("Echo: " + request.messages().getLast().text()));
        }
        boolean calls = parts.stream().anyMatch(Part.ToolCall.class::isInstance);
        return new LlmResponse(parts, calls ? FinishReason.TOOL_CALLS : FinishReason.STOP, new Usage(3, 2),
                               request.model(), Optional.empty());
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        LlmResponse response = chat(request, cancellation);
        int index = 0;
        for (Part part : response.parts()) {
            switch (part) {
                case Part.Text text -> events.accept(new LlmEvent.TextDelta(text.text()));
                case Part.Thinking thinking -> events.accept(new LlmEvent.ThinkingDelta(thinking.text()));
                case Part.ToolCall call -> events.accept(new LlmEvent.ToolCallDelta(
                        index++, Optional.of(call.id()), Optional.of(call.name()), call.arguments()));
                default -> {
                    // a model says nothing else
                }
            }
        }
        events.accept(new LlmEvent.Completed(response));
    }

    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        return Optional.empty();
    }
}
