package haia.tools.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

/** Containers' health checks, for the containers tool and the watch's engine check. */
public final class ContainerHealth {

    /** Containers inspected for their health when the list does not carry it (Podman 4): at most this many. */
    static final int MAX_HEALTH_LOOKUPS = 25;

    private ContainerHealth() {
    }

    /**
     * Health per container id: from the list where the engine puts it there (Docker: {@code Health} or
     * "(healthy)" in {@code Status}), else from inspecting running containers in parallel (Podman 4 lists no health).
     */
    public static Map<String, String> of(DockerClient client, List<JsonNode> containers) {
        Map<String, String> health = new LinkedHashMap<>();
        List<JsonNode> unknown = new ArrayList<>();
        for (JsonNode c : containers) {
            Optional<String> listed = DockerFormat.listedHealth(c);
            if (listed.isPresent()) {
                health.put(c.path("Id").asText(), listed.get());
            } else if ("running".equals(c.path("State").asText()) && unknown.size() < MAX_HEALTH_LOOKUPS) {
                unknown.add(c);
            }
        }
        if (unknown.isEmpty() || health.size() > 0) {
            return health;   // an engine that lists health for some lists it for all that have one
        }
        try (ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<JsonNode>> inspections = new LinkedHashMap<>();
            for (JsonNode c : unknown) {
                String id = c.path("Id").asText();
                inspections.put(id, lookups.submit(() -> client.json(new DockerEndpoint.Inspect(
                        new DockerEndpoint.ContainerRef(id)))));
            }
            inspections.forEach((id, inspection) -> {
                try {
                    String status = inspection.get().path("State").path("Health").path("Status").asText("");
                    if (!status.isEmpty()) {
                        health.put(id, status);
                    }
                } catch (Exception e) {
                    // the container may have gone in between: no health to show
                }
            });
        }
        return health;
    }

}
