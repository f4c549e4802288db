package haia.llm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import haia.config.HaiaConfig;

/**
 * The models HAIA offers, each bound to the client of its provider. Built once at start.
 */
public final class ModelRegistry {

    /**
     * A model clients can ask for.
     *
     * @param settings     its configuration entry
     * @param client       the provider client that serves it
     * @param capabilities what it can do (configured, or its provider type's defaults)
     * @param imageUrls    whether its provider takes image URLs itself (else HAIA fetches them)
     */
    public record Route(HaiaConfig.Model settings, LlmClient client, Set<Capability> capabilities, boolean imageUrls) {
        public Route {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(client, "client");
            capabilities = Set.copyOf(capabilities);
        }

        /** The route for a configured model served by a provider of this protocol. */
        public static Route of(HaiaConfig.Model settings, LlmClient client, ProviderDescriptor protocol) {
            return new Route(settings, client, settings.capabilities().orElse(protocol.capabilities()),
                             protocol.imageUrls());
        }

        public boolean can(Capability capability) {
            return capabilities.contains(capability);
        }

        public String id() {
            return settings.id();
        }

        public String provider() {
            return client.provider();
        }

        public String upstreamModel() {
            return settings.upstreamModel();
        }
    }

    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final Optional<String> defaultModel;
    private final ModelTokens tokens = new ModelTokens();

    public ModelRegistry(List<Route> routes, Optional<String> defaultModel) {
        routes.forEach(route -> this.routes.put(route.id(), route));
        this.defaultModel = defaultModel;
    }

    /** What HAIA has learned of the models' tokens and context sizes since it started. */
    public ModelTokens tokens() {
        return tokens;
    }

    /** What HAIA has learned of one model's tokens and context size. */
    public ModelTokens.Measure measure(Route route) {
        return tokens.of(route.provider(), route.upstreamModel());
    }

    /** Every model, in configuration order. */
    public List<Route> all() {
        return List.copyOf(routes.values());
    }

    public Optional<Route> find(String id) {
        return Optional.ofNullable(routes.get(id));
    }

    /**
     * The model for a request: the one named, else the default model.
     *
     * @throws UnknownModelException when the name is unknown and no default is configured
     */
    public Route resolve(Optional<String> requested) {
        if (requested.isPresent() && routes.containsKey(requested.get())) {
            return routes.get(requested.get());
        }
        return defaultModel.map(routes::get).orElseThrow(() -> new UnknownModelException(
                requested.orElse("(none)"), List.copyOf(routes.keySet())));
    }

    /** The route followed by its fallbacks, in the order they are tried (each model at most once). */
    public List<Route> withFallbacks(Route first) {
        List<Route> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Route current = first;
        while (current != null && seen.add(current.id())) {
            chain.add(current);
            current = current.settings().fallback().map(routes::get).orElse(null);
        }
        return chain;
    }

    /** The models for the start-up log: id, provider and upstream model, fallback, and the default model. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (Route route : routes.values()) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(route.id()).append(" (").append(route.provider()).append(' ').append(route.upstreamModel());
            route.settings().fallback().ifPresent(f -> text.append(", falls back to ").append(f));
            text.append(')');
        }
        defaultModel.ifPresent(d -> text.append("; default model ").append(d));
        return text.toString();
    }
}
