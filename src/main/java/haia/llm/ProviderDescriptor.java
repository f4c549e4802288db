package haia.llm;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import haia.config.HaiaConfig;
import haia.usage.ProviderPrices;

/**
 * Everything HAIA needs to know about one upstream protocol before it talks to it: how it is configured (its type
 * name, default URL and model, whether it needs a key, the environment variables that set them, its own options),
 * what its calls cost, and how to build its {@link ProviderProtocol} from a configured provider. Each provider package exports one;
 * {@link Providers#ALL} lists them, and configuration loading reads nothing about providers but these.
 *
 * @param type           the protocol's name in configuration ({@code HAIA_PROVIDER}, {@code providers.x.type})
 * @param defaultBaseUrl where the provider listens unless configured otherwise
 * @param defaultModel   the upstream model of the environment-only set-up when {@code HAIA_MODEL} is not set
 * @param keyRequired    whether the protocol refuses to work without an API key
 * @param baseUrlEnv     the variable that sets the base URL of the provider named like the type
 * @param apiKeyEnv      the variable that sets its key, when the key can come from the environment (a
 *                       {@code _FILE} variant is read too)
 * @param options        the protocol's own settings under {@code providers.<name>}
 * @param capabilities   what its models can do unless a model's {@code capabilities} say otherwise
 * @param imageUrls      whether the provider takes http(s) image URLs itself (else HAIA fetches the image and sends
 *                       its bytes)
 * @param prices         its models' built-in prices, and how a configured price gets its cache rates
 * @param local          whether a server at this base URL runs on the operator's own machines, so that its calls
 *                       cost nothing (unless the model's price is configured)
 * @param protocol       the protocol mapping for one configured provider
 */
public record ProviderDescriptor(String type,
                                 URI defaultBaseUrl,
                                 String defaultModel,
                                 boolean keyRequired,
                                 String baseUrlEnv,
                                 Optional<String> apiKeyEnv,
                                 List<ProviderOption> options,
                                 Set<Capability> capabilities,
                                 boolean imageUrls,
                                 ProviderPrices prices,
                                 Predicate<URI> local,
                                 Function<HaiaConfig.Provider, ProviderProtocol> protocol) {

    public ProviderDescriptor {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultBaseUrl, "defaultBaseUrl");
        Objects.requireNonNull(defaultModel, "defaultModel");
        Objects.requireNonNull(baseUrlEnv, "baseUrlEnv");
        Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
        options = List.copyOf(options);
        capabilities = Set.copyOf(capabilities);
        Objects.requireNonNull(prices, "prices");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(protocol, "protocol");
    }

    /** The option with this key, if the protocol has it. */
    public Optional<ProviderOption> option(String key) {
        return options.stream().filter(o -> o.key().equals(key)).findFirst();
    }
}
