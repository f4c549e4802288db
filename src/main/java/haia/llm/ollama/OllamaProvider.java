package haia.llm.ollama;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.llm.ProviderOption;
import haia.usage.ProviderPrices;

/** A local model through Ollama's native chat API: how it is configured. */
public final class OllamaProvider {

    /** How long Ollama keeps the model loaded after a request ({@code keep_alive}). */
    static final ProviderOption KEEP_ALIVE = new ProviderOption(
            "keep-alive", Optional.of("OLLAMA_KEEP_ALIVE"), Optional.of("5m"), List.of(),
            "how long Ollama keeps the model loaded after a request");

    public static final ProviderDescriptor DESCRIPTOR = new ProviderDescriptor(
            "ollama",
            URI.create("http://localhost:11434"),
            "llama3.2",
            false,
            "OLLAMA_BASE_URL",
            Optional.empty(),   // local Ollama needs none; ollama.com and proxies take a bearer key from the YAML
            List.of(KEEP_ALIVE),
            // what nearly every local chat model can do; images and thinking depend on the model (llava, qwen2.5vl;
            // qwen3, gpt-oss): say so in the model's capabilities
            EnumSet.of(Capability.TOOLS, Capability.JSON),
            false,
            ProviderPrices.NONE,
            baseUrl -> true,   // models on the operator's own hardware: free (ollama.com's paid ones: priced in the YAML)
            OllamaProtocol::new);

    private OllamaProvider() {
    }
}
