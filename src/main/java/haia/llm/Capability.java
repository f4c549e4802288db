package haia.llm;

import java.util.Locale;
import java.util.Optional;

/**
 * What a model can be asked to do beyond plain text. Each provider type has defaults ({@link ProviderDescriptor});
 * a model's {@code capabilities} in the YAML replace them. A request that needs one its model lacks is refused with
 * a 400 naming the model and the capability.
 */
public enum Capability {
    /** Read pictures in user messages. */
    IMAGES,
    /** Call the client's tools. */
    TOOLS,
    /** Reason before answering ({@code reasoning_effort}). */
    THINKING,
    /** Answer in JSON ({@code response_format}). */
    JSON;

    /** The name in configuration and messages. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Capability> of(String configName) {
        for (Capability capability : values()) {
            if (capability.configName().equals(configName)) {
                return Optional.of(capability);
            }
        }
        return Optional.empty();
    }
}
