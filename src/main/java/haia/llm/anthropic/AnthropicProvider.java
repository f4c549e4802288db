package haia.llm.anthropic;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;

/** Claude through Anthropic's Messages API: how it is configured. */
public final class AnthropicProvider {

    public static final ProviderDescriptor DESCRIPTOR = new ProviderDescriptor(
            "anthropic",
            URI.create("https://api.anthropic.com"),
            "claude-haiku-4-5-20251001",
            true,
            "ANTHROPIC_BASE_URL",
            Optional.of("ANTHROPIC_API_KEY"),
            List.of(),
            EnumSet.allOf(Capability.class),   // every current Claude model reads images, uses tools and thinks
            true,
            AnthropicProtocol::new);

    private AnthropicProvider() {
    }
}
