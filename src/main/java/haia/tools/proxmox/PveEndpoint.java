package haia.tools.proxmox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every Proxmox VE API request HAIA can make, and nothing else: each is a GET of one fixed path shape below
 * {@code /api2/json}, whose variable parts are typed values validated when they are built ({@link Node},
 * {@link VmId}, {@link Upid}). {@link PveClient} accepts only these, and checks the finished target once more
 * against {@link #ALLOWED}, so no argument a model sends can reach another path, a query parameter of its own, or a
 * method other than GET.
 */
public sealed interface PveEndpoint {

    /** The allow-list: every target an endpoint may produce matches one of these, whole. */
    List<Pattern> ALLOWED = List.of(
            Pattern.compile("/version"),
            Pattern.compile("/cluster/status"),
            Pattern.compile("/cluster/resources(\\?type=(vm|storage|node))?"),
            Pattern.compile("/cluster/ceph/status"),
            Pattern.compile("/cluster/tasks"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/(status|storage|ceph/status|qemu|lxc)"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/(qemu|lxc)/\\d+/status/current"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/tasks\\?limit=\\d+(&errors=1)?(&vmid=\\d+)?"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/tasks/UPID%3A[A-Za-z0-9%._-]+/(status|log\\?start=0&limit=\\d+)"),
            Pattern.compile("/nodes/[a-zA-Z0-9-]+/journal\\?lastentries=\\d+"));

    /** The path below {@code /api2/json} with its query, percent-encoded. */
    String target();

    /** A cluster node's name: a host name without domain. */
    record Node(String name) {
        static final Pattern SHAPE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?");

        public Node {
            if (!SHAPE.matcher(name).matches()) {
                throw new IllegalArgumentException("not a Proxmox node name: " + name);
            }
        }
    }

    /** A guest's id, as Proxmox allows them (100 to 999999999). */
    record VmId(long id) {
        public VmId {
            if (id < 100 || id > 999_999_999) {
                throw new IllegalArgumentException("not a Proxmox guest id: " + id);
            }
        }
    }

    /** A task id, {@code UPID:node:pid:pstart:starttime:type:id:user:}; names the node it ran on. */
    record Upid(String value) {
        static final Pattern SHAPE = Pattern.compile(
                "UPID:([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?):[0-9A-Fa-f]{8,16}:[0-9A-Fa-f]{8,16}:[0-9A-Fa-f]{8,16}"
                        + ":[a-zA-Z0-9_-]{1,64}:[a-zA-Z0-9_.-]{0,64}:[a-zA-Z0-9_.@!-]{1,128}:");

        public Upid {
            if (!SHAPE.matcher(value).matches()) {
                throw new IllegalArgumentException("not a Proxmox task id (UPID): " + value);
            }
        }

        public Node node() {
            return new Node(value.split(":")[1]);
        }

        String encoded() {
            return URLEncoder.encode(value, StandardCharsets.UTF_8);
        }
    }

    enum GuestKind {
        QEMU("qemu"), LXC("lxc");

        final String path;

        GuestKind(String path) {
            this.path = path;
        }
    }

    enum ResourceType {
        VM, STORAGE, NODE;

        String query() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    record Version() implements PveEndpoint {
        public String target() {
            return "/version";
        }
    }

    record ClusterStatus() implements PveEndpoint {
        public String target() {
            return "/cluster/status";
        }
    }

    record ClusterResources(Optional<ResourceType> type) implements PveEndpoint {
        public String target() {
            return "/cluster/resources" + type.map(t -> "?type=" + t.query()).orElse("");
        }
    }

    record NodeStatus(Node node) implements PveEndpoint {
        public String target() {
            return "/nodes/" + node.name() + "/status";
        }
    }

    record Guests(Node node, GuestKind kind) implements PveEndpoint {
        public String target() {
            return "/nodes/" + node.name() + "/" + kind.path;
        }
    }

    record GuestStatus(Node node, GuestKind kind, VmId vmid) implements PveEndpoint {
        public String target() {
            return "/nodes/" + node.name() + "/" + kind.path + "/" + vmid.id() + "/status/current";
        }
    }

    record Storage(Node node) implements PveEndpoint {
        public String target() {
            return "/nodes/" + node.name() + "/storage";
        }
    }

    record CephStatus(Optional<Node> node) implements PveEndpoint {
        public String target() {
            return node.map(n -> "/nodes/" + n.name() + "/ceph/status").orElse("/cluster/ceph/status");
        }
    }

    record ClusterTasks() implements PveEndpoint {
        public String target() {
            return "/cluster/tasks";
        }
    }

    record NodeTasks(Node node, int limit, boolean errorsOnly, Optional<VmId> vmid) implements PveEndpoint {
        public String target() {
            return "/nodes/" + node.name() + "/tasks?limit=" + limit + (errorsOnly ? "&errors=1" : "")
                    + vmid.map(v -> "&vmid=" + v.id()).orElse("");
        }
    }

    record TaskStatus(Upid upid) implements PveEndpoint {
        public String target() {
            return "/nodes/" + upid.node().name() + "/tasks/" + upid.encoded() + "/status";
        }
    }

    record TaskLog(Upid upid, int limit) implements PveEndpoint {
        public String target() {
            return "/nodes/" + upid.node().name() + "/tasks/" + upid.encoded() + "/log?start=0&limit=" + limit;
        }
    }

    record Journal(Node node, int lastEntries) implements PveEndpoint {
        public String target() {
            return "/nodes/" + node.name() + "/journal?lastentries=" + lastEntries;
        }
    }
}
