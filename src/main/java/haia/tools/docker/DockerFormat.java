package haia.tools.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.tools.Units;

/** Engine answers as the few lines an operator would read (Engine API shapes, swagger 1.4x; Podman's compat API). */
final class DockerFormat {

    private DockerFormat() {
    }

    /** Health as the container list gives it: Docker's {@code Health.Status}, or "(healthy)" in {@code Status}. */
    static Optional<String> listedHealth(JsonNode c) {
        String status = c.path("Health").path("Status").asText("");
        if (!status.isEmpty() && !status.equals("none")) {
            return Optional.of(status);
        }
        String text = c.path("Status").asText("");
        for (String h : List.of("unhealthy", "healthy", "health: starting")) {
            if (text.contains("(" + h + ")")) {
                return Optional.of(h.replace("health: ", ""));
            }
        }
        return Optional.empty();
    }

    static String containers(List<JsonNode> containers, Map<String, String> health) {
        if (containers.isEmpty()) {
            return "No containers.";
        }
        List<String> lines = new ArrayList<>();
        for (JsonNode c : containers) {
            String id = c.path("Id").asText();
            StringBuilder line = new StringBuilder(name(c)).append(" (").append(c.path("Image").asText())
                    .append("): ").append(c.path("State").asText("?"));
            String status = c.path("Status").asText("");
            if (!status.isEmpty()) {
                line.append(", ").append(status.replaceAll("\\s*\\((healthy|unhealthy|health: starting)\\)", ""));
            }
            Optional.ofNullable(health.get(id)).ifPresent(h -> line.append(", ").append(h.toUpperCase(
                    java.util.Locale.ROOT).equals("UNHEALTHY") ? "UNHEALTHY" : h));
            line.append(", id ").append(id, 0, Math.min(12, id.length()));
            lines.add(line.toString());
        }
        lines.sort(String::compareTo);
        return containers.size() + " container(s):\n- " + String.join("\n- ", lines);
    }

    static String container(JsonNode c) {
        JsonNode state = c.path("State");
        StringBuilder out = new StringBuilder(c.path("Name").asText().replaceFirst("^/", ""))
                .append(" (").append(c.path("Config").path("Image").asText(c.path("Image").asText())).append("): ")
                .append(state.path("Status").asText("?"));
        if (state.path("Running").asBoolean()) {
            out.append(" since ").append(state.path("StartedAt").asText());
        } else if (!state.path("FinishedAt").asText("").startsWith("0001")) {
            out.append(", exited with code ").append(state.path("ExitCode").asInt()).append(" at ")
                    .append(state.path("FinishedAt").asText());
        }
        if (state.path("OOMKilled").asBoolean()) {
            out.append("\n- killed for running out of memory (OOM)");
        }
        text(state, "Error").ifPresent(e -> out.append("\n- error: ").append(e));
        JsonNode health = state.path("Health");
        if (health.has("Status")) {
            out.append("\n- health: ").append(health.path("Status").asText()).append(", failing streak ")
                    .append(health.path("FailingStreak").asInt());
            JsonNode log = health.path("Log");
            if (log.isArray() && !log.isEmpty()) {
                JsonNode last = log.get(log.size() - 1);
                out.append("; last check exit ").append(last.path("ExitCode").asInt());
                text(last, "Output").ifPresent(o -> out.append(": ").append(o.strip()));
            }
        }
        out.append("\n- restarts: ").append(c.path("RestartCount").asInt());
        text(c.path("HostConfig").path("RestartPolicy"), "Name")
                .ifPresent(p -> out.append(", policy ").append(p));
        JsonNode config = c.path("Config");
        List<String> command = new ArrayList<>();
        config.path("Entrypoint").forEach(e -> command.add(e.asText()));
        config.path("Cmd").forEach(e -> command.add(e.asText()));
        if (!command.isEmpty()) {
            out.append("\n- command: ").append(String.join(" ", command));
        }
        c.path("Mounts").forEach(m -> out.append("\n- mount ").append(m.path("Source").asText()).append(" -> ")
                .append(m.path("Destination").asText()).append(m.path("RW").asBoolean(true) ? "" : " (read-only)"));
        c.path("NetworkSettings").path("Ports").properties().forEach(p -> {
            if (p.getValue().isArray()) {
                p.getValue().forEach(b -> out.append("\n- port ").append(b.path("HostIp").asText())
                        .append(':').append(b.path("HostPort").asText()).append(" -> ").append(p.getKey()));
            }
        });
        out.append("\n- tty: ").append(config.path("Tty").asBoolean());
        return out.toString();
    }

