package haia.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import haia.llm.ProviderDescriptor;
import haia.llm.Providers;

/** The environment variables HAIA reads. */
final class Variables {

    /** The public environment interface: variable name → config key. */
    static final Map<String, String> ENV = envTable();

    private Variables() {
    }

    /** Variables that may come from a file ({@code <NAME>_FILE}): HAIA's and the database's, and every provider key. */
    static List<String> secretVariables() {
        List<String> names = new ArrayList<>(SecretFiles.HAIA_NAMES);
        Providers.ALL.forEach(provider -> provider.apiKeyEnv().ifPresent(names::add));
        return names;
    }

    private static Map<String, String> envTable() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_HOST", "server.host");
        env.put("SERVER_PORT", "server.port");
        env.put("HAIA_MAX_BODY_BYTES", "server.max-body-bytes");
        env.put("HAIA_SHUTDOWN_GRACE", "server.shutdown-grace");
        env.put("HAIA_KEEP_ALIVE", "server.keep-alive");
        env.put("HAIA_CLIENT_READ_TIMEOUT", "server.client-read-timeout");
        env.put("HAIA_API_KEY", "security.api-key");
        env.put("HAIA_METRICS_REQUIRE_KEY", "security.metrics-require-key");
        env.put("HAIA_CORS_ORIGINS", "security.cors-origins");
        env.put("HAIA_DB_PATH", "store.db-path");
        env.put("HAIA_DB_MAX_SIZE", "store.max-size");
        env.put("HAIA_DB_URL", "store.url");
        env.put("HAIA_DB_USER", "store.user");
        env.put("HAIA_DB_PASSWORD", "store.password");
        env.put("HAIA_DB_POOL_SIZE", "store.pool-size");
        env.put("HAIA_DB_CONNECT_TIMEOUT", "store.connect-timeout");
        env.put("HAIA_DB_QUERY_TIMEOUT", "store.query-timeout");
        env.put("HAIA_DB_LEASE_TTL", "store.lease-ttl");
        env.put("HAIA_CONTEXT_WINDOW", "chat.context-window");
        env.put("HAIA_CONTEXT_WINDOW_STEP", "chat.context-window-step");
        env.put("HAIA_CONTEXT_TOKENS", "chat.context-tokens");
        env.put("HAIA_PROMPT_CACHE", "chat.prompt-cache");
        env.put("HAIA_MAX_TOKENS", "chat.max-tokens");
        env.put("HAIA_PERSONA_FILE", "chat.persona-file");
        env.put("HAIA_MAX_MESSAGE_CHARS", "chat.max-message-chars");
        env.put("HAIA_MAX_IMAGE_BYTES", "chat.max-image-bytes");
        env.put("HAIA_IMAGE_FETCH_ALLOW", "chat.image-fetch.allow");
        env.put("HAIA_IMAGE_FETCH_TIMEOUT", "chat.image-fetch.timeout");
        env.put("HAIA_IMAGE_FETCH_MAX_URLS", "chat.image-fetch.max-urls");
        env.put("HAIA_IMAGE_FETCH_MAX_BYTES", "chat.image-fetch.max-bytes");
        env.put("HAIA_PROVIDER", "haia.provider");
        env.put("HAIA_MODEL", "haia.model");
        env.put("HAIA_CAPABILITIES", "haia.capabilities");
        env.put("HAIA_DEFAULT_MODEL", "default-model");
        env.put("HAIA_TASK_MODEL", "tasks.model");
        // each protocol's variables set the provider named like its type
        for (ProviderDescriptor provider : Providers.ALL) {
            String at = "providers." + provider.type() + ".";
            env.put(provider.baseUrlEnv(), at + "base-url");
            provider.apiKeyEnv().ifPresent(variable -> env.put(variable, at + "api-key"));
            provider.options().forEach(option -> option.env().ifPresent(variable -> env.put(variable, at + option.key())));
        }
        env.put("HAIA_MAX_ATTEMPTS", "resilience.max-attempts");
        env.put("HAIA_FIRST_TOKEN_TIMEOUT", "resilience.first-token-timeout");
        env.put("HAIA_REQUEST_TIMEOUT", "resilience.request-timeout");
        env.put("HAIA_MAX_INFLIGHT", "resilience.max-inflight");
        env.put("HAIA_MAX_REPLY_CHARS", "resilience.max-reply-chars");
        env.put("HAIA_MAX_UPSTREAM_BYTES", "resilience.max-upstream-bytes");
        env.putAll(ToolsConfigLoader.ENV);
        return Map.copyOf(env);
    }
}
