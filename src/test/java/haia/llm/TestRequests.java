package haia.llm;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/** Neutral requests for mapping tests. */
public final class TestRequests {

    private TestRequests() {
    }

    /** A plain request: a system prompt, the messages, 1024 tokens, no sampling choices. */
    public static LlmRequest of(String model, String system, LlmMessage... messages) {
        return new LlmRequest(model, Optional.of(system), List.of(messages), 1024, OptionalDouble.empty(),
                              OptionalDouble.empty(), List.of(), Optional.empty());
    }
}
