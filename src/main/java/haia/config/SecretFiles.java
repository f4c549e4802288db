package haia.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keys read from files: {@code ANTHROPIC_API_KEY_FILE=/run/secrets/anthropic} instead of the key itself, the
 * convention of the official Postgres and other images, and how Podman and Docker secrets arrive (a file under
 * {@code /run/secrets}). The key then never sits in the container's environment, which {@code podman inspect}
 * shows to anyone who may run it.
 */
final class SecretFiles {

    /**
     * HAIA's own variables that may come from a file: its API key and the database's connection and credentials.
     * The providers' keys come from their descriptors.
     */
    static final List<String> HAIA_NAMES = List.of("HAIA_API_KEY", "HAIA_DB_URL", "HAIA_DB_USER", "HAIA_DB_PASSWORD",
                                                           "HAIA_OPENWEBUI_JWT_SECRET");

    private SecretFiles() {
    }

    /**
     * Replaces each {@code <NAME>_FILE} in {@code env} by {@code <NAME>} holding the file's content (trailing line
     * breaks and spaces removed, as a shell's {@code $(cat file)} does). Problems never quote a file's content.
     *
     * @return the names whose value now comes from a file
     */
    static Set<String> resolve(Map<String, String> env, Path workDir, List<String> problems, List<String> names) {
        Set<String> resolved = new HashSet<>();
        for (String name : names) {
            String fileVariable = name + Variables.FILE_SUFFIX;
            String file = env.remove(fileVariable);
            if (file == null || file.isBlank()) {
                continue;
            }
            if (env.get(name) != null && !env.get(name).isBlank()) {
                problems.add(name + " and " + fileVariable + " are both set: set one of them");
                continue;
            }
            Path path = workDir.resolve(file.strip());
            try {
                String value = Files.readString(path, StandardCharsets.UTF_8).stripTrailing();
                if (value.isEmpty()) {
                    problems.add(fileVariable + ": " + path + " is empty");
                } else if (value.contains("\n")) {
                    problems.add(fileVariable + ": " + path + " holds more than one line; it must hold the key alone");
                } else {
                    env.put(name, value);
                    resolved.add(name);
                }
            } catch (IOException e) {
                problems.add(fileVariable + ": cannot read " + path + " (" + reason(e) + ")");
            }
        }
        return resolved;
    }

    private static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException missing -> "no such file";
            case java.nio.file.AccessDeniedException denied -> "permission denied";
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
    }
}
