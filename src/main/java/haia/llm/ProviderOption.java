package haia.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A setting of one provider protocol, under {@code providers.<name>.<key>} in the YAML (e.g. Ollama's
 * {@code keep-alive}). Configuration loading checks a configured value against {@link #allowed} and fills in
 * {@link #defaultValue}; the protocol reads the checked value from its {@code HaiaConfig.Provider}.
 *
 * @param key          the YAML key
 * @param env          the variable that sets it for the provider named like the type, if any
 * @param defaultValue the value when nothing sets it
 * @param allowed      the only values it may take; empty for free text
 * @param description  what it does, for messages
 */
public record ProviderOption(String key, Optional<String> env, Optional<String> defaultValue, List<String> allowed,
                             String description) {

    public ProviderOption {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(defaultValue, "defaultValue");
        allowed = List.copyOf(allowed);
        Objects.requireNonNull(description, "description");
    }

    /** What is wrong with a configured value, if anything. */
    public Optional<String> problem(String value) {
        if (allowed.isEmpty() || allowed.contains(value)) {
            return Optional.empty();
        }
        return Optional.of("must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
}
