package haia.llm.openai;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.llm.ProviderOption;

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
            OpenAiProtocol::new);

    private OpenAiProvider() {
    }
}
