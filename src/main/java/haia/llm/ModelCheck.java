package haia.llm;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a provider answers HAIA's start-up question "are you there, is HAIA's key good, do you have this model"
 * (never asked per request): one cheap request, what its 200 body says, and what a 404 means. Any other failure
 * (unreachable, key rejected) is the protocol's {@link ProviderProtocol#failure} and is reported as such.
 *
 * @param request    the lookup or list request
 * @param answer     what is wrong according to a 200 body (e.g. the model is not in the list); empty when fine
 * @param whenAbsent what a 404 means: the problem to report, or empty when the server cannot tell (no such endpoint)
 */
public record ModelCheck(UpstreamRequest request, Function<byte[], Optional<String>> answer,
                         Optional<String> whenAbsent) {

    public ModelCheck {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(whenAbsent, "whenAbsent");
    }

    /** A lookup whose 200 means "there" and whose 404 means {@code problem}. */
    public static ModelCheck lookup(UpstreamRequest request, String problem) {
        return new ModelCheck(request, body -> Optional.empty(), Optional.of(problem));
    }
}
