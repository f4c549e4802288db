package haia;

import java.util.ArrayList;
import java.util.List;

import haia.config.HaiaConfig;
import haia.llm.LlmException;
import haia.llm.ModelRegistry;
import haia.observe.Redactor;

/** The start-up check of every configured model's provider (moved out of {@link Haia}). */
final class ProviderChecks {
    // logged under Haia's name, as before the move: operators filter on it
    private static final System.Logger LOG = System.getLogger(Haia.class.getName());

    private ProviderChecks() {
    }

    /**
     * Asks each provider, once, whether it is reachable, accepts HAIA's key and has the configured model (Anthropic
     * and Gemini look the model up, OpenAI-compatible servers list theirs, Ollama lists its pulled models), and logs
     * one warning per problem naming the setting to fix. The answers also seed {@code /health}'s provider
     * reachability. Problems are warnings, not start-up failures: a GPU box may boot after HAIA.
     *
     * @return the warnings logged
     */
    static List<String> run(ModelRegistry models, HaiaConfig config, Redactor redactor) {
        List<String> warnings = new ArrayList<>();
        for (ModelRegistry.Route route : models.all()) {
            String model = "Model '" + route.id() + "' (provider " + route.provider() + ")";
            HaiaConfig.Provider provider = config.providers().get(route.settings().provider());
            try {
                route.client().modelProblem(route.upstreamModel()).ifPresent(problem -> warnings.add(
                        model + ": " + problem));
                // the model's real context, where its server says: the token budget plans within it
                route.client().contextTokens(route.upstreamModel()).ifPresent(found -> models.tokens().context(
                        route.provider(), route.upstreamModel(), found.tokens(), "said by its server: "
                                + found.source()));
            } catch (LlmException e) {
                String fix = switch (e.category()) {
                    case AUTHENTICATION -> " Check " + provider.keySetting() + ".";
                    case PROTOCOL -> " Check " + provider.urlSetting() + " and the provider's type.";
                    case UNAVAILABLE, TIMEOUT -> " Check " + provider.urlSetting()
                            + "; HAIA tries again with each chat (a model host may boot after HAIA).";
                    default -> "";
                };
                warnings.add(model + " cannot be checked: " + redactor.redact(e.getMessage())
                                     + ". Chats with it fail until this is fixed." + fix);
            }
        }
        warnings.forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
        return warnings;
    }
}
