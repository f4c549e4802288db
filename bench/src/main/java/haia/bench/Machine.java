package haia.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** The machine a benchmark ran on, for the results file: figures are only comparable on the same one. */
final class Machine {

    private Machine() {
    }

    static String describe(String jvmFlags, String aotCache) {
        StringBuilder text = new StringBuilder();
        text.append("| | |\n| --- | --- |\n");
        text.append("| date | ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" |\n");
        text.append("| CPU | ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores available |\n");
        text.append("| memory | ").append(memTotal()).append(" |\n");
        text.append("| OS | ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(" |\n");
        text.append("| JDK | ").append(System.getProperty("java.vm.vendor")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" |\n");
        text.append("| HAIA JVM flags | `").append(jvmFlags).append("` (bin/jvm.options) |\n");
        text.append("| AOT cache | ").append(aotCache).append(" |\n");
        text.append("| setup | HAIA, the fake upstream and the load generator each in their own JVM on this machine,"
                            + " all traffic on 127.0.0.1 |\n");
        return text.toString();
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 / 1024 + " GiB")
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
