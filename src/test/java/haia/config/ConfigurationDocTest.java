package haia.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import haia.llm.ProviderDescriptor;
import haia.llm.ProviderOption;
import haia.llm.Providers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code docs/configuration.md} and the variables HAIA reads cannot drift apart.
 *
 * <p>What HAIA reads: the {@link Variables} register (HAIA's settings, each provider's variables from its
 * descriptor, the tools', {@code HAIA_CONFIG}) with {@code <NAME>_FILE} as a variable of its own for every variable
 * whose value may come from a file; and each {@code HAIA_*} variable a {@code bin/} script expands with a default,
 * {@code ${NAME:-...}} (the scripts' idiom for "from the environment, else this"). The doc's register: every Markdown
 * table row whose first cell is one variable name in backticks, {@code | `HAIA_API_KEY` | ... |}, one row per
 * variable, in any table of the file.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("docs/configuration.md");
    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern SCRIPT_DEFAULT = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):?-");
    private static final Pattern GETENV = Pattern.compile(
            "getenv\\(\\s*\"([A-Z0-9_]+)\"\\s*\\)|getenv\\(\\)\\s*\\.\\s*(?:get|getOrDefault|containsKey)\\(\\s*\"([A-Z0-9_]+)\"");
    /** Read by HAIA but no setting of its own: handed on to the MCP servers HAIA starts, to find their programs. */
    private static final Set<String> PASSED_ON = Set.of("PATH");

    @Test
    void everyVariableHaiaReadsHasARow() throws IOException {
        Set<String> missing = new TreeSet<>(Variables.names());
        missing.addAll(scriptVariables(true));
        missing.removeAll(documented(Files.readString(DOC)));
        assertEquals(Set.of(), missing, "variables HAIA reads that " + DOC + " has no row for (one row each, its"
                + " first cell the name in backticks; <NAME>_FILE forms too)");
    }

    @Test
    void theDocNamesNoVariableHaiaDoesNotRead() throws IOException {
        Set<String> unknown = new TreeSet<>(documented(Files.readString(DOC)));
        unknown.removeAll(Variables.names());
        unknown.removeAll(scriptVariables(false));
        assertEquals(Set.of(), unknown, DOC + " documents variables nothing reads (Variables is the register of"
                + " what HAIA reads; a bin/ script reads a variable it expands with a default)");
    }

    @Test
    void theDocsRowsFollowTheFormat() throws IOException {
        List<String> problems = new ArrayList<>();
        documented(Files.readString(DOC), problems);
        assertEquals(List.of(), problems);
    }

    /** The parser itself, on rows of each kind: a test that reads nothing would pass against any doc. */
    @Test
    void aRowIsAVariableWhenItsFirstCellIsOneNameInBackticks() {
        List<String> problems = new ArrayList<>();
        Set<String> names = documented("""
                | Variable | Default | Sets |
                | --- | --- | --- |
                | `HAIA_API_KEY` | (none) | `security.api-key` |
                |`SERVER_PORT`|8000|x|
                | `server.port` | a YAML key, not a variable |
                | `anthropic` | a provider type |
                Text mentioning `HAIA_NOT_A_ROW` outside a table.
                | `OLLAMA_BASE_URL` / `OLLAMA_KEEP_ALIVE` | two in one row |
                | `*_API_KEY_FILE` | a pattern, not a name |
                """, problems);
        assertEquals(Set.of("HAIA_API_KEY", "SERVER_PORT"), names);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("OLLAMA_BASE_URL"), problems.getFirst());
        assertTrue(problems.getLast().contains("*_API_KEY_FILE"), problems.getLast());
    }

    @Test
    void theRegisterHasEveryProvidersVariablesAndEachKeysFileForm() {
        Set<String> names = Variables.names();
        for (ProviderDescriptor provider : Providers.ALL) {
            assertTrue(names.contains(provider.baseUrlEnv()), provider.baseUrlEnv());
            provider.apiKeyEnv().ifPresent(key -> {
                assertTrue(names.contains(key), key);
                assertTrue(names.contains(key + Variables.FILE_SUFFIX), key + Variables.FILE_SUFFIX);
            });
            for (ProviderOption option : provider.options()) {
                option.env().ifPresent(variable -> assertTrue(names.contains(variable), variable));
            }
        }
        for (String name : SecretFiles.HAIA_NAMES) {
            assertTrue(names.contains(name + Variables.FILE_SUFFIX), name);
        }
    }

    /** The Java code reads the environment only through the register (and PATH, which it hands on). */
    @Test
    void theCodeReadsNoVariableOutsideTheRegister() throws IOException {
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = GETENV.matcher(Files.readString(file));
                while (m.find()) {
                    read.add(m.group(1) != null ? m.group(1) : m.group(2));
                }
            }
        }
        assertTrue(read.contains("SERVER_PORT"), "the scan finds what it looks for: " + read);
        read.removeAll(Variables.names());
        read.removeAll(PASSED_ON);
        assertEquals(Set.of(), read, "variables read with System.getenv outside the Variables register");
    }

    private static Set<String> documented(String markdown) {
        return documented(markdown, new ArrayList<>());
    }

    /** The variables the doc's table rows name; rows that look like variables but break the format are problems. */
    private static Set<String> documented(String markdown, List<String> problems) {
        Set<String> names = new TreeSet<>();
        for (String line : markdown.lines().map(String::strip).toList()) {
            if (!line.startsWith("|")) {
                continue;
            }
            String first = line.substring(1).split("(?<!\\\\)\\|", -1)[0].strip();
            List<String> quoted = new ArrayList<>();
            Matcher code = Pattern.compile("`([^`]*)`").matcher(first);
            while (code.find()) {
                quoted.add(code.group(1));
            }
            boolean variableLike = quoted.stream().anyMatch(q -> q.matches(".*[A-Z].*_.*|[A-Z][A-Z0-9]*")
                    && !q.matches(".*[a-z].*"));
            if (!variableLike) {
                continue;
            }
            if (quoted.size() == 1 && first.equals("`" + quoted.getFirst() + "`")
                    && NAME.matcher(quoted.getFirst()).matches()) {
                names.add(quoted.getFirst());
            } else {
                problems.add("'" + first + "': one variable per row, its first cell the name alone in backticks");
            }
        }
        return names;
    }

    /**
     * The variables the {@code bin/} scripts read: those they expand with a default. {@code haiaOnly}: only HAIA's
     * own ({@code HAIA_*}), which must be documented; the others (JAVA_HOME, TMPDIR) may be.
     */
    private static Set<String> scriptVariables(boolean haiaOnly) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("bin"))) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".options"))
                    .toList()) {
                Matcher m = SCRIPT_DEFAULT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!haiaOnly || m.group(1).startsWith("HAIA_")) {
                        names.add(m.group(1));
                    }
                }
            }
        }
        return names;
    }
}
