package haia.usage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.config.HaiaConfig;
import haia.llm.ProviderDescriptor;
import haia.llm.Providers;

/**
 * The price of every configured model, decided once at start:
 * <ol>
 *     <li>{@code models[].price} in the YAML, when set (cache prices left out: as the provider bills them, for
 *         example Anthropic's multipliers for a Claude model);</li>
 *     <li>free for a model on a local server: what the provider's descriptor says is local (Ollama, an
 *         OpenAI-compatible server other than OpenAI's own API);</li>
 *     <li>the provider's built-in prices ({@link ProviderDescriptor#prices()});</li>
 *     <li>otherwise unknown: the model's tokens are counted, its cost is not, and start-up logs a warning saying how
 *         to set the price.</li>
 * </ol>
 */
public final class Prices {

    /** Where a model's price comes from. */
    public enum Source {
        CONFIGURED, LOCAL, BUILT_IN, UNKNOWN
    }

    /** A model's price and its source; {@code price} is empty when the source is {@link Source#UNKNOWN}. */
    public record Resolved(Optional<Price> price, Source source) {
    }

    private final Map<String, Resolved> byModel;

    private Prices(Map<String, Resolved> byModel) {
        this.byModel = Map.copyOf(byModel);
    }

    public static Prices of(HaiaConfig config) {
        Map<String, Resolved> byModel = new LinkedHashMap<>();
        for (HaiaConfig.Model model : config.models()) {
            byModel.put(model.id(), resolve(model, config.providers().get(model.provider())));
        }
        return new Prices(byModel);
    }

    static Resolved resolve(HaiaConfig.Model model, HaiaConfig.Provider provider) {
        Optional<ProviderDescriptor> descriptor = Optional.ofNullable(provider)
                .flatMap(p -> Providers.byType(p.type()));
        ProviderPrices prices = descriptor.map(ProviderDescriptor::prices).orElse(ProviderPrices.NONE);
        if (model.price().isPresent()) {
            return new Resolved(Optional.of(configured(model.price().get(), prices)), Source.CONFIGURED);
        }
        if (descriptor.filter(d -> d.local().test(provider.baseUrl())).isPresent()) {
            return new Resolved(Optional.of(Price.FREE), Source.LOCAL);
        }
        return prices.find(model.upstreamModel())
                .map(price -> new Resolved(Optional.of(price), Source.BUILT_IN))
                .orElse(new Resolved(Optional.empty(), Source.UNKNOWN));
    }

    /** The built-in price of a provider type's model, if it has one. */
    public static Optional<Price> builtIn(String providerType, String upstreamModel) {
        return Providers.byType(providerType).flatMap(descriptor -> descriptor.prices().find(upstreamModel));
    }

    private static Price configured(HaiaConfig.PriceSetting setting, ProviderPrices prices) {
        Rate input = Rate.usdPerMillion(setting.input());
        Rate output = Rate.usdPerMillion(setting.output());
        Price filled = prices.cacheRates().price(input, output);
        return new Price(input, output, setting.cacheRead().map(Rate::usdPerMillion).orElse(filled.cacheRead()),
                         setting.cacheWrite().map(Rate::usdPerMillion).orElse(filled.cacheWrite()));
    }

    /** The price of the model with this id; empty when unknown. */
    public Optional<Price> price(String modelId) {
        Resolved resolved = byModel.get(modelId);
        return resolved == null ? Optional.empty() : resolved.price();
    }

    public Resolved resolved(String modelId) {
        return byModel.getOrDefault(modelId, new Resolved(Optional.empty(), Source.UNKNOWN));
    }

    /** One phrase per model for the start-up log: {@code haia: built-in (input 1, output 5, ...)}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        byModel.forEach((id, resolved) -> parts.add(id + ": " + switch (resolved.source()) {
            case CONFIGURED -> "configured, " + resolved.price().orElseThrow();
            case BUILT_IN -> "built-in (" + ProviderPrices.AS_OF + "), " + resolved.price().orElseThrow();
            case LOCAL -> "local, free";
            case UNKNOWN -> "unknown";
        }));
        return String.join("; ", parts);
    }

    /** A warning per paid model whose price HAIA does not know. */
    public List<String> warnings(HaiaConfig config) {
        List<String> warnings = new ArrayList<>();
        for (HaiaConfig.Model model : config.models()) {
            if (resolved(model.id()).source() == Source.UNKNOWN) {
                warnings.add("Model '" + model.id() + "' (" + model.provider() + " " + model.upstreamModel()
                                     + ") has no known price: its tokens are counted but not its cost (/v1/usage"
                                     + " counts its calls as unpriced_requests). Set models[].price (input, output,"
                                     + " cache-read, cache-write in US dollars per million tokens) in the YAML");
            }
        }
        return warnings;
    }
}
