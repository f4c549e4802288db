package haia.config;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

import haia.llm.Capability;
import haia.llm.ProviderDescriptor;
import haia.llm.ProviderOption;
import haia.llm.Providers;

import io.helidon.config.Config;

/**
 * Reads the models and the providers they use (with their prices and capabilities) into {@link HaiaConfig}, and
 * checks what refers to a model. Kept apart from {@link ConfigLoader}, which hands it the typed values and the
 * problem list; what a provider type has (its settings, defaults, key) comes from its descriptor, never from here.
 */
final class ModelsConfigLoader {

    /** Settings every provider has; the rest are its protocol's own options ({@link ProviderDescriptor#options()}). */
    private static final Set<String> PROVIDER_KEYS = Set.of("type", "base-url", "api-key");
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

    private final ConfigValues values;
    private final Config config;
    private final List<String> problems;

    ModelsConfigLoader(ConfigValues values, List<String> problems) {
        this.values = values;
        this.config = values.config();
        this.problems = problems;
    }

    /**
     * The models list from YAML; without one, a single model {@code haia} served by {@code HAIA_PROVIDER} with
     * upstream model {@code HAIA_MODEL} (the simple, environment-only set-up).
     */
    List<HaiaConfig.Model> models(Path workDir) {
        List<Config> nodes = config.get("models").asNodeList().orElse(List.of());
        if (nodes.isEmpty()) {
            String provider = values.string("haia.provider").toLowerCase(Locale.ROOT);
            String upstream = values.optionalString("haia.model").orElse(Providers.byType(provider)
                                                                           .map(ProviderDescriptor::defaultModel)
                                                                           .orElse(""));
            return List.of(new HaiaConfig.Model("haia", provider, upstream, OptionalInt.empty(), OptionalDouble.empty(),
                                                Optional.empty(), OptionalInt.empty(), Optional.empty(),
                                                capabilities("haia.capabilities"), OptionalInt.empty(),
                                                Optional.empty()));
        }
        List<HaiaConfig.Model> models = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            String at = "models." + i;
            String id = values.string(at + ".id");
            if (!id.isEmpty() && !MODEL_ID.matcher(id).matches()) {
                problems.add(at + ".id: '" + id + "' is not a usable model id (letters, digits and ._:/- only)");
            }
            if (!seen.add(id)) {
                problems.add(at + ".id: model id '" + id + "' is declared twice");
            }
            String provider = values.string(at + ".provider");
            models.add(new HaiaConfig.Model(
                    id,
                    provider,
                    values.string(at + ".upstream-model"),
                    values.optionalPositiveInt(at + ".max-tokens"),
                    values.optionalTemperature(at + ".temperature"),
                    values.optionalString(at + ".persona-file").map(workDir::resolve),
                    values.optionalPositiveInt(at + ".context-window"),
                    values.optionalString(at + ".fallback"),
                    capabilities(at + ".capabilities"),
                    values.optionalPositiveInt(at + ".context-tokens"),
                    price(at + ".price")));
        }
        return models;
    }

    /**
     * What a model can do, when configured: a list ({@code [images, tools]}, or {@code images, tools} from a
     * variable) that replaces its provider type's defaults; {@code []} (or {@code none}) for plain text only.
     */
    Optional<Set<Capability>> capabilities(String key) {
        Config node = config.get(key);
        if (!node.exists()) {
            return Optional.empty();
        }
        List<String> names = values.list(key);
        if (node.type() != Config.Type.LIST && names.isEmpty()) {
            return Optional.empty();   // an empty variable: the defaults
        }
        Set<Capability> capabilities = java.util.EnumSet.noneOf(Capability.class);
        for (String name : names) {
            if (name.equalsIgnoreCase("none")) {
                continue;
            }
            Capability.of(name.toLowerCase(Locale.ROOT)).ifPresentOrElse(capabilities::add, () -> problems.add(
                    values.name(key) + ": unknown capability '" + name + "' (known: images, tools, thinking, json)"));
        }
        return Optional.of(capabilities);
    }

    /**
     * {@code models[].price}: {@code input} and {@code output} (required), {@code cache-read} and {@code cache-write}
     * (optional), each in US dollars per million tokens.
     */
    Optional<HaiaConfig.PriceSetting> price(String key) {
        Config node = config.get(key);
        if (!node.exists()) {
            return Optional.empty();
        }
        if (node.type() != Config.Type.OBJECT) {
            problems.add(values.name(key) + " must be a map with input, output, cache-read and cache-write (US dollars"
                                 + " per million tokens)");
            return Optional.empty();
        }
        node.asMap().orElse(Map.of()).keySet().stream()
                .map(k -> k.substring(key.length() + 1))
                .filter(k -> !Set.of("input", "output", "cache-read", "cache-write").contains(k))
                .forEach(k -> problems.add(values.name(key + "." + k) + ": unknown price key (known: input, output,"
                                                   + " cache-read, cache-write)"));
        Optional<BigDecimal> input = rate(key + ".input");
        Optional<BigDecimal> output = rate(key + ".output");
        for (String required : List.of("input", "output")) {
            if (values.optionalString(key + "." + required).isEmpty()) {
                problems.add(values.name(key + "." + required) + " is missing: a price needs input and output (US"
                                     + " dollars per million tokens; 0 for a free model)");
            }
        }
        Optional<BigDecimal> cacheRead = rate(key + ".cache-read");
        Optional<BigDecimal> cacheWrite = rate(key + ".cache-write");
        if (input.isEmpty() || output.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HaiaConfig.PriceSetting(input.get(), output.get(), cacheRead, cacheWrite));
    }

    /** A price in US dollars per million tokens, such as {@code 0.075}; empty when missing or invalid. */
    Optional<BigDecimal> rate(String key) {
        Optional<String> raw = values.optionalString(key);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            BigDecimal usd = new BigDecimal(raw.get());
            if (HaiaConfig.PriceSetting.valid(usd)) {
                return Optional.of(usd);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(values.name(key) + " must be US dollars per million tokens, a number from 0 to "
                             + HaiaConfig.PriceSetting.MAX_USD_PER_MILLION + " with at most 6 decimals (such as 0.075),"
                             + " got '" + raw.get() + "'");
        return Optional.empty();
    }

    Optional<String> defaultModel(List<HaiaConfig.Model> models) {
        Optional<String> configured = values.optionalString("default-model");
        if (config.get("models").asNodeList().orElse(List.of()).isEmpty()) {
            // environment-only set-up: the single model answers whatever model name a client sends
            return Optional.of(models.getFirst().id());
        }
        configured.ifPresent(id -> {
            if (models.stream().noneMatch(m -> m.id().equals(id))) {
                problems.add("default-model: '" + id + "' is not one of the configured models");
            }
        });
        return configured;
    }

    Map<String, HaiaConfig.Provider> providers(List<HaiaConfig.Model> models) {
        Map<String, HaiaConfig.Provider> providers = new LinkedHashMap<>();
        for (HaiaConfig.Model model : models) {
            String name = model.provider();
            if (name.isEmpty() || providers.containsKey(name)) {
                continue;
            }
            Config node = config.get("providers." + name);
            String type = node.get("type").asString().orElse(name).toLowerCase(Locale.ROOT);
            Optional<ProviderDescriptor> known = Providers.byType(type);
            if (known.isEmpty()) {
                problems.add("model '" + model.id() + "': provider '" + name + "' has unknown type '" + type
                                     + "' (known: " + String.join(", ", Providers.ALL.stream()
                                                                         .map(ProviderDescriptor::type).toList()) + ")");
                continue;
            }
            ProviderDescriptor descriptor = known.get();
            String at = "providers." + name;
            URI baseUrl = values.url(at + ".base-url", descriptor.defaultBaseUrl().toString());
            Optional<Secret> apiKey = values.secret(at + ".api-key");
            if (apiKey.isEmpty() && descriptor.keyRequired()) {
                problems.add(values.name(at + ".api-key") + " is required: model '" + model.id() + "' uses the "
                                     + type + " provider, which needs an API key");
            }
            if (model.upstreamModel().isBlank()) {
                problems.add("model '" + model.id() + "': no upstream model name (HAIA_MODEL or models[].upstream-model)");
            }
            Map<String, String> options = options(descriptor, at, node);
            providers.put(name, new HaiaConfig.Provider(name, type, baseUrl, apiKey, options,
                                                        values.setting(at + ".base-url"),
                                                        values.setting(at + ".api-key")));
        }
        return providers;
    }

    /**
     * A provider's own settings, as its protocol declares them: each checked, the defaults filled in, and anything
     * else under {@code providers.<name>} reported (a typo would otherwise be silently ignored).
     */
    Map<String, String> options(ProviderDescriptor descriptor, String at, Config node) {
        Map<String, String> options = new LinkedHashMap<>();
        node.asMap().orElse(Map.of()).forEach((key, value) -> {
            String option = key.substring(at.length() + 1);
            if (PROVIDER_KEYS.contains(option)) {
                return;
            }
            Optional<ProviderOption> known = descriptor.option(option);
            if (known.isEmpty()) {
                problems.add(values.name(key) + " is not a setting of the " + descriptor.type() + " provider (its"
                                     + " settings: " + String.join(", ", settingsOf(descriptor)) + ")");
            } else if (!value.isBlank()) {
                known.get().problem(value.strip()).ifPresentOrElse(
                        problem -> problems.add(values.name(key) + " " + problem),
                        () -> options.put(option, value.strip()));
            }
        });
        for (ProviderOption option : descriptor.options()) {
            option.defaultValue().ifPresent(value -> options.putIfAbsent(option.key(), value));
        }
        return options;
    }

    static List<String> settingsOf(ProviderDescriptor descriptor) {
        List<String> settings = new ArrayList<>(List.of("type", "base-url", "api-key"));
        descriptor.options().forEach(o -> settings.add(o.key()));
        return settings;
    }

    void checkModelReferences(List<HaiaConfig.Model> models, HaiaConfig.Tasks tasks) {
        Set<String> ids = new java.util.HashSet<>();
        models.forEach(m -> ids.add(m.id()));
        for (HaiaConfig.Model model : models) {
            model.fallback().ifPresent(fallback -> {
                if (!ids.contains(fallback)) {
                    problems.add("model '" + model.id() + "': fallback '" + fallback + "' is not a configured model");
                } else if (fallback.equals(model.id())) {
                    problems.add("model '" + model.id() + "': a model cannot be its own fallback");
                }
            });
            if (model.provider().isEmpty()) {
                problems.add("model '" + model.id() + "': no provider (HAIA_PROVIDER or models[].provider)");
            }
        }
        tasks.model().ifPresent(id -> {
            if (!ids.contains(id)) {
                problems.add("tasks.model: '" + id + "' is not one of the configured models");
            }
        });
    }
}
