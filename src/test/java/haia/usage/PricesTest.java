package haia.usage;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.config.ConfigException;
import haia.config.ConfigLoader;
import haia.config.HaiaConfig;
import haia.llm.ProviderDescriptor;
import haia.llm.Providers;
import haia.llm.Usage;
import haia.llm.anthropic.AnthropicProvider;
import haia.llm.gemini.GeminiProvider;
import haia.llm.ollama.OllamaProvider;
import haia.llm.openai.OpenAiProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prices: exact money, the built-in table, {@code models[].price} in the YAML, and which models are free. */
class PricesTest {

    @TempDir
    Path dir;

    @Test
    void moneyIsExactToThePicodollar() {
        assertEquals(75_000, Rate.usdPerMillion("0.075").microUsdPerMillion());
        assertEquals(new Cost(75_000), Rate.usdPerMillion("0.075").of(1), "one cached gpt-4o-mini token");
        assertEquals(new BigDecimal("0.000000075"), Rate.usdPerMillion("0.075").of(1).usd());
        // a million calls of one token each add up to exactly what one call of a million tokens costs
        Cost sum = Cost.ZERO;
        for (int i = 0; i < 1_000_000; i++) {
            sum = sum.plus(Rate.usdPerMillion("0.075").of(1));
        }
        assertEquals(new BigDecimal("0.075"), sum.usd());
        assertEquals("10", new Cost(10_000_000_000_000L).usd().toPlainString(), "never 1E+1");
        for (String bad : List.of("-1", "10000.01", "0.0000001")) {
            assertThrows(IllegalArgumentException.class, () -> Rate.usdPerMillion(bad), bad);
        }
    }

    @Test
    void eachPromptTokenIsBilledOnceAtItsKind() {
        Price haiku = Price.anthropic(Rate.usdPerMillion("1"), Rate.usdPerMillion("5"));
        assertEquals(Rate.usdPerMillion("0.1"), haiku.cacheRead(), "cache hits at a tenth");
        assertEquals(Rate.usdPerMillion("1.25"), haiku.cacheWrite(), "5-minute writes at 1.25 times");
        // 1,000 uncached + 8,000 read + 1,000 written, 500 out
        Usage usage = new Usage(10_000, 500, 8_000, 1_000);
        assertEquals(new BigDecimal("0.00555"), haiku.cost(usage).usd(), "0.001 + 0.0008 + 0.00125 + 0.0025");
        assertEquals(Cost.ZERO, Price.FREE.cost(usage));
        // a configured price finer than its multiples can keep rounds them to the micro-dollar per million tokens
        Price fine = Price.anthropic(Rate.usdPerMillion("0.000015"), Rate.usdPerMillion("0.000075"));
        assertEquals(new Rate(2), fine.cacheRead(), "1.5 rounds to 2");
        assertEquals(new Rate(19), fine.cacheWrite(), "18.75 rounds to 19");
    }

    @Test
    void theBuiltInTableKnowsEachProvidersDefaultModelAndItsSnapshots() {
        for (String model : List.of("claude-haiku-4-5", "claude-haiku-4-5-20251001")) {
            Price haiku = Prices.builtIn("anthropic", model).orElseThrow();
            assertEquals(Price.anthropic(Rate.usdPerMillion("1"), Rate.usdPerMillion("5")), haiku, model);
        }
        assertEquals(Rate.usdPerMillion("3"), Prices.builtIn("anthropic", "claude-sonnet-4-5-20250929")
                .orElseThrow().input());
        assertEquals(Rate.usdPerMillion("25"), Prices.builtIn("anthropic", "claude-opus-4-5-20251101")
                .orElseThrow().output());
        Price mini = Prices.builtIn("openai", "gpt-4o-mini-2024-07-18").orElseThrow();
        assertEquals(new Price(Rate.usdPerMillion("0.15"), Rate.usdPerMillion("0.6"), Rate.usdPerMillion("0.075"),
                               Rate.usdPerMillion("0.15")), mini);
        assertEquals(Rate.usdPerMillion("2.5"), Prices.builtIn("gemini", "models/gemini-2.5-flash")
                .orElseThrow().output());
        assertTrue(Prices.builtIn("anthropic", "claude-3-opus-20240229").isEmpty());
        assertTrue(Prices.builtIn("openai", "claude-haiku-4-5").isEmpty(), "a price belongs to its provider");
        // every paid provider's default model (the environment-only set-up's) has its price
        for (ProviderDescriptor provider : Providers.ALL) {
            if (!provider.local().test(provider.defaultBaseUrl())) {
                assertTrue(provider.prices().find(provider.defaultModel()).isPresent(), provider.type());
            }
        }
    }

