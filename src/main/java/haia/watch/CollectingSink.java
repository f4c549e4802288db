package haia.watch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;
import haia.llm.Part;

/**
 * An investigation's end of the pipeline: nobody reads along, so it collects the reply (or the error) and which of
 * HAIA's tools the loop ran. Not streaming: the model is called in blocking mode.
 */
final class CollectingSink implements ReplySink {

    private final List<String> tools = new ArrayList<>();
    private volatile Reply reply;
    private volatile RuntimeException error;

    @Override
    public boolean streaming() {
        return false;
    }

    @Override
    public void open(Cancellation cancellation) {
        // no client to watch: the investigation runs until its bounds end it, or HAIA stops it
    }

    @Override
    public void delta(String model, LlmEvent.Delta delta) {
        throw new IllegalStateException("an investigation is not streamed");
    }

    @Override
    public void toolsRunning(String model, List<Part.ToolCall> calls) {
        calls.forEach(call -> tools.add(call.name()));
    }

    @Override
    public void complete(Reply reply) {
        this.reply = reply;
    }

    @Override
    public void fail(RuntimeException error) {
        this.error = error;
    }

    Optional<Reply> reply() {
        return Optional.ofNullable(reply);
    }

    Optional<RuntimeException> error() {
        return Optional.ofNullable(error);
    }

    /** HAIA's tools the loop called, in order. */
    List<String> tools() {
        return List.copyOf(tools);
    }

    /** The model's answer: its text after the last tool result (the loop's record holds every step before it). */
    static String answer(List<Part> parts) {
        int last = -1;
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i) instanceof Part.ToolResult) {
                last = i;
            }
        }
        StringBuilder text = new StringBuilder();
        for (Part part : parts.subList(last + 1, parts.size())) {
            if (part instanceof Part.Text t) {
                text.append(t.text());
            }
        }
        return text.toString().strip();
    }
}
