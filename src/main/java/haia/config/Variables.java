package haia.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import haia.llm.ProviderDescriptor;
import haia.llm.Providers;

/**
 * The register of every environment variable HAIA reads: its own settings, each provider protocol's (from the
 * provider's descriptor: base URL, key, its own options), the tools'; {@value #CONFIG_FILE}; and the
 * {@code <NAME>}{@value #FILE_SUFFIX} form of each variable that may hold a credential. Configuration reads no other
 * name from the environment, its problems are named by these, and {@code docs/configuration.md} documents exactly
 * these (ConfigurationDocTest).
 */
final class Variables {

    /** Names the YAML file: read before everything else, so it sets no configuration key of its own. */
    static final String CONFIG_FILE = "HAIA_CONFIG";
    /**
     * {@code <NAME>_FILE} names a file holding {@code <NAME>}'s value (Podman and Docker secrets, the official database
     * images' convention), for every variable in {@link #FROM_FILE}.
     */
    static final String FILE_SUFFIX = "_FILE";

    /** Variable name → the configuration key it sets. */
    static final Map<String, String> ENV = envTable();

    /**
     * Variables whose value may come from a file: HAIA's key, the database's connection, every provider's key, the
     * watch's notification URLs and Prometheus's credentials.
     */
    static final List<String> FROM_FILE = fromFile();

    private Variables() {
    }

    /** Every name HAIA reads from the environment: those of {@link #ENV}, {@value #CONFIG_FILE}, each file form. */
    static SortedSet<String> names() {
        SortedSet<String> names = new TreeSet<>(ENV.keySet());
        names.add(CONFIG_FILE);
        FROM_FILE.forEach(name -> names.add(name + FILE_SUFFIX));
        return Collections.unmodifiableSortedSet(names);
    }

    private static List<String> fromFile() {
        List<String> names = new ArrayList<>(SecretFiles.HAIA_NAMES);
        names.addAll(WatchConfigLoader.FROM_FILE);
        Providers.ALL.forEach(provider -> provider.apiKeyEnv().ifPresent(names::add));
        return List.copyOf(names);
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
        env.put("HAIA_OPENWEBUI_JWT_SECRET", "security.openwebui-jwt-secret");
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
        env.put("HAIA_MEMORY_TOOLS", "chat.memory-tools");
        env.put("HAIA_MEMORY_NOTES_MAX_CHARS", "chat.memory-notes-max-chars");
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
        // each protocol's variables, from its descriptor, set the provider named like its type
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
        env.putAll(WatchConfigLoader.ENV);
        return Map.copyOf(env);
    }
}
