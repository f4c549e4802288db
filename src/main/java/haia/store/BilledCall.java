package haia.store;

import java.util.Objects;

import haia.usage.Charge;

/**
 * One model call a provider billed, for the usage ledger ({@code model_calls}).
 *
 * @param model         HAIA's id of the model that answered (a fallback's, when a fallback answered)
 * @param provider      the provider that served it
 * @param upstreamModel the provider's name for the model that answered, as its reply said
 * @param charge        its tokens and the price in force
 * @param owner         whose request it answered ({@link Owners})
 */
public record BilledCall(String model, String provider, String upstreamModel, Charge charge, String owner) {

    public BilledCall {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        Objects.requireNonNull(charge, "charge");
        Objects.requireNonNull(owner, "owner");
    }

    /** A call of the single user's. */
    public BilledCall(String model, String provider, String upstreamModel, Charge charge) {
        this(model, provider, upstreamModel, charge, Owners.SINGLE_USER);
    }
}
