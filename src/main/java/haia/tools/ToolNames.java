package haia.tools;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HAIA's public tool names: {@code haia_<source>_<tool>}, e.g. {@code haia_pve_cluster_status},
 * {@code haia_docker_logs}, {@code haia_files_read_text_file}.
 *
 * <ul>
 *     <li>The {@code haia_} prefix is reserved: a client-supplied tool must not start with it, so HAIA's tools and a
 *         client's can never collide ({@link #isReserved}).</li>
 *     <li>Source names contain no {@code _} ({@code [a-z][a-z0-9-]*}), so the source of a public name is unambiguous
 *         and two sources can never produce the same name.</li>
 *     <li>Every provider accepts the result ({@code ^[a-zA-Z0-9_-]{1,64}$}). MCP and Gemini names may hold dots and
 *         run to 128 characters: other characters become {@code _}; a name that changed that way and then collides
 *         with another of the same source, or that is too long, is cut and gets {@code _} plus 6 hex digits of the
 *         SHA-256 of its original name. The map back to the original is kept ({@link Mapping}), so the result stays
 *         stable across restarts as long as the source offers the same tools.</li>
 * </ul>
 */
public final class ToolNames {

    public static final String PREFIX = "haia_";
    private static final int MAX = 64;

    private ToolNames() {
    }

    /** Whether a tool name lies in HAIA's namespace (a client's tool of that name is refused by the agent loop). */
    public static boolean isReserved(String name) {
        return name.startsWith(PREFIX);
    }

    /** One source's tools under their public names, and the way back. */
    public record Mapping(Map<String, String> publicToLocal, Map<String, String> localToPublic) {
        public Optional<String> local(String publicName) {
            return Optional.ofNullable(publicToLocal.get(publicName));
        }
    }

    /** Public names for the local tool names of one source. */
    public static Mapping map(String source, List<String> localNames) {
        String stem = PREFIX + source + "_";
        Map<String, String> plain = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        for (String local : localNames) {
            String candidate = stem + local.replaceAll("[^a-zA-Z0-9_-]", "_");
            plain.put(local, candidate);
            uses.merge(candidate, 1, Integer::sum);
        }
        Map<String, String> toPublic = new HashMap<>();
        Map<String, String> toLocal = new HashMap<>();
        for (String local : localNames) {
            String candidate = plain.get(local);
            boolean changed = !candidate.equals(stem + local);
            if (candidate.length() > MAX || (changed && uses.get(candidate) > 1)) {
                String suffix = "_" + hash(local);
                candidate = candidate.substring(0, Math.min(candidate.length(), MAX - suffix.length())) + suffix;
            }
            toPublic.put(local, candidate);
            toLocal.put(candidate, local);
        }
        return new Mapping(Map.copyOf(toLocal), Map.copyOf(toPublic));
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
