package haia.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recorded runs of a scenario's figures, so a change to the hot path is compared the same way every time:
 * {@code bin/bench overhead --save-baseline FILE [--label TEXT]} appends this run's figures to FILE (a TSV: one header
 * line of figure names, then one line per run), and {@code --compare FILE} prints each figure beside the recorded
 * runs' median and their spread (lowest to highest), with the change from the median. Record a few runs of the
 * baseline build on an idle machine: one run says nothing about this machine's ±25 % run-to-run noise.
 */
final class Baseline {

    private Baseline() {
    }

    /** Appends the run (its label first) to the file, writing the header when the file is new. */
    static void save(Path file, String label, Map<String, Double> figures) throws IOException {
        List<String> names = new ArrayList<>(figures.keySet());
        StringBuilder text = new StringBuilder();
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            text.append("run\t").append(String.join("\t", names)).append('\n');
        } else {
            List<String> header = header(file);
            if (!header.equals(names)) {
                throw new IllegalArgumentException(file + " records other figures (" + header + "); start a new file");
            }
        }
        text.append(label.replace('\t', ' '));
        for (String name : names) {
            text.append('\t').append(String.format(Locale.ROOT, "%.1f", figures.get(name)));
        }
        text.append('\n');
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A markdown table: each figure, the recorded runs' median and spread, this run, the change from the median. */
    static String compare(Path file, Map<String, Double> figures) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank()).toList();
        if (lines.size() < 2) {
            throw new IllegalArgumentException(file + " holds no recorded run");
        }
        List<String> names = header(file);
        Map<String, double[]> recorded = new LinkedHashMap<>();
        for (int n = 0; n < names.size(); n++) {
            double[] values = new double[lines.size() - 1];
            for (int r = 1; r < lines.size(); r++) {
                String[] cells = lines.get(r).split("\t");
                values[r - 1] = Double.parseDouble(cells[n + 1]);
            }
            Arrays.sort(values);
            recorded.put(names.get(n), values);
        }
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Double> figure : figures.entrySet()) {
            double[] values = recorded.get(figure.getKey());
            if (values == null) {
                rows.add(List.of(figure.getKey(), "not recorded", "", num(figure.getValue()), ""));
                continue;
            }
            double median = values.length % 2 == 1 ? values[values.length / 2]
                    : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
            rows.add(List.of(figure.getKey(), num(median), num(values[0]) + " – " + num(values[values.length - 1]),
                             num(figure.getValue()),
                             String.format(Locale.ROOT, "%+.0f %%", 100 * (figure.getValue() - median) / median)));
        }
        return "Against " + file + " (" + (lines.size() - 1) + " recorded runs: "
                + String.join(", ", lines.subList(1, lines.size()).stream().map(l -> l.split("\t")[0]).toList())
                + ")\n\n" + Report.table(List.of("figure", "baseline median", "baseline spread", "this run", "change"),
                                          rows);
    }

    private static List<String> header(Path file) throws IOException {
        String first = Files.readAllLines(file, StandardCharsets.UTF_8).getFirst();
        List<String> cells = List.of(first.split("\t"));
        return cells.subList(1, cells.size());
    }

    private static String num(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
