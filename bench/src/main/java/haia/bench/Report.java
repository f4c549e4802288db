package haia.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Collects the figures of a benchmark run and writes them, with the machine they were measured on. */
final class Report {

    /** One line of the summary table: a target, what was measured, and whether it was met. */
    record Verdict(String target, String measured, boolean met) {
    }

    private final List<String> sections = new ArrayList<>();
    private final List<Verdict> verdicts = new ArrayList<>();
    private final String machine;

    Report(String machine) {
        this.machine = machine;
    }

    void section(String title, String markdown) {
        sections.add("## " + title + "\n\n" + markdown.strip() + "\n");
        System.out.println("\n== " + title + "\n" + markdown.strip());
    }

    void verdict(String target, String measured, boolean met) {
        verdicts.add(new Verdict(target, measured, met));
        System.out.printf(Locale.ROOT, "%-60s %-40s %s%n", target, measured, met ? "met" : "MISSED");
    }

    String summary() {
        StringBuilder table = new StringBuilder("| target | measured | |\n| --- | --- | --- |\n");
        for (Verdict v : verdicts) {
            table.append("| ").append(v.target()).append(" | ").append(v.measured()).append(" | ")
                    .append(v.met() ? "met" : "**missed**").append(" |\n");
        }
        return table.toString();
    }

    /** Writes {@code results-<time>.md} and {@code latest.md} into {@code dir}; returns the file written. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        String text = "# HAIA benchmark results\n\n" + machine + "\n## Summary\n\n" + summary() + "\n"
                + String.join("\n", sections);
        Path file = dir.resolve("results-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                                        + ".md");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("latest.md"), text, StandardCharsets.UTF_8);
        return file;
    }

    static String table(List<String> header, List<List<String>> rows) {
        StringBuilder table = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> table.append(" --- |"));
        table.append('\n');
        for (List<String> row : rows) {
            table.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return table.toString();
    }

    static String ms(double millis) {
        return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, millis < 10 ? "%.2f ms" : "%.1f ms", millis);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%d MB", bytes / (1024 * 1024));
    }

    static String num(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.2f", value);
    }
}
