package haia.llm.gemini;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.usage.Price;
import haia.usage.ProviderPrices;
import haia.usage.Rate;

/** Google's Gemini through the Developer API: how it is configured. */
public final class GeminiProvider {

    /** HAIA's default model at Google's price (cache reads at a tenth of the input price, no cache writes). */
    static final ProviderPrices PRICES = new ProviderPrices(
            "third-party copies of ai.google.dev/gemini-api/docs/pricing (unverified; cache read price unverified)",
            Map.of("gemini-2.5-flash", new Price(Rate.usdPerMillion("0.3"), Rate.usdPerMillion("2.5"),
                                                 Rate.usdPerMillion("0.03"), Rate.usdPerMillion("0.3"))),
            ProviderPrices.CacheRates.AT_INPUT_RATE);

    public static final ProviderDescriptor DESCRIPTOR = new ProviderDescriptor(
            "gemini",
            URI.create("https://generativelanguage.googleapis.com"),
            "gemini-2.5-flash",
            true,
            "GEMINI_BASE_URL",
            Optional.of("GEMINI_API_KEY"),
            List.of(),
            EnumSet.allOf(Capability.class),   // Gemini 2.5 and later read images, use tools, think and answer in JSON
            false,                             // fileData takes Google's file URIs only: HAIA sends image bytes
            PRICES,
            baseUrl -> false,
            GeminiProtocol::new);

    private GeminiProvider() {
    }
}
