package haia.llm;

import java.util.Objects;
import java.util.Optional;

/**
 * A finished model reply.
 *
 * @param text              the whole reply text
 * @param finishReason      why generation ended
 * @param usage             tokens billed
 * @param upstreamModel     the model that answered, as the provider named it
 * @param upstreamRequestId the provider's request id, for support tickets and log correlation
 */
public record LlmResponse(String text,
                          FinishReason finishReason,
                          Usage usage,
                          String upstreamModel,
                          Optional<String> upstreamRequestId) {

    public LlmResponse {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        Objects.requireNonNull(upstreamRequestId, "upstreamRequestId");
    }
}
