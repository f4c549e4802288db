package haia.llm;

import haia.config.HaiaConfig;
import haia.observe.Redactor;
import haia.llm.anthropic.AnthropicClient;
import haia.llm.gemini.GeminiClient;
import haia.llm.ollama.OllamaClient;
import haia.llm.openai.OpenAiCompatibleClient;

/** Creates the client for a configured provider, by its protocol type. */
public final class Providers {

    private Providers() {
    }

    /**
     * The client for {@code provider}, behind the {@link SanitizedLlmClient} that cleans everything it hands back:
     * no other way to get a provider client exists, so no upstream text reaches HAIA uncleaned.
     */
    public static LlmClient create(HaiaConfig.Provider provider, HaiaConfig.Resilience resilience, Redactor redactor) {
        UpstreamHttp.Settings http = UpstreamHttp.Settings.of(resilience);
        LlmClient raw = switch (provider.type()) {
            case "anthropic" -> new AnthropicClient(provider, http);
            case "ollama" -> new OllamaClient(provider, http);
            case "openai" -> new OpenAiCompatibleClient(provider, http);
            case "gemini" -> new GeminiClient(provider, http);
            default -> throw new IllegalArgumentException("Provider '" + provider.name() + "' has unsupported type '"
                                                                  + provider.type() + "'");
        };
        return new SanitizedLlmClient(raw, redactor);
    }
}
