package haia.tools.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.tools.Args;
import haia.tools.SourceStatus;
import haia.tools.TableToolSource;
import haia.tools.ToolException;

/**
 * HAIA's read-only look at a Proxmox VE cluster (source {@code pve}): cluster and quorum, resources, nodes, guests,
 * storage, Ceph, tasks and the journal. Each tool turns the model's arguments into one or two {@link PveEndpoint}s
 * (so a bad argument never becomes a request) and the answers into a few compact lines ({@link PveFormat}).
 */
public final class ProxmoxTools extends TableToolSource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NODE = PveEndpoint.Node.SHAPE;
    private static final String NODE_TEXT = "a Proxmox node name such as pve1";
    private static final Pattern GUEST_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");

    private final PveClient client;

    public ProxmoxTools(PveClient client) {
        super("pve", "Proxmox");
        this.client = client;
        tools.add("cluster_status", "Proxmox VE cluster membership and quorum: the cluster name, whether it is"
                        + " quorate, and each node with online/offline and IP. Use first for 'is the cluster OK',"
                        + " quorum or node-down questions.", "{}", List.of(), this::clusterStatus)
                .add("resources", "Everything in the Proxmox cluster with its live usage: nodes (status, CPU, memory,"
                        + " uptime), VMs and containers (vmid, name, node, running/stopped, CPU, memory, uptime) and"
                        + " storage (usage). Optional type: node, vm or storage. Use to find a guest by name or to"
                        + " see what runs where.",
                        "{\"type\":{\"type\":\"string\",\"enum\":[\"node\",\"vm\",\"storage\"],"
                                + "\"description\":\"only this kind of resource\"}}", List.of(), this::resources)
                .add("node_status", "One Proxmox node's health: CPU use and load average, memory, root file system,"
                        + " uptime, kernel and pve-manager version.", NODE_ARGUMENT, REQUIRES_NODE, this::nodeStatus)
                .add("guests", "The VMs (qemu) and containers (lxc) on one Proxmox node with status, CPU, memory and"
                        + " uptime.", NODE_ARGUMENT, REQUIRES_NODE, this::guests)
                .add("guest_status", "The current status of one VM or container: running/stopped, QEMU state, HA"
                        + " state, lock, CPU, memory, uptime. Give vmid (e.g. 101) or name (e.g. k3s); node is"
                        + " looked up when not given.",
                        "{\"vmid\":{\"type\":\"integer\",\"description\":\"guest id, e.g. 101\"},"
                                + "\"name\":{\"type\":\"string\",\"description\":\"guest name, when the id is not"
                                + " known\"}," + nodeProperty() + "}", List.of(), this::guestStatus)
                .add("storage", "The storages one Proxmox node sees: type, content, active/enabled, shared, and"
                        + " usage.", NODE_ARGUMENT, REQUIRES_NODE, this::storage)
                .add("ceph_status", "Ceph health as Proxmox reports it: HEALTH_OK/WARN/ERR with each health check's"
                        + " message, monitors, OSDs up/in, placement groups and usage. Optional node to ask a"
                        + " specific node.", NODE_ARGUMENT, List.of(), this::ceph)
                .add("tasks", "Recent Proxmox tasks (backups, migrations, starts, updates) with status and times,"
                        + " newest first, each with its UPID for task_log. Without node: the whole cluster's recent"
                        + " tasks; with node: that node's, optionally only failed ones or those of one vmid.",
                        "{" + nodeProperty() + ",\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
                                + "\"description\":\"how many, default 20\"},\"errors_only\":{\"type\":\"boolean\"},"
                                + "\"vmid\":{\"type\":\"integer\"}}", List.of(), this::tasks)
                .add("task_log", "The status and the last lines of the log of one Proxmox task, by its UPID (from"
                        + " tasks). Use to see why a backup or migration failed.",
                        "{\"upid\":{\"type\":\"string\",\"description\":\"UPID:node:...: as tasks shows it\"},"
                                + "\"lines\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"description\":"
                                + "\"last lines to show, default 50\"}}", List.of("upid"), this::taskLog)
                .add("journal", "The last lines of a Proxmox node's system journal (syslog), optionally only lines"
                        + " containing a text (e.g. pveproxy, corosync, an error word).",
                        "{" + nodeProperty() + ",\"lines\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,"
                                + "\"description\":\"how many lines, default 50\"},\"contains\":{\"type\":"
                                + "\"string\",\"description\":\"only lines containing this text (any case)\"}}",
                        REQUIRES_NODE, this::journal);
    }

    @Override
    public SourceStatus status() {
        return client.contact().status("Proxmox VE API " + client.base());
    }

    @Override
    public Optional<String> start() {
        return checked("Proxmox", () -> client.get(new PveEndpoint.Version()).has("version") ? Optional.empty()
                : Optional.of("Proxmox at " + client.base() + " answered /version without a version"));
    }

    @Override
    public void close() {
        // the web client holds no resources beyond pooled connections, which close with the JVM
    }

    // ---- the tools ----

    private String clusterStatus(Args args) {
        return PveFormat.clusterStatus(client.get(new PveEndpoint.ClusterStatus()));
    }

    private String resources(Args args) {
        Optional<PveEndpoint.ResourceType> type = args.optionalText("type", Pattern.compile("node|vm|storage"),
                                                                   "one of node, vm, storage")
                .map(t -> PveEndpoint.ResourceType.valueOf(t.toUpperCase(java.util.Locale.ROOT)));
        return PveFormat.resources(client.get(new PveEndpoint.ClusterResources(type)));
    }

    private String nodeStatus(Args args) {
        PveEndpoint.Node node = node(args);
        return PveFormat.nodeStatus(node.name(), client.get(new PveEndpoint.NodeStatus(node)));
    }

    private String guests(Args args) {
        PveEndpoint.Node node = node(args);
        JsonNode vms = client.get(new PveEndpoint.Guests(node, PveEndpoint.GuestKind.QEMU));
        JsonNode cts = client.get(new PveEndpoint.Guests(node, PveEndpoint.GuestKind.LXC));
        return PveFormat.guests(node.name(), vms, cts);
    }

    private String guestStatus(Args args) {
        Optional<Long> vmid = args.optionalNumber("vmid", 100, 999_999_999);
        Optional<String> name = args.optionalText("name", GUEST_NAME, "a guest name such as k3s");
        Optional<String> node = args.optionalText("node", NODE, NODE_TEXT);
        if (vmid.isEmpty() && name.isEmpty()) {
            throw new ToolException("guest_status: give vmid (e.g. 101) or name (e.g. k3s).");
        }
        // where the guest lives and whether it is a VM or a container: from the cluster's resource list
        JsonNode all = client.get(new PveEndpoint.ClusterResources(Optional.of(PveEndpoint.ResourceType.VM)));
        List<JsonNode> matches = new ArrayList<>();
        for (JsonNode guest : all) {
            boolean idOk = vmid.map(v -> guest.path("vmid").asLong() == v).orElse(true);
            boolean nameOk = name.map(n -> n.equalsIgnoreCase(guest.path("name").asText())).orElse(true);
            boolean nodeOk = node.map(n -> n.equals(guest.path("node").asText())).orElse(true);
            if (idOk && nameOk && nodeOk) {
                matches.add(guest);
            }
        }
        if (matches.isEmpty()) {
            throw new ToolException("No VM or container " + vmid.map(String::valueOf).or(() -> name).orElseThrow()
                                            + " in the cluster (or the token may not see it: VM.Audit).");
        }
        if (matches.size() > 1) {
            return "Several guests match; give the vmid:\n" + PveFormat.resources(JSON.valueToTree(matches));
        }
        JsonNode guest = matches.getFirst();
        PveEndpoint.GuestKind kind = "lxc".equals(guest.path("type").asText()) ? PveEndpoint.GuestKind.LXC
                : PveEndpoint.GuestKind.QEMU;
        PveEndpoint.Node at = new PveEndpoint.Node(guest.path("node").asText());
        PveEndpoint.VmId id = new PveEndpoint.VmId(guest.path("vmid").asLong());
        return PveFormat.guestStatus(kind, at.name(), client.get(new PveEndpoint.GuestStatus(at, kind, id)));
    }

    private String storage(Args args) {
        PveEndpoint.Node node = node(args);
        return PveFormat.storage(node.name(), client.get(new PveEndpoint.Storage(node)));
    }

    private String ceph(Args args) {
        Optional<PveEndpoint.Node> node = args.optionalText("node", NODE, NODE_TEXT).map(PveEndpoint.Node::new);
        return PveFormat.ceph(client.get(new PveEndpoint.CephStatus(node)));
    }

    private String tasks(Args args) {
        int limit = (int) args.number("limit", 1, 100, 20);
        Optional<PveEndpoint.Node> node = args.optionalText("node", NODE, NODE_TEXT).map(PveEndpoint.Node::new);
        boolean errors = args.flag("errors_only", false);
        Optional<PveEndpoint.VmId> vmid = args.optionalNumber("vmid", 100, 999_999_999).map(PveEndpoint.VmId::new);
        if (node.isEmpty()) {
            JsonNode all = client.get(new PveEndpoint.ClusterTasks());
            return PveFormat.tasks(all, limit, errors, vmid.map(PveEndpoint.VmId::id));
        }
        return PveFormat.tasks(client.get(new PveEndpoint.NodeTasks(node.get(), limit, errors, vmid)), limit, false,
                               Optional.empty());
    }

    private String taskLog(Args args) {
        String text = args.text("upid", PveEndpoint.Upid.SHAPE, "a task id like UPID:pve1:000A1B2C:...: from tasks");
        PveEndpoint.Upid upid = new PveEndpoint.Upid(text);
        int lines = (int) args.number("lines", 1, 500, 50);
        JsonNode status = client.get(new PveEndpoint.TaskStatus(upid));
        JsonNode log = client.get(new PveEndpoint.TaskLog(upid, 5000));
        return PveFormat.taskLog(status, log, lines);
    }

    private String journal(Args args) {
        PveEndpoint.Node node = node(args);
        int lines = (int) args.number("lines", 1, 500, 50);
        Optional<String> contains = args.optionalText("contains", Pattern.compile("[^\\p{Cntrl}]{1,100}"),
                                                      "a short text");
        // with a filter, look further back so that a few matching lines can be found
        int fetch = contains.isPresent() ? 2000 : lines;
        return PveFormat.journal(node.name(), client.get(new PveEndpoint.Journal(node, fetch)), lines, contains);
    }

    // ---- helpers ----

    private static PveEndpoint.Node node(Args args) {
        return new PveEndpoint.Node(args.text("node", NODE, NODE_TEXT));
    }

    private static String nodeProperty() {
        return "\"node\":{\"type\":\"string\",\"description\":\"node name, e.g. pve1\"}";
    }

    private static final String NODE_ARGUMENT = "{" + nodeProperty() + "}";
    private static final List<String> REQUIRES_NODE = List.of("node");


}
