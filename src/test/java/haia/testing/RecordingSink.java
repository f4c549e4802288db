package haia.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;
import haia.llm.Part;

/** A reply sink for pipeline tests: records what the pipeline delivers, in order. */
public final class RecordingSink implements ReplySink {

    private final boolean streaming;
    private final List<LlmEvent.Delta> deltas = new CopyOnWriteArrayList<>();
    private final List<String> activity = new CopyOnWriteArrayList<>();
    private volatile Reply reply;
    private volatile RuntimeException failure;

    public RecordingSink(boolean streaming) {
        this.streaming = streaming;
    }

    @Override
    public boolean streaming() {
        return streaming;
    }

    @Override
    public void open(Cancellation cancellation) {
        // nobody leaves
    }

    @Override
    public void delta(String model, LlmEvent.Delta delta) {
        deltas.add(delta);
    }

    @Override
    public void toolsRunning(String model, List<Part.ToolCall> calls) {
        calls.forEach(call -> activity.add("running " + call.name() + " " + call.arguments()));
    }

    @Override
    public void toolsDone(String model, List<Part.ToolCall> calls, List<Part.ToolResult> results) {
        for (int i = 0; i < calls.size(); i++) {
            activity.add((results.get(i).error() ? "failed " : "done ") + calls.get(i).name() + ": "
                                 + results.get(i).text());
        }
    }

    /** What the sink heard of HAIA's own tool calls, in order: "running name args", "done name: result". */
    public List<String> activity() {
        return List.copyOf(activity);
    }

    @Override
    public void complete(Reply reply) {
        this.reply = reply;
    }

    @Override
    public void fail(RuntimeException error) {
        this.failure = error;
    }

    public List<LlmEvent.Delta> deltas() {
        return List.copyOf(deltas);
    }

    public Reply reply() {
        if (reply == null) {
            throw new AssertionError("no reply; failure: " + failure);
        }
        return reply;
    }

    public RuntimeException failure() {
        return failure;
    }
}
