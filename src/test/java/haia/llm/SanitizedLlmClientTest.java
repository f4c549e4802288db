package haia.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import haia.observe.Redactor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The token counts an upstream reports, as far as they can be true, blocking and streamed: the reasoning count is a
 * part of the output, so one that is negative or larger than the output is recorded as 0 and the output kept.
 * (Input, output and cache counts against a real socket: {@code HostileUpstreamTest}.)
 */
class SanitizedLlmClientTest {

    private static final LlmRequest REQUEST = TestRequests.of("o4-mini", "s", LlmMessage.user("why is pve2 fenced?"));

    @Test
    void aReasoningCountThatFitsTheOutputStays() {
        Usage usage = new Usage(20, 300, 0, 0, 250, false);
        assertEquals(usage, both(usage));
    }

    @Test
    void aReasoningCountLargerThanTheOutputOrNegativeIsRecordedAsZero() {
        assertEquals(new Usage(20, 300), both(new Usage(20, 300, 0, 0, 301, false)));
        assertEquals(new Usage(20, 300), both(new Usage(20, 300, 0, 0, -4, false)));
        assertEquals(new Usage(20, 300), both(new Usage(20, 300, 0, 0, Integer.MAX_VALUE, false)),
                     "a count beyond an int, saturated by Usage.of");
        assertEquals(new Usage(20, 300, 10, 0), both(new Usage(20, 300, 10, 0, 400, false)),
                     "the cache counts that fit stay");
    }

    @Test
    void anImplausibleOutputTakesItsReasoningWithIt() {
        // 1024 requested plus the thinking allowance is the most a reply can be: none of this is recorded
        assertEquals(new Usage(20, 0), both(new Usage(20, 900_000, 0, 0, 800_000, false)));
    }

    /** The cleaned usage of a blocking call and of a stream's end, which must agree. */
    private static Usage both(Usage reported) {
        LlmResponse reply = LlmResponse.text("Quorum lost.", FinishReason.STOP, reported, "o4-mini", Optional.empty());
        SanitizedLlmClient client = new SanitizedLlmClient(new Answering(reply), new Redactor(List.of()));
        Usage blocking = client.chat(REQUEST, new Cancellation()).usage();
        List<LlmEvent> events = new ArrayList<>();
        client.stream(REQUEST, new Cancellation(), events::add);
        Usage streamed = ((LlmEvent.Completed) events.getLast()).response().usage();
        assertEquals(blocking, streamed, "blocking and streamed alike");
        return blocking;
    }

    /** An upstream that answers every call with one reply. */
    private record Answering(LlmResponse reply) implements LlmClient {

        @Override
        public String provider() {
            return "openai";
        }

        @Override
        public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
            return reply;
        }

        @Override
        public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
            events.accept(new LlmEvent.TextDelta(reply.text()));
            events.accept(new LlmEvent.Completed(reply));
        }

        @Override
        public Optional<String> modelProblem(String upstreamModel) {
            return Optional.empty();
        }
    }
}
