package haia.tools.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.tools.Args;
import haia.tools.SourceStatus;
import haia.tools.TableToolSource;
import haia.tools.ToolException;

/**
 * HAIA's read-only look at a Docker or Podman engine (source {@code docker}): containers with state and health, one
 * container's details, its recent logs, its resource usage, and the engine itself.
 */
public final class DockerTools extends TableToolSource {

    private final DockerClient client;

    public DockerTools(DockerClient client) {
        super("docker", "The container engine");
        this.client = client;
        tools.add("containers", "The containers of the Docker/Podman engine HAIA can see: name, image, state"
                + " (running/exited/...), status text, health (healthy/unhealthy/starting) and short id. all=false"
                + " lists only running ones.", "{\"all\":{\"type\":\"boolean\",\"description\":\"include stopped"
                + " containers (default true)\"}}", List.of(), this::containers);
        tools.add("container", "One container's details: state, since when, exit code, OOM kill, error, health and its"
                + " last check output, restart count and policy, image, command, mounts, ports.",
            CONTAINER, List.of("container"), this::container);
        tools.add("logs", "The last lines of a container's log (stdout and stderr, stderr lines marked), with"
                + " timestamps. Use to see why a container fails or restarts.", "{" + CONTAINER_PROPERTY
                + ",\"lines\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"description\":\"how many, default"
                + " 50\"}}", List.of("container"), this::logs);
        tools.add("stats", "A running container's resource use right now: CPU % (as docker stats computes it), memory"
                + " used and limit, network and block I/O, processes. Takes about a second.", CONTAINER,
            List.of("container"), this::stats);
        tools.add("engine", "The container engine: product and version, API version, OS and kernel, CPUs and memory,"
                + " storage driver, cgroup version, and how many containers run, are stopped, and images.",
            "{}", List.of(), args -> engine());
    }

    private static final String CONTAINER_PROPERTY = "\"container\":{\"type\":\"string\",\"description\":"
            + "\"container name or id, e.g. nextcloud\"}";
    private static final String CONTAINER = "{" + CONTAINER_PROPERTY + "}";

    @Override
    public SourceStatus status() {
        return client.contact().status("container engine unix://" + client.socket() + ", API "
                + client.apiVersion());
    }

    @Override
    public Optional<String> start() {
        return checked("Docker/Podman", () -> {
            client.json(new DockerEndpoint.Version());
            return Optional.empty();
        });
    }

    @Override
    public void close() {
        // one connection per request: nothing stays open
    }

    // ---- the tools ----

    private String containers(Args args) {
        JsonNode list = client.json(new DockerEndpoint.Containers(args.flag("all", true)));
        List<JsonNode> containers = new ArrayList<>();
        list.forEach(containers::add);
        Map<String, String> health = ContainerHealth.of(client, containers);
        return DockerFormat.containers(containers, health);
    }

    private String container(Args args) {
        return DockerFormat.container(client.json(new DockerEndpoint.Inspect(ref(args))));
    }

    private String logs(Args args) {
        DockerEndpoint.ContainerRef ref = ref(args);
        int lines = (int) args.number("lines", 1, 500, 50);
        boolean tty = client.json(new DockerEndpoint.Inspect(ref)).path("Config").path("Tty").asBoolean(false);
        byte[] body = client.bytes(new DockerEndpoint.Logs(ref, lines, true));
        return DockerFormat.logs(ref.value(), LogFrames.lines(body, tty), lines);
    }

    private String stats(Args args) {
        DockerEndpoint.ContainerRef ref = ref(args);
        JsonNode sample = client.json(new DockerEndpoint.Stats(ref));
        if (sample.path("precpu_stats").path("system_cpu_usage").asLong() == 0
                && sample.path("cpu_stats").path("system_cpu_usage").asLong() > 0) {
            // Podman answers one sample without a previous one: take a second a moment later and use the first as
            // the previous, which is what Docker does inside the daemon
            sleep();
            ObjectNode second = (ObjectNode) client.json(new DockerEndpoint.Stats(ref)).deepCopy();
            second.set("precpu_stats", sample.path("cpu_stats"));
            sample = second;
        }
        return DockerFormat.stats(ref.value(), sample);
    }

    private String engine() {
        return DockerFormat.engine(client.json(new DockerEndpoint.Version()), client.json(new DockerEndpoint.Info()),
                                   client.apiVersion());
    }

    // ---- helpers ----

    private static DockerEndpoint.ContainerRef ref(Args args) {
        String raw = args.text("container", java.util.regex.Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}"),
                               "a container name or id such as nextcloud");
        return new DockerEndpoint.ContainerRef(raw.startsWith("/") ? raw.substring(1) : raw);
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("cancelled");
        }
    }

}
