package haia.llm.anthropic;

import java.net.URI;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.usage.Price;
import haia.usage.ProviderPrices;
import haia.usage.Rate;

/** Claude through Anthropic's Messages API: how it is configured, and what its models cost. */
public final class AnthropicProvider {

    /** Input and output prices of the Claude models people commonly choose, US dollars per million tokens. */
    private static final Map<String, Price> MODELS = new LinkedHashMap<>();

    static {
        claude("claude-haiku-4-5", "1", "5");
        claude("claude-sonnet-4-5", "3", "15");
        claude("claude-sonnet-4-6", "3", "15");
        claude("claude-sonnet-5", "2", "10");
        claude("claude-opus-4-5", "5", "25");
        claude("claude-opus-4-6", "5", "25");
        claude("claude-opus-4-7", "5", "25");
        claude("claude-opus-4-8", "5", "25");
        claude("claude-opus-5", "5", "25");
        claude("claude-sonnet-4", "3", "15");
        claude("claude-sonnet-4-0", "3", "15");
        claude("claude-opus-4-1", "15", "75");
        claude("claude-opus-4", "15", "75");
        claude("claude-opus-4-0", "15", "75");
    }

    /** Cache reads at a tenth of the input price, 5-minute cache writes at 1.25 times ({@link Price#anthropic}). */
    static final ProviderPrices PRICES = new ProviderPrices(
            "Anthropic, platform.claude.com/docs/en/about-claude/pricing", MODELS, Price::anthropic);

    public static final ProviderDescriptor DESCRIPTOR = new ProviderDescriptor(
            "anthropic",
            URI.create("https://api.anthropic.com"),
            "claude-haiku-4-5-20251001",
            true,
            "ANTHROPIC_BASE_URL",
            Optional.of("ANTHROPIC_API_KEY"),
            List.of(),
            EnumSet.allOf(Capability.class),   // every current Claude model reads images, uses tools and thinks
            true,
            PRICES,
            baseUrl -> false,   // a proxy in front of Anthropic still bills Anthropic's prices
            AnthropicProtocol::new);

    private AnthropicProvider() {
    }

    private static void claude(String model, String input, String output) {
        MODELS.put(model, Price.anthropic(Rate.usdPerMillion(input), Rate.usdPerMillion(output)));
    }
}
