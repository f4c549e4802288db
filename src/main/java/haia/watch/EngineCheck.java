package haia.watch;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.store.Severity;
import haia.tools.ToolException;
import haia.tools.docker.ContainerHealth;
import haia.tools.docker.DockerClient;
import haia.tools.docker.DockerEndpoint;

/**
 * The container engine's checklist (Docker or Podman, read only): containers that are unhealthy, restarting, were
 * OOM-killed, or exited with a non-zero code since the last round. One list of all containers a round, the health of
 * running ones where the list does not carry it, and an inspection of each stopped one (at most
 * {@value #MAX_INSPECTIONS}).
 */
final class EngineCheck implements Check {

    static final int MAX_INSPECTIONS = 25;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DockerClient client;

    EngineCheck(DockerClient client) {
        this.client = client;
    }

    @Override
    public String source() {
        return "docker";
    }

    @Override
    public Round run(Instant since, Set<String> open) {
        Findings found = new Findings(source());
        List<JsonNode> containers = new ArrayList<>();
        try {
            client.json(new DockerEndpoint.Containers(true)).forEach(containers::add);
        } catch (ToolException e) {
            return Round.failed(e.getMessage());
        }
        Map<String, String> health = ContainerHealth.of(client, containers);
        int inspected = 0;
        for (JsonNode c : containers) {
            String name = name(c);
            String state = c.path("State").asText("");
            ObjectNode seen = JSON.createObjectNode().put("name", name).put("image", c.path("Image").asText(""))
                    .put("state", state).put("status", c.path("Status").asText(""));
            if ("unhealthy".equals(health.get(c.path("Id").asText()))) {
                found.fire("docker/unhealthy/" + name, Severity.WARNING, "Container " + name + " is unhealthy",
                           "health", seen);
            }
            if (state.equals("restarting")) {
                found.fire("docker/restarting/" + name, Severity.WARNING, "Container " + name
                        + " is restarting (a restart loop?)", "state", seen);
            }
            if ((state.equals("exited") || state.equals("dead")) && inspected++ < MAX_INSPECTIONS) {
                stopped(found, name, c, since, open, seen);
            }
        }
        found.covered.add("docker/");
        return found.round();
    }

    /** A stopped container: OOM-killed, or a non-zero exit since the last round (or still open). */
    private void stopped(Findings found, String name, JsonNode c, Instant since, Set<String> open, ObjectNode seen) {
        JsonNode state;
        try {
            state = client.json(new DockerEndpoint.Inspect(new DockerEndpoint.ContainerRef(c.path("Id").asText())))
                    .path("State");
        } catch (ToolException | IllegalArgumentException e) {
            return;   // gone in between
        }
        int code = state.path("ExitCode").asInt(0);
        boolean recent = finished(state).isAfter(since);
        seen.put("exit_code", code).put("oom_killed", state.path("OOMKilled").asBoolean(false))
                .put("finished_at", state.path("FinishedAt").asText("")).put("error", state.path("Error").asText(""));
        String oom = "docker/oom/" + name;
        String exited = "docker/exited/" + name;
        if (state.path("OOMKilled").asBoolean(false) && (recent || open.contains(oom))) {
            found.fire(oom, Severity.CRITICAL, "Container " + name + " was OOM-killed (exit code " + code + ")",
                       "oom", seen);
        } else if (code != 0 && (recent || open.contains(exited))) {
            // 137 is SIGKILL: what the kernel's OOM killer sends; Podman with cgroupfs does not always flag it
            found.fire(exited, Severity.WARNING, "Container " + name + " exited with code " + code + (code == 137
                    ? " (killed by SIGKILL: out of memory, if it was at its memory limit)" : ""), "exit", seen);
        }
    }

    private static Instant finished(JsonNode state) {
        String text = state.path("FinishedAt").asText("");
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();   // Docker: ...Z; Podman: ...+00:00
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private static String name(JsonNode c) {
        JsonNode names = c.path("Names");
        String name = names.isArray() && !names.isEmpty() ? names.get(0).asText() : c.path("Id").asText();
        name = name.startsWith("/") ? name.substring(1) : name;
        return name.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
