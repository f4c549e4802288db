package haia.usage;

import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What one provider's calls cost, as its descriptor states it ({@code haia.llm.ProviderDescriptor#prices}): the
 * built-in price of the models people commonly choose, and how a price configured with only an input and an output
 * rate gets its cache rates. Built-in prices are the standard (not batch) API prices in US dollars per million
 * tokens, read from {@code source} on {@link #AS_OF}; docs/operations.md "Prices" lists them with their sources and
 * says which could not be checked against the provider's own page. Prices change: {@code models[].price} in the YAML overrides any of them,
 * and the price in force is stored with each call, so a change never rewrites earlier costs.
 *
 * <p>Not modelled: Anthropic's 1-hour cache writes (2×; HAIA prices every write as a 5-minute one), long-context
 * surcharges, batch and priority tiers, regional surcharges.
 *
 * @param source     where the built-in prices were read
 * @param models     built-in prices by model (its alias: dated snapshots cost what their alias costs)
 * @param cacheRates the price of a model from its input and output rates, cache reads and writes as the provider
 *                   bills them
 */
public record ProviderPrices(String source, Map<String, Price> models, CacheRates cacheRates) {

    /** When the built-in prices were read. */
    public static final LocalDate AS_OF = LocalDate.of(2026, 11, 25);

    /** No built-in prices; cache tokens, where the provider reports any, cost what input costs. */
    public static final ProviderPrices NONE = new ProviderPrices("", Map.of(), CacheRates.AT_INPUT_RATE);

    /** How the cache rates follow from the input and output rates. */
    @FunctionalInterface
    public interface CacheRates {

        /** Cache reads and writes at the input rate: OpenAI and Gemini bill no cache writes, so one is input. */
        CacheRates AT_INPUT_RATE = (input, output) -> new Price(input, output, input, input);

        Price price(Rate input, Rate output);
    }

    public ProviderPrices {
        java.util.Objects.requireNonNull(source, "source");
        models = Map.copyOf(models);
        java.util.Objects.requireNonNull(cacheRates, "cacheRates");
    }

    /**
     * The built-in price of an upstream model. Dated snapshots cost what their alias costs:
     * {@code claude-haiku-4-5-20251001} is {@code claude-haiku-4-5}, {@code gpt-4o-mini-2024-07-18} is
     * {@code gpt-4o-mini}; Gemini's {@code models/} prefix is ignored.
     */
    public Optional<Price> find(String upstreamModel) {
        String model = upstreamModel.strip().toLowerCase(Locale.ROOT).replaceFirst("^models/", "")
                .replaceFirst("-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$", "");
        return Optional.ofNullable(models.get(model));
    }
}