    @Test
    void eachProviderSaysWhichOfItsServersAreLocal() {
        assertFalse(OpenAiProvider.DESCRIPTOR.local().test(URI.create("https://API.openai.com/v1")), "OpenAI bills");
        assertTrue(OpenAiProvider.DESCRIPTOR.local().test(URI.create("http://desk.lan:8080/v1")), "llama.cpp at home");
        assertTrue(OllamaProvider.DESCRIPTOR.local().test(OllamaProvider.DESCRIPTOR.defaultBaseUrl()));
        assertFalse(AnthropicProvider.DESCRIPTOR.local().test(URI.create("http://127.0.0.1:8080")),
                    "a proxy in front of Anthropic still bills");
        assertFalse(GeminiProvider.DESCRIPTOR.local().test(GeminiProvider.DESCRIPTOR.defaultBaseUrl()));
    }

    private HaiaConfig load(String yaml) throws Exception {
        Files.writeString(dir.resolve("haia.yaml"), yaml);
        return ConfigLoader.load(Map.of("HAIA_CONFIG", "haia.yaml", "ANTHROPIC_API_KEY", "k", "GEMINI_API_KEY", "g",
                                        "OPENAI_API_KEY", "o"), dir);
    }

    @Test
    void theYamlPriceOverridesAndLocalModelsAreFree() throws Exception {
        HaiaConfig config = load("""
                models:
                  - id: haia
                    provider: anthropic
                    upstream-model: claude-haiku-4-5-20251001
                  - id: haia-sonnet
                    provider: anthropic
                    upstream-model: claude-sonnet-4-5
                    price: {input: 2.5, output: 12}
                  - id: haia-local
                    provider: ollama
                    upstream-model: qwen3:8b
                  - id: haia-box
                    provider: lmstudio
                    upstream-model: qwen2.5-coder
                  - id: haia-router
                    provider: openrouter
                    upstream-model: some/model
                    price: {input: "0.2", output: "0.8", cache-read: "0.05", cache-write: "0.25"}
                  - id: haia-mini
                    provider: openai
                    upstream-model: gpt-4o-mini
                  - id: haia-gpt5
                    provider: openai
                    upstream-model: gpt-5.5
                  - id: haia-legacy
                    provider: anthropic
                    upstream-model: claude-3-opus-20240229
                providers:
                  lmstudio: {type: openai, base-url: "http://desk:1234/v1"}
                  openrouter: {type: openai, base-url: "https://openrouter.ai/api/v1"}
                """);
        Prices prices = Prices.of(config);
        assertEquals(Prices.Source.BUILT_IN, prices.resolved("haia").source());
        assertEquals(new Prices.Resolved(Optional.of(Price.anthropic(Rate.usdPerMillion("2.5"),
                                                                     Rate.usdPerMillion("12"))), Prices.Source.CONFIGURED),
                     prices.resolved("haia-sonnet"), "Claude cache prices follow Anthropic's multipliers");
        assertEquals(new Prices.Resolved(Optional.of(Price.FREE), Prices.Source.LOCAL), prices.resolved("haia-local"));
        assertEquals(new Prices.Resolved(Optional.of(Price.FREE), Prices.Source.LOCAL), prices.resolved("haia-box"),
                     "an OpenAI-compatible server at home");
        assertEquals(new Price(Rate.usdPerMillion("0.2"), Rate.usdPerMillion("0.8"), Rate.usdPerMillion("0.05"),
                               Rate.usdPerMillion("0.25")), prices.price("haia-router").orElseThrow(),
                     "priced explicitly: not free although it is not api.openai.com");
        assertEquals(Prices.Source.BUILT_IN, prices.resolved("haia-mini").source());
        assertEquals(Prices.Source.UNKNOWN, prices.resolved("haia-gpt5").source());
        assertEquals(Prices.Source.UNKNOWN, prices.resolved("haia-legacy").source());
        List<String> warnings = prices.warnings(config);
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("'haia-gpt5'") && warnings.getFirst().contains("models[].price"),
                   warnings.getFirst());
    }

    @Test
    void aBadPriceIsAConfigErrorNamingTheKey() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                models:
                  - id: haia
                    provider: anthropic
                    upstream-model: claude-haiku-4-5
                    price: {input: one, output: -2, cache-raed: 0.1}
                  - id: haia-2
                    provider: anthropic
                    upstream-model: claude-haiku-4-5
                    price: {input: 1}
                  - id: haia-3
                    provider: anthropic
                    upstream-model: claude-haiku-4-5
                    price: 3
                """));
        List<String> problems = e.problems();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("models.0.price.input in ") && p.contains("'one'")),
                   problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("models.0.price.output") && p.contains("'-2'")),
                   problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("models.0.price.cache-raed") && p.contains("unknown")),
                   problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("models.1.price.output") && p.contains("missing")),
                   problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("models.2.price") && p.contains("must be a map")),
                   problems.toString());
        assertEquals(5, problems.size(), problems.toString());
    }
}
