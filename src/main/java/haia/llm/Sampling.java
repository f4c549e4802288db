package haia.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * How to sample the reply, as far as the client chose (each provider translates what it has; docs/providers.md says
 * what each ignores).
 *
 * @param temperature      OpenAI's scale 0..2
 * @param topP             nucleus sampling 0..1
 * @param stop             stop sequences
 * @param user             an opaque end-user id for the provider's abuse tracking
 * @param seed             a seed for repeatable sampling
 * @param frequencyPenalty -2..2
 * @param presencePenalty  -2..2
 */
public record Sampling(OptionalDouble temperature, OptionalDouble topP, List<String> stop, Optional<String> user,
                       OptionalLong seed, OptionalDouble frequencyPenalty, OptionalDouble presencePenalty) {

    public static final Sampling DEFAULT = new Sampling(OptionalDouble.empty(), OptionalDouble.empty(), List.of(),
                                                        Optional.empty(), OptionalLong.empty(), OptionalDouble.empty(),
                                                        OptionalDouble.empty());

    public Sampling {
        Objects.requireNonNull(temperature, "temperature");
        Objects.requireNonNull(topP, "topP");
        stop = List.copyOf(stop);
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(frequencyPenalty, "frequencyPenalty");
        Objects.requireNonNull(presencePenalty, "presencePenalty");
    }

    public Sampling withTemperature(OptionalDouble value) {
        return new Sampling(value, topP, stop, user, seed, frequencyPenalty, presencePenalty);
    }
}
