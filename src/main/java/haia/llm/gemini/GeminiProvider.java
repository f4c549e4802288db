package haia.llm.gemini;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import haia.llm.ProviderDescriptor;

/** Google's Gemini through the Developer API: how it is configured. */
public final class GeminiProvider {

    public static final ProviderDescriptor DESCRIPTOR = new ProviderDescriptor(
            "gemini",
            URI.create("https://generativelanguage.googleapis.com"),
            "gemini-2.5-flash",
            true,
            "GEMINI_BASE_URL",
            Optional.of("GEMINI_API_KEY"),
            List.of(),
            GeminiProtocol::new);

    private GeminiProvider() {
    }
}