    static String logs(String container, List<LogFrames.Line> lines, int max) {
        List<LogFrames.Line> last = lines.subList(Math.max(0, lines.size() - max), lines.size());
        if (last.isEmpty()) {
            return "No log lines from " + container + " (or its log driver keeps no log the API can read).";
        }
        StringBuilder out = new StringBuilder("Last ").append(last.size()).append(" log line(s) of ")
                .append(container).append(" (stderr marked):");
        last.forEach(l -> out.append('\n').append(l.stderr() ? "[stderr] " : "").append(l.text()));
        return out.toString();
    }

    /** Docker's {@code docker stats} arithmetic (Engine API: ContainerStatsResponse). */
    static String stats(String container, JsonNode s) {
        JsonNode cpu = s.path("cpu_stats");
        JsonNode pre = s.path("precpu_stats");
        double cpuDelta = cpu.path("cpu_usage").path("total_usage").asDouble()
                - pre.path("cpu_usage").path("total_usage").asDouble();
        double systemDelta = cpu.path("system_cpu_usage").asDouble() - pre.path("system_cpu_usage").asDouble();
        int cpus = cpu.path("online_cpus").asInt(0);
        if (cpus == 0) {
            cpus = Math.max(1, cpu.path("cpu_usage").path("percpu_usage").size());
        }
        StringBuilder out = new StringBuilder(container).append(": CPU ");
        out.append(systemDelta > 0 && cpuDelta >= 0 ? Units.percent(cpuDelta / systemDelta * cpus) : "unknown")
                .append(" (of ").append(cpus).append(" CPUs = ").append(cpus * 100).append("%)");
        JsonNode mem = s.path("memory_stats");
        if (mem.has("usage")) {
            JsonNode stats = mem.path("stats");
            double cache = stats.has("inactive_file") ? stats.path("inactive_file").asDouble()
                    : stats.has("total_inactive_file") ? stats.path("total_inactive_file").asDouble()
                    : stats.path("cache").asDouble();
            double used = mem.path("usage").asDouble() - cache;
            out.append("\n- memory ").append(Units.usage(used, mem.path("limit").asDouble()));
        }
        double rx = 0;
        double tx = 0;
        for (JsonNode net : s.path("networks")) {
            rx += net.path("rx_bytes").asDouble();
            tx += net.path("tx_bytes").asDouble();
        }
        out.append("\n- network in ").append(Units.bytes(rx)).append(", out ").append(Units.bytes(tx));
        double read = 0;
        double write = 0;
        for (JsonNode io : s.path("blkio_stats").path("io_service_bytes_recursive")) {
            String op = io.path("op").asText().toLowerCase(java.util.Locale.ROOT);
            read += op.equals("read") ? io.path("value").asDouble() : 0;
            write += op.equals("write") ? io.path("value").asDouble() : 0;
        }
        out.append("\n- block I/O read ").append(Units.bytes(read)).append(", written ").append(Units.bytes(write));
        if (s.path("pids_stats").has("current")) {
            out.append("\n- processes: ").append(s.path("pids_stats").path("current").asInt());
        }
        return out.toString();
    }

    static String engine(JsonNode version, JsonNode info, String api) {
        StringBuilder out = new StringBuilder();
        String product = version.path("Components").isArray() && !version.path("Components").isEmpty()
                ? version.path("Components").get(0).path("Name").asText("Engine") : "Engine";
        out.append(product).append(' ').append(version.path("Version").asText("?"))
                .append(", API ").append(version.path("ApiVersion").asText("?"))
                .append(" (HAIA uses ").append(api).append(")");
        out.append("\n- host ").append(info.path("Name").asText("?")).append(": ")
                .append(info.path("OperatingSystem").asText(version.path("Os").asText("?")))
                .append(", kernel ").append(info.path("KernelVersion").asText(version.path("KernelVersion").asText("?")))
                .append(", ").append(info.path("NCPU").asInt()).append(" CPUs, ")
                .append(Units.bytes(info.path("MemTotal").asDouble())).append(" memory");
        out.append("\n- containers: ").append(info.path("Containers").asInt()).append(" (")
                .append(info.path("ContainersRunning").asInt()).append(" running, ")
                .append(info.path("ContainersPaused").asInt()).append(" paused, ")
                .append(info.path("ContainersStopped").asInt()).append(" stopped), images: ")
                .append(info.path("Images").asInt());
        out.append("\n- storage driver ").append(info.path("Driver").asText("?")).append(", cgroup v")
                .append(info.path("CgroupVersion").asText("?")).append(" (").append(info.path("CgroupDriver")
                        .asText("?")).append(')');
        info.path("Warnings").forEach(w -> out.append("\n- warning: ").append(w.asText()));
        return out.toString();
    }

    private static String name(JsonNode c) {
        JsonNode names = c.path("Names");
        return names.isArray() && !names.isEmpty() ? names.get(0).asText().replaceFirst("^/", "")
                : c.path("Id").asText();
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isBlank() ? Optional.empty()
                : Optional.of(value.asText());
    }
}
