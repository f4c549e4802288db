package haia.llm;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What HAIA learns of a model's tokens, and the usage it estimates where a provider reports none. */
class ModelTokensTest {

    /** About 2,000 characters of log text: 500 estimated tokens, plus the template's per message. */
    private static final LlmRequest LOGS = LlmRequest.plain("smollm2", List.of(), List.of(LlmMessage.user(
            "Dec 06 10:01:00 pve2 kernel: nvme0n1: I/O 101 QID 3 timeout\n".repeat(33))), 48,
                                                            Sampling.DEFAULT);

    private final ModelTokens tokens = new ModelTokens();

    @Test
    void theFirstReportSetsTheScaleAndLaterOnesMoveIt() {
        long estimate = TokenEstimate.of(LOGS);
        tokens.accounted("llamacpp", LOGS, reply(new Usage((int) (estimate * 2.4), 10)));
        assertEquals(0.6, tokens.of("llamacpp", "smollm2").tokensPerCharacter(), 0.01, "0.6 tokens per character");
        tokens.accounted("llamacpp", LOGS, reply(new Usage((int) (estimate * 1.4), 10)));
        assertEquals(2.4 + ModelTokens.WEIGHT * (1.4 - 2.4), tokens.of("llamacpp", "smollm2").scale(), 0.01,
                     "a moving average");
        assertEquals(ModelTokens.Measure.UNKNOWN, tokens.of("other", "smollm2"), "per provider and model");
    }

    @Test
    void anOverflowSetsTheContextAndNeverLowersTheScale() {
        long estimate = TokenEstimate.of(LOGS);
        tokens.accounted("llamacpp", LOGS, reply(new Usage((int) (estimate * 2.4), 10)));
        tokens.overflowed("llamacpp", LOGS, overflow(OptionalInt.of(1024), OptionalInt.of((int) (estimate * 1.2))));
        ModelTokens.Measure measure = tokens.of("llamacpp", "smollm2");
        assertEquals(OptionalInt.of(1024), measure.context());
        assertEquals(2.4, measure.scale(), 0.01, "the estimate was too low: an overflow never lowers it");
        tokens.overflowed("llamacpp", LOGS, overflow(OptionalInt.empty(), OptionalInt.of((int) (estimate * 3))));
        assertEquals(3, tokens.of("llamacpp", "smollm2").scale(), 0.01);
    }

    @Test
    void usageTheProviderDidNotReportIsEstimatedAtTheLearnedScaleAndMarked() {
        long estimate = TokenEstimate.of(LOGS);
        tokens.overflowed("llamacpp", LOGS, overflow(OptionalInt.of(1024), OptionalInt.of((int) (estimate * 2))));
        LlmResponse streamed = reply(Usage.NONE);   // llama.cpp's stream: no usage at all
        Usage usage = tokens.accounted("llamacpp", LOGS, streamed).usage();
        assertTrue(usage.estimated());
        assertEquals(estimate * 2, usage.inputTokens(), 2);
        assertEquals((long) Math.ceil(TokenEstimate.of(streamed.parts()) * 2.0), usage.outputTokens());

        Usage reported = tokens.accounted("llamacpp", LOGS, reply(new Usage(900, 12))).usage();
        assertEquals(new Usage(900, 12), reported, "reported counts stay as they came, unmarked");
        assertFalse(reported.estimated());

        Usage onlyOutput = tokens.accounted("ollama", LOGS, reply(new Usage(0, 12))).usage();
        assertTrue(onlyOutput.estimated() && onlyOutput.inputTokens() > 0 && onlyOutput.outputTokens() == 12,
                   "a missing prompt count (Ollama's, when its prompt was cached) is estimated alone: " + onlyOutput);
        LlmResponse empty = LlmResponse.text("", FinishReason.STOP, new Usage(40, 0), "smollm2", Optional.empty());
        assertEquals(new Usage(40, 0), tokens.accounted("x", LOGS, empty).usage(), "an empty reply: 0 output is true");
    }

