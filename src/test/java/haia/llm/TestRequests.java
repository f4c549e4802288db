package haia.llm;

import java.util.List;

/** Neutral requests for mapping tests. */
public final class TestRequests {

    private TestRequests() {
    }

    /** A plain request: a system prompt, the messages, 1024 tokens, no sampling choices. */
    public static LlmRequest of(String model, String system, LlmMessage... messages) {
        return LlmRequest.plain(model, List.of(system), List.of(messages), 1024, Sampling.DEFAULT);
    }
}
