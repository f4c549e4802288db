package haia.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code /metrics} scrape, read the way Prometheus reads the text format: one sample per line,
 * {@code name{label="value",...} number}; {@code #} lines and blank lines skipped.
 */
public final class Scrape {

    /** One series: its name and labels. */
    public record Series(String name, Map<String, String> labels) {
    }

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Map<Series, Double> samples;

    private Scrape(Map<Series, Double> samples) {
        this.samples = samples;
    }

    public static Scrape parse(String text) {
        Map<Series, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line.strip());
            if (!sample.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            samples.put(new Series(sample.group(1), labels), Double.parseDouble(sample.group(3)));
        }
        return new Scrape(samples);
    }

    /** Every series. */
    public Map<Series, Double> samples() {
        return samples;
    }

    /** The value of the series with exactly these labels, or 0 when there is none. */
    public double value(String name, String... labelPairs) {
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            labels.put(labelPairs[i], labelPairs[i + 1]);
        }
        return samples.getOrDefault(new Series(name, labels), 0.0);
    }

    /** Whether a series of this name exists with these labels (among others). */
    public boolean has(String name, Map<String, String> labels) {
        return samples.keySet().stream().anyMatch(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet()));
    }

    /** The label names series of this name carry. */
    public List<String> labelNames(String name) {
        return samples.keySet().stream().filter(s -> s.name().equals(name))
                .flatMap(s -> s.labels().keySet().stream()).distinct().sorted().toList();
    }
}
