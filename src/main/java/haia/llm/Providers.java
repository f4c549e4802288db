package haia.llm;

import java.util.List;
import java.util.Optional;

import haia.config.HaiaConfig;
import haia.llm.anthropic.AnthropicProvider;
import haia.llm.gemini.GeminiProvider;
import haia.llm.ollama.OllamaProvider;
import haia.llm.openai.OpenAiProvider;
import haia.observe.Redactor;

/**
 * The provider protocols HAIA speaks. A fifth is one package (its descriptor and protocol mapping) and one line in
 * {@link #ALL}: configuration, the environment table and the client come from the descriptor.
 */
public final class Providers {

    /** Every protocol, in the order the documentation lists them. */
    public static final List<ProviderDescriptor> ALL = List.of(
            AnthropicProvider.DESCRIPTOR,
            OllamaProvider.DESCRIPTOR,
            OpenAiProvider.DESCRIPTOR,
            GeminiProvider.DESCRIPTOR);

    private Providers() {
    }

    public static Optional<ProviderDescriptor> byType(String type) {
        return ALL.stream().filter(d -> d.type().equals(type)).findFirst();
    }

    /**
     * The client for {@code provider}: the shared HTTP skeleton driving its protocol, behind the
     * {@link SanitizedLlmClient} that cleans everything it hands back. No other way to get a provider client exists,
     * so no upstream text reaches HAIA uncleaned.
     */
    public static LlmClient create(HaiaConfig.Provider provider, HaiaConfig.Resilience resilience, Redactor redactor) {
        ProviderDescriptor descriptor = byType(provider.type()).orElseThrow(() -> new IllegalArgumentException(
                "Provider '" + provider.name() + "' has unsupported type '" + provider.type() + "'"));
        UpstreamClient client = new UpstreamClient(provider, descriptor.protocol().apply(provider),
                                                   UpstreamHttp.Settings.of(resilience));
        return new SanitizedLlmClient(client, redactor);
    }
}
