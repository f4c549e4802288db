package haia.llm;

import haia.config.HaiaConfig;
import haia.llm.anthropic.AnthropicClient;

/** Creates the client for a configured provider, by its protocol type. */
public final class Providers {

    private Providers() {
    }

    public static LlmClient create(HaiaConfig.Provider provider, HaiaConfig.Resilience resilience) {
        return switch (provider.type()) {
            case "anthropic" -> new AnthropicClient(provider, resilience.connectTimeout(), resilience.requestTimeout());
            default -> throw new IllegalArgumentException("Provider '" + provider.name() + "' has unsupported type '"
                                                                  + provider.type() + "'");
        };
    }
}
