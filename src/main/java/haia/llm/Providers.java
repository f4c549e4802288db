package haia.llm;

import haia.config.HaiaConfig;
import haia.llm.anthropic.AnthropicClient;
import haia.llm.gemini.GeminiClient;
import haia.llm.ollama.OllamaClient;
import haia.llm.openai.OpenAiCompatibleClient;

/** Creates the client for a configured provider, by its protocol type. */
public final class Providers {

    private Providers() {
    }

    public static LlmClient create(HaiaConfig.Provider provider, HaiaConfig.Resilience resilience) {
        return switch (provider.type()) {
            case "anthropic" -> new AnthropicClient(provider, resilience.connectTimeout(), resilience.requestTimeout());
            case "ollama" -> new OllamaClient(provider, resilience.connectTimeout(), resilience.requestTimeout());
            case "openai" -> new OpenAiCompatibleClient(provider, resilience.connectTimeout(), resilience.requestTimeout());
            case "gemini" -> new GeminiClient(provider, resilience.connectTimeout(), resilience.requestTimeout());
            default -> throw new IllegalArgumentException("Provider '" + provider.name() + "' has unsupported type '"
                                                                  + provider.type() + "'");
        };
    }
}
