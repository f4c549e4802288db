package haia.usage;

import java.util.Objects;
import java.util.Optional;

import haia.llm.Usage;

/**
 * What one model call cost: the tokens the provider billed and the price in force when it answered. Both are stored
 * with the call ({@code model_calls}), so a price changed later does not rewrite what earlier calls cost.
 *
 * @param usage the billed tokens (already checked for plausibility)
 * @param price the model's price at the time; empty when HAIA knows none (a paid model missing from the built-in
 *              table and without {@code models[].price}): the tokens are counted, the cost is not
 */
public record Charge(Usage usage, Optional<Price> price) {

    public Charge {
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(price, "price");
    }

    /** The exact cost, when the price is known. */
    public Optional<Cost> cost() {
        return price.map(p -> p.cost(usage));
    }
}
