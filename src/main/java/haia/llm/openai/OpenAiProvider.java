package haia.llm.openai;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.llm.ProviderOption;
import haia.usage.Price;
import haia.usage.ProviderPrices;
import haia.usage.Rate;

/**
 * Any server speaking OpenAI's Chat Completions API (llama.cpp's server, vLLM, LM Studio, LocalAI, Ollama's
 * {@code /v1}, OpenAI itself): how it is configured. The base URL ends in {@code /v1}; the bearer key is optional,
 * since local servers usually run without one.
 */
public final class OpenAiProvider {

    /**
     * The field that carries the token limit: OpenAI's own API wants {@code max_completion_tokens} (its reasoning
     * models reject {@code max_tokens}), local servers know {@code max_tokens}. Unset, it follows the host.
     */
    static final ProviderOption TOKEN_LIMIT_FIELD = new ProviderOption(
            "token-limit-field", Optional.empty(), Optional.empty(), List.of("max_tokens", "max_completion_tokens"),
            "the request field that carries the token limit");

    /** OpenAI's own API: the only OpenAI-compatible server that bills. */
    private static final String OPENAI_HOST = "api.openai.com";

    /** HAIA's default model at OpenAI's price (cache reads at half the input price, no cache writes). */
    static final ProviderPrices PRICES = new ProviderPrices(
            "third-party copies of openai.com/api/pricing (unverified: OpenAI's page no longer lists gpt-4o-mini)",
            Map.of("gpt-4o-mini", new Price(Rate.usdPerMillion("0.15"), Rate.usdPerMillion("0.6"),
                                            Rate.usdPerMillion("0.075"), Rate.usdPerMillion("0.15"))),
            ProviderPrices.CacheRates.AT_INPUT_RATE);

    public static final ProviderDescriptor DESCRIPTOR = new ProviderDescriptor(
            "openai",
            URI.create("https://api.openai.com/v1"),
            "gpt-4o-mini",
            false,
            "OPENAI_BASE_URL",
            Optional.of("OPENAI_API_KEY"),
            List.of(TOKEN_LIMIT_FIELD),
            // everything is passed through: the server itself says what its model cannot do
            EnumSet.allOf(Capability.class),
            true,
            PRICES,
            // llama.cpp, vLLM, LM Studio, LocalAI at home: anything but OpenAI's own API (a paid proxy or hosted
            // service is priced in the YAML, which comes first)
            baseUrl -> !OPENAI_HOST.equalsIgnoreCase(baseUrl.getHost()),
            OpenAiProtocol::new);

    private OpenAiProvider() {
    }
}
