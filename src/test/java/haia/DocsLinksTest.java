package haia;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README and {@code docs/} link to each other, to the repository's files and into sections of each other: every
 * relative link must lead somewhere, on any forge. A link whose file is missing, or whose {@code #anchor} no heading
 * of the target file produces under GitHub's anchor rules, fails the build, as does a file in {@code docs/} the
 * README's table of contents does not reach.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("");

    @Test
    void everyRelativeLinkInTheReadmeAndTheDocsLeadsSomewhere() throws IOException {
        List<Path> files = documents(ROOT);
        assertTrue(files.size() > 1, "README.md and docs/*.md found: " + files);
        assertEquals(List.of(), problems(ROOT, files), "links that lead nowhere");
    }

    @Test
    void theReadmeLinksEveryFileInDocs() throws IOException {
        Set<Path> linked = new LinkedHashSet<>();
        for (Link link : links(Files.readString(ROOT.resolve("README.md")))) {
            if (link.isRelative()) {
                linked.add(ROOT.resolve(link.path()).normalize());
            }
        }
        List<Path> unlinked = documents(ROOT).stream()
                .filter(file -> file.startsWith(ROOT.resolve("docs")))
                .filter(file -> !linked.contains(file.normalize()))
                .toList();
        assertEquals(List.of(), unlinked, "docs/ files missing from the README's table of contents");
    }

    /**
     * Code, scripts and deployment files point users at the docs in comments and in messages ("see docs/tools.md",
     * {@code docs/api.md "Errors"}): each docs file they name exists, and a section they name in quotes right after
     * it, or after {@code README}, begins a heading of that file.
     */
    @Test
    void pointersFromCodeScriptsAndDeploymentFilesLeadToDocsThatExist() throws IOException {
        Pattern pointer = Pattern.compile(
                "(?<![\\w./-])(docs/[\\w./-]*[\\w-]\\.md|README(?:\\.md)?)(?:,? \"([^\"]+)\")?");
        List<String> problems = new ArrayList<>();
        int pointers = 0;
        for (Path file : pointingFiles()) {
            String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);   // any file, any bytes
            Matcher m = pointer.matcher(text);
            while (m.find()) {
                Path doc = ROOT.resolve(m.group(1).startsWith("README") ? "README.md" : m.group(1));
                if (m.group(1).startsWith("README") && m.group(2) == null) {
                    continue;   // "the README" in prose
                }
                pointers++;
                if (!Files.isRegularFile(doc)) {
                    problems.add(file + ": " + m.group(1) + " does not exist");
                } else if (m.group(2) != null && headings(Files.readString(doc)).stream()
                        .noneMatch(heading -> heading.startsWith(m.group(2)))) {
                    problems.add(file + ": " + m.group(1) + " has no heading \"" + m.group(2) + "\"");
                }
            }
        }
        assertTrue(pointers > 10, "pointers found: " + pointers);
        assertEquals(List.of(), problems, "pointers into the docs that lead nowhere");
    }

    /** The headings' texts, as written. */
    private static List<String> headings(String markdown) {
        return proseLines(markdown).stream()
                .map(ATX::matcher)
                .filter(Matcher::matches)
                .map(heading -> heading.group(2) == null ? "" : heading.group(2))
                .toList();
    }

    /** Everything but the docs themselves that may point into them. */
    private static List<Path> pointingFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String folder : List.of("src/main", "src/test/java", "bin", "deploy", "config", "e2e", ".ci",
                                     "bench/src")) {
            Path dir = ROOT.resolve(folder);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.filter(Files::isRegularFile)
                            .filter(p -> !p.toString().contains("node_modules"))
                            .filter(p -> !p.endsWith("DocsLinksTest.java"))
                            .sorted().forEach(files::add);
                }
            }
        }
        for (String name : List.of("Containerfile", "pom.xml", ".env.example")) {
            files.add(ROOT.resolve(name));
        }
        return files;
    }

    // ---- the checker checked: it must fail where a reader would land nowhere ----

    @Test
    void brokenFilesAndAnchorsAreFound(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("README.md"), """
                # HAIA
                See [config](docs/configuration.md), [a variable](docs/configuration.md#haia_api_key-and-more),
                [gone](docs/missing.md), [no such section](docs/configuration.md#nowhere), [here](#haia),
                [not here](#quick-start), ![shot](docs/images/chat.png), [site](https://example.org/x.md#y),
                [absolute](/docs/configuration.md), [the unit](deploy/haia.container#L3), `[code](nowhere.md)`.

                ```
                [in a code block](nowhere-either.md)
                # not a heading
                ```
                [ref]: docs/missing-too.md
                """);
        Files.writeString(root.resolve("docs/configuration.md"), """
                # Configuration
                ## `HAIA_API_KEY` and more
                Back to the [README](../README.md#haia) and [up too far](../../outside.md); [same](#configuration);
                [a dropped heading](#not-a-heading).
                """);
        Files.createDirectories(root.resolve("deploy"));
        Files.writeString(root.resolve("deploy/haia.container"), "[Container]\n");

        List<String> problems = problems(root, documents(root));

        assertEquals(List.of(
                "README.md: docs/missing.md: no such file",
                "README.md: docs/configuration.md#nowhere: no heading in docs/configuration.md makes #nowhere",
                "README.md: #quick-start: no heading in README.md makes #quick-start",
                "README.md: docs/images/chat.png: no such file",
                "README.md: /docs/configuration.md: not a relative link",
                "README.md: deploy/haia.container#L3: an anchor into a file that is not Markdown",
                "README.md: docs/missing-too.md: no such file",
                "docs/configuration.md: ../../outside.md: outside the repository",
                "docs/configuration.md: #not-a-heading: no heading in docs/configuration.md makes #not-a-heading"),
                problems);
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals(List.of("the-image-built-and-run-bine2e-container", "get-v1usage",
                             "beyond-text-images-tools-structured-output-reasoning",
                             "two-replicas-behind-a-reverse-proxy-compose", "haia_api_key-and-more",
                             "helidon-417--450", "podman", "podman-1", "podman-2", "ünïcode-straße", "a-link"),
                     new ArrayList<>(anchors("""
                             # The image, built and run: bin/e2e-container
                             ## GET /v1/usage
                             ### Beyond text: images, tools, structured output, reasoning
                             #### Two replicas behind a reverse proxy (compose) ##
                             ## `HAIA_API_KEY` and more
                             ## **Helidon 4.1.7 → 4.5.0**
                             ## Podman
                             Podman
                             ======
                             ## Podman
                             ## Ünïcode Straße
                             ## [A link](elsewhere.md)
                             #not a heading (no space)
                                 # not a heading (indented four spaces)
                             ```
                             # not a heading (in a code block)
                             ```
                             """)));
    }

    // ---- the checker ----

    /** README.md and every Markdown file under docs/. */
    static List<Path> documents(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> walk = Files.walk(docs)) {
                walk.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    /** One line per link that leads nowhere: "file: target: why". */
    static List<String> problems(Path root, List<Path> files) throws IOException {
        Path top = root.toAbsolutePath().normalize();
        Map<Path, Set<String>> anchorsOf = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            String name = top.relativize(file.toAbsolutePath().normalize()).toString();
            for (Link link : links(Files.readString(file))) {
                if (link.hasScheme()) {
                    continue;
                }
                String why = check(top, file.toAbsolutePath().normalize(), link, anchorsOf);
                if (why != null) {
                    problems.add(name + ": " + link.target() + ": " + why);
                }
            }
        }
        return problems;
    }

    private static String check(Path top, Path file, Link link, Map<Path, Set<String>> anchorsOf) throws IOException {
        if (link.target().startsWith("/")) {
            return "not a relative link";
        }
        Path target = link.path().isEmpty() ? file : file.getParent().resolve(link.path()).normalize();
        if (!target.startsWith(top)) {
            return "outside the repository";
        }
        if (!Files.exists(target)) {
            return "no such file";
        }
        if (link.anchor().isEmpty()) {
            return null;
        }
        if (!target.toString().endsWith(".md")) {
            return "an anchor into a file that is not Markdown";
        }
        Set<String> anchors = anchorsOf.computeIfAbsent(target, t -> {
            try {
                return anchors(Files.readString(t));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return anchors.contains(link.anchor())
                ? null
                : "no heading in " + top.relativize(target) + " makes #" + link.anchor();
    }

    // ---- Markdown, as far as links and headings go ----

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern ATX = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern SETEXT = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
    private static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1");
    /** [text](target) and ![alt](target), a title after the target allowed; nested brackets one level deep. */
    private static final Pattern INLINE_LINK = Pattern.compile(
            "!?\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*(<[^>]*>|[^)\\s]+)(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*(<[^>]*>|\\S+)");
    private static final Pattern HTML_LINK = Pattern.compile("(?:href|src)=\"([^\"]+)\"");

    /** A link target: a path (empty: this file) and an anchor (empty: none). */
    record Link(String target) {
        boolean hasScheme() {
            return target.matches("[A-Za-z][A-Za-z0-9+.-]*:.*");
        }

        boolean isRelative() {
            return !hasScheme() && !target.startsWith("/");
        }

        String path() {
            int hash = target.indexOf('#');
            return URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
        }

        String anchor() {
            int hash = target.indexOf('#');
            return hash < 0 ? "" : URLDecoder.decode(target.substring(hash + 1), StandardCharsets.UTF_8);
        }
    }

    /** Every link outside code blocks and code spans, in order. */
    static List<Link> links(String markdown) {
        List<Link> links = new ArrayList<>();
        for (String line : proseLines(markdown)) {
            String prose = INLINE_CODE.matcher(line).replaceAll("");
            Matcher reference = REFERENCE.matcher(prose);
            if (reference.find()) {
                links.add(new Link(unbracket(reference.group(1))));
                continue;
            }
            for (Pattern pattern : List.of(INLINE_LINK, HTML_LINK)) {
                Matcher m = pattern.matcher(prose);
                while (m.find()) {
                    links.add(new Link(unbracket(m.group(1))));
                }
            }
        }
        return links;
    }

    /**
     * The anchors a forge makes of the headings, in order, as GitHub makes them: the heading's text as rendered,
     * lower case, every character but letters, digits, marks, '_', '-' and spaces dropped, spaces turned into '-';
     * a repeated anchor gets -1, -2, ...
     */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        List<String> lines = proseLines(markdown);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String text = null;
            Matcher atx = ATX.matcher(line);
            if (atx.matches()) {
                text = atx.group(2) == null ? "" : atx.group(2);
            } else if (i + 1 < lines.size() && SETEXT.matcher(lines.get(i + 1)).matches() && isParagraph(line)) {
                text = line.strip();
                i++;
            }
            if (text != null) {
                String slug = slug(text);
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    static String slug(String heading) {
        String text = heading
                .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")    // a link's text
                .replaceAll("<[^>]+>", "")                            // HTML tags
                .replace("`", "")
                .replace("*", "")
                .strip()
                .toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == ' ') {
                slug.append('-');
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-'
                       || Character.getType(c) == Character.NON_SPACING_MARK
                       || Character.getType(c) == Character.COMBINING_SPACING_MARK
                       || Character.getType(c) == Character.LETTER_NUMBER
                       || Character.getType(c) == Character.OTHER_NUMBER) {
                slug.appendCodePoint(c);
            }
        });
        return slug.toString();
    }

    /** The lines outside fenced code blocks. */
    private static List<String> proseLines(String markdown) {
        List<String> prose = new ArrayList<>();
        String fence = null;
        for (String line : markdown.split("\n", -1)) {
            Matcher open = FENCE.matcher(line);
            if (fence == null && open.find()) {
                fence = open.group(1);
            } else if (fence != null) {
                String closing = line.strip();
                char mark = fence.charAt(0);
                if (closing.startsWith(fence) && closing.chars().allMatch(c -> c == mark)) {
                    fence = null;
                }
            } else {
                prose.add(line);
            }
        }
        return prose;
    }

    private static boolean isParagraph(String line) {
        String s = line.strip();
        return !s.isEmpty() && !s.startsWith("|") && !s.startsWith("#") && !s.startsWith(">")
               && !s.matches("([-*+]|\\d+[.)])\\s.*");
    }

    private static String unbracket(String target) {
        return target.startsWith("<") && target.endsWith(">") ? target.substring(1, target.length() - 1) : target;
    }
}