    /**
     * A stream that reasoned and reported nothing (llama.cpp's server with a thinking model): the output is estimated
     * from the reply with its thinking, the reasoning from the thinking alone, at the same scale, both marked. A
     * provider that reported its output but no reasoning figure (Anthropic, Ollama) keeps 0: nothing to estimate.
     */
    @Test
    void theReasoningOfAnUnreportedReplyIsEstimatedFromItsThinking() {
        long estimate = TokenEstimate.of(LOGS);
        tokens.overflowed("llamacpp", LOGS, overflow(OptionalInt.of(1024), OptionalInt.of((int) (estimate * 2))));
        String thought = "The NVMe timed out on QID 3 repeatedly; firmware or a loose cable. ".repeat(6);
        LlmResponse reasoned = new LlmResponse(List.of(new Part.Thinking(thought, Optional.empty(), Optional.empty(),
                                                                         "openai"),
                                                       new Part.Text("Check the NVMe firmware and the cable first.")),
                                               FinishReason.STOP, Usage.NONE, "smollm2", Optional.empty());
        Usage usage = tokens.accounted("llamacpp", LOGS, reasoned).usage();
        assertTrue(usage.estimated());
        assertEquals((long) Math.ceil(TokenEstimate.of(reasoned.parts()) * 2.0), usage.outputTokens());
        assertEquals((long) Math.ceil(TokenEstimate.of(thought) * 2.0), usage.reasoningTokens());
        assertTrue(usage.reasoningTokens() > 0 && usage.reasoningTokens() < usage.outputTokens(), usage.toString());

        Usage reported = tokens.accounted("anthropic", LOGS, new LlmResponse(reasoned.parts(), FinishReason.STOP,
                new Usage(900, 120), "claude", Optional.empty())).usage();
        assertEquals(new Usage(900, 120), reported, "the output was reported: its reasoning share is not invented");
        Usage reportedBoth = new Usage(900, 120, 0, 0, 80, false);
        assertEquals(reportedBoth, tokens.accounted("openai", LOGS, new LlmResponse(reasoned.parts(),
                FinishReason.STOP, reportedBoth, "o4-mini", Optional.empty())).usage());
    }

    @Test
    void picturesAndTinyPromptsTeachNothing() {
        LlmRequest picture = LlmRequest.plain("smollm2", List.of(), List.of(new LlmMessage(LlmMessage.Role.USER, List.of(
                new Part.Text("what is this? ".repeat(100)), new Part.Image(new Part.Image.Inline("image/png",
                                                                                               new byte[] {1}))))), 48,
                                              Sampling.DEFAULT);
        tokens.accounted("p", picture, reply(new Usage(5000, 10)));
        LlmRequest tiny = LlmRequest.plain("smollm2", List.of(), List.of(LlmMessage.user("hi")), 48, Sampling.DEFAULT);
        tokens.accounted("p", tiny, reply(new Usage(500, 10)));
        assertFalse(tokens.of("p", "smollm2").learned());
    }

    @Test
    void aStatedContextKeepsTheLearnedScale() {
        long estimate = TokenEstimate.of(LOGS);
        tokens.accounted("llamacpp", LOGS, reply(new Usage((int) (estimate * 2), 10)));
        tokens.context("llamacpp", "smollm2", 8192, "GET /props");
        assertEquals(new ModelTokens.Measure(2, OptionalInt.of(8192), true), rounded(tokens.of("llamacpp", "smollm2")));
    }

    private static ModelTokens.Measure rounded(ModelTokens.Measure m) {
        return new ModelTokens.Measure(Math.round(m.scale() * 100) / 100.0, m.context(), m.learned());
    }

    private static LlmResponse reply(Usage usage) {
        return LlmResponse.text("Check the NVMe firmware and the cable first.", FinishReason.STOP, usage, "smollm2",
                                Optional.empty());
    }

    private static ContextTooLongException overflow(OptionalInt context, OptionalInt prompt) {
        return new ContextTooLongException("llamacpp", 400, "too long", context, prompt, Optional.empty());
    }
}
