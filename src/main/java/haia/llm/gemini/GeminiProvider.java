package haia.llm.gemini;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import haia.llm.Capability;
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
            EnumSet.allOf(Capability.class),   // Gemini 2.5 and later read images, use tools, think and answer in JSON
            false,                             // fileData takes Google's file URIs only: HAIA sends image bytes
            GeminiProtocol::new);

    private GeminiProvider() {
    }
}
