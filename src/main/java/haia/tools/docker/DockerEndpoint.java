package haia.tools.docker;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Every engine API request HAIA can make, and nothing else: GETs of fixed path shapes whose only variable part is a
 * validated {@link ContainerRef}. {@link DockerClient} accepts only these, prefixes the negotiated API version and
 * checks the finished target once more against {@link #ALLOWED}.
 */
public sealed interface DockerEndpoint {

    /** The allow-list of finished targets (with the negotiated {@code /v1.NN} prefix, except for {@code /_ping}). */
    List<Pattern> ALLOWED = List.of(
            Pattern.compile("/_ping"),
            Pattern.compile("(/v\\d+\\.\\d+)?/(version|info)"),
            Pattern.compile("(/v\\d+\\.\\d+)?/containers/json\\?all=[01]"),
            Pattern.compile("(/v\\d+\\.\\d+)?/containers/[a-zA-Z0-9][a-zA-Z0-9_.-]*/json"),
            Pattern.compile("(/v\\d+\\.\\d+)?/containers/[a-zA-Z0-9][a-zA-Z0-9_.-]*/logs"
                                    + "\\?stdout=1&stderr=1&tail=\\d+&timestamps=[01]"),
            Pattern.compile("(/v\\d+\\.\\d+)?/containers/[a-zA-Z0-9][a-zA-Z0-9_.-]*/stats\\?stream=false"));

    /** The target without the version prefix. */
    String target();

    /** Whether the target is sent without the version prefix (only the negotiation itself). */
    default boolean unversioned() {
        return false;
    }

    /** A container's name or id, as the engine accepts them ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}). */
    record ContainerRef(String value) {
        static final Pattern SHAPE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

        public ContainerRef {
            if (!SHAPE.matcher(value).matches()) {
                throw new IllegalArgumentException("not a container name or id: " + value);
            }
        }
    }

    record Ping() implements DockerEndpoint {
        public String target() {
            return "/_ping";
        }

        @Override
        public boolean unversioned() {
            return true;
        }
    }

    record Version() implements DockerEndpoint {
        public String target() {
            return "/version";
        }
    }

    record Info() implements DockerEndpoint {
        public String target() {
            return "/info";
        }
    }

    record Containers(boolean all) implements DockerEndpoint {
        public String target() {
            return "/containers/json?all=" + (all ? 1 : 0);
        }
    }

    record Inspect(ContainerRef container) implements DockerEndpoint {
        public String target() {
            return "/containers/" + container.value() + "/json";
        }
    }

    record Logs(ContainerRef container, int tail, boolean timestamps) implements DockerEndpoint {
        public String target() {
            return "/containers/" + container.value() + "/logs?stdout=1&stderr=1&tail=" + tail + "&timestamps="
                    + (timestamps ? 1 : 0);
        }
    }

    /** One sample (Docker waits for a second one to fill {@code precpu_stats}; Podman 4 does not). */
    record Stats(ContainerRef container) implements DockerEndpoint {
        public String target() {
            return "/containers/" + container.value() + "/stats?stream=false";
        }
    }
}
