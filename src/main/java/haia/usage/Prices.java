package haia.usage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.config.HaiaConfig;

/**
 * The price of every configured model, decided once at start:
 * <ol>
 *     <li>{@code models[].price} in the YAML, when set (cache prices left out: Anthropic's multipliers for a Claude
 *         model, else the input price);</li>
 *     <li>free for local models: Ollama, and OpenAI-compatible servers other than {@code api.openai.com};</li>
 *     <li>the built-in {@link PriceTable};</li>
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

    private static final String OPENAI_HOST = "api.openai.com";

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
        String type = provider == null ? "" : provider.type();
        if (model.price().isPresent()) {
            return new Resolved(Optional.of(configured(model.price().get(), type)), Source.CONFIGURED);
        }
        boolean local = type.equals("ollama")
                || type.equals("openai") && !OPENAI_HOST.equalsIgnoreCase(provider.baseUrl().getHost());
        if (local) {
            return new Resolved(Optional.of(Price.FREE), Source.LOCAL);
        }
        return PriceTable.find(type, model.upstreamModel())
                .map(entry -> new Resolved(Optional.of(entry.price()), Source.BUILT_IN))
                .orElse(new Resolved(Optional.empty(), Source.UNKNOWN));
    }

    private static Price configured(HaiaConfig.PriceSetting setting, String type) {
        Rate input = Rate.usdPerMillion(setting.input());
        Rate output = Rate.usdPerMillion(setting.output());
        Price filled = type.equals("anthropic") ? Price.anthropic(input, output) : new Price(input, output, input, input);
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
            case BUILT_IN -> "built-in (" + PriceTable.AS_OF + "), " + resolved.price().orElseThrow();
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
