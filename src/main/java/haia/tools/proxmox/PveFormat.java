package haia.tools.proxmox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;

import haia.tools.Units;

/**
 * Proxmox answers as the few lines an operator would read: the fields that matter, human units, one line per item.
 * The shapes are those of the Proxmox VE API ({@code apidata.js}); missing fields are left out, never guessed.
 */
final class PveFormat {

    private PveFormat() {
    }

    static String clusterStatus(JsonNode items) {
        StringBuilder out = new StringBuilder();
        JsonNode cluster = find(items, "cluster");
        List<JsonNode> nodes = of(items).stream().filter(i -> "node".equals(i.path("type").asText())).toList();
        long online = nodes.stream().filter(n -> n.path("online").asInt() == 1).count();
        if (cluster == null) {
            out.append("Not a cluster: a single Proxmox node.\n");
        } else {
            out.append("Cluster '").append(cluster.path("name").asText()).append("': ")
                    .append(cluster.path("quorate").asInt() == 1 ? "quorate" : "NOT QUORATE")
                    .append(", ").append(online).append(" of ").append(cluster.path("nodes").asInt(nodes.size()))
                    .append(" nodes online, config version ").append(cluster.path("version").asText("?")).append('\n');
        }
        for (JsonNode node : nodes) {
            out.append("- ").append(node.path("name").asText()).append(": ")
                    .append(node.path("online").asInt() == 1 ? "online" : "OFFLINE");
            if (node.path("local").asInt() == 1) {
                out.append(" (the node HAIA talks to)");
            }
            text(node, "ip").ifPresent(ip -> out.append(", ip ").append(ip));
            out.append('\n');
        }
        return out.toString().strip();
    }

    static String resources(JsonNode items) {
        List<String> nodes = new ArrayList<>();
        List<String> guests = new ArrayList<>();
        List<String> storage = new ArrayList<>();
        List<JsonNode> sorted = new ArrayList<>(of(items));
        // guests of both kinds together, by id
        sorted.sort(Comparator.comparing((JsonNode r) -> r.path("type").asText().replace("lxc", "qemu"))
                            .thenComparingLong(r -> r.path("vmid").asLong())
                            .thenComparing(r -> r.path("id").asText()));
        for (JsonNode r : sorted) {
            switch (r.path("type").asText()) {
                case "node" -> nodes.add(r.path("node").asText() + ": " + r.path("status").asText("unknown")
                        + usage(r));
                case "qemu", "lxc" -> guests.add(guest(r));
                case "storage" -> storage.add(r.path("storage").asText() + " on " + r.path("node").asText() + ": "
                        + r.path("status").asText("unknown")
                        + (r.has("maxdisk") ? ", " + Units.usage(r.path("disk").asDouble(), r.path("maxdisk").asDouble())
                        : ""));
                default -> {
                    // pools and SDN zones are not what this tool is for
                }
            }
        }
        StringBuilder out = new StringBuilder();
        section(out, "Nodes", nodes);
        section(out, "VMs (qemu) and containers (lxc)", guests);
        section(out, "Storage", storage);
        return out.isEmpty() ? "No resources visible (the token may lack VM.Audit/Datastore.Audit/Sys.Audit)."
                : out.toString().strip();
    }

    static String nodeStatus(String node, JsonNode s) {
        StringBuilder out = new StringBuilder("Node ").append(node).append(":\n");
        out.append("- CPU ").append(Units.percent(s.path("cpu").asDouble()));
        JsonNode info = s.path("cpuinfo");
        if (info.has("cpus")) {
            out.append(" of ").append(info.path("cpus").asInt()).append(" CPUs (")
                    .append(info.path("model").asText("?")).append(')');
        }
        if (s.path("loadavg").isArray()) {
            out.append(", load ").append(String.join(" ", of(s.path("loadavg")).stream().map(JsonNode::asText).toList()));
        }
        out.append('\n');
        JsonNode mem = s.path("memory");
        out.append("- memory ").append(Units.usage(mem.path("used").asDouble(), mem.path("total").asDouble())).append('\n');
        JsonNode root = s.path("rootfs");
        out.append("- root fs ").append(Units.usage(root.path("used").asDouble(), root.path("total").asDouble()))
                .append('\n');
        if (s.has("swap")) {
            out.append("- swap ").append(Units.usage(s.path("swap").path("used").asDouble(),
                                                      s.path("swap").path("total").asDouble())).append('\n');
        }
        if (s.has("uptime")) {
            out.append("- uptime ").append(Units.duration(s.path("uptime").asLong())).append('\n');
        }
        text(s, "pveversion").ifPresent(v -> out.append("- ").append(v).append('\n'));
        text(s, "kversion").ifPresent(v -> out.append("- kernel ").append(v).append('\n'));
        return out.toString().strip();
    }

    static String guests(String node, JsonNode vms, JsonNode cts) {
        List<String> lines = new ArrayList<>();
        of(vms).forEach(v -> lines.add(guestLine(v, "qemu", node)));
        of(cts).forEach(c -> lines.add(guestLine(c, "lxc", node)));
        lines.sort(Comparator.naturalOrder());
        return lines.isEmpty() ? "No VMs or containers on " + node + " (or the token may lack VM.Audit)."
                : "Guests on " + node + ":\n- " + String.join("\n- ", lines);
    }

    static String guestStatus(PveEndpoint.GuestKind kind, String node, JsonNode s) {
        StringBuilder out = new StringBuilder(guestLine(s, kind.path, node));
        text(s, "qmpstatus").filter(q -> !q.equals(s.path("status").asText()))
                .ifPresent(q -> out.append("\n- QEMU state: ").append(q));
        text(s, "lock").ifPresent(l -> out.append("\n- LOCKED: ").append(l));
        JsonNode ha = s.path("ha");
        if (ha.path("managed").asInt() == 1) {
            out.append("\n- HA: ").append(ha.path("state").asText("managed"));
        }
        if (s.has("maxdisk") && kind == PveEndpoint.GuestKind.LXC) {
            out.append("\n- root disk ").append(Units.usage(s.path("disk").asDouble(), s.path("maxdisk").asDouble()));
        }
        text(s, "tags").ifPresent(t -> out.append("\n- tags: ").append(t));
        return out.toString();
    }

    static String storage(String node, JsonNode items) {
        List<String> lines = new ArrayList<>();
        for (JsonNode s : of(items)) {
            StringBuilder line = new StringBuilder(s.path("storage").asText()).append(" (")
                    .append(s.path("type").asText()).append("): ")
                    .append(s.path("active").asInt() == 1 ? "active" : "INACTIVE")
                    .append(s.path("enabled").asInt(1) == 1 ? "" : ", disabled")
                    .append(s.path("shared").asInt() == 1 ? ", shared" : "");
            if (s.has("total")) {
                line.append(", ").append(Units.usage(s.path("used").asDouble(), s.path("total").asDouble()));
            }
            text(s, "content").ifPresent(c -> line.append(", holds ").append(c));
            lines.add(line.toString());
        }
        lines.sort(Comparator.naturalOrder());
        return lines.isEmpty() ? "No storage visible on " + node + " (or the token may lack Datastore.Audit)."
                : "Storage on " + node + ":\n- " + String.join("\n- ", lines);
    }

    static String ceph(JsonNode s) {
        JsonNode health = s.path("health");
        StringBuilder out = new StringBuilder("Ceph: ").append(health.path("status").asText("unknown"));
        health.path("checks").properties().forEach(check -> {
            JsonNode c = check.getValue();
            out.append("\n- ").append(check.getKey()).append(" (").append(c.path("severity").asText()).append("): ")
                    .append(c.path("summary").path("message").asText());
        });
        JsonNode osd = s.path("osdmap");
        JsonNode osdCounts = osd.has("osdmap") ? osd.path("osdmap") : osd;   // older Ceph nests it once more
        if (osdCounts.has("num_osds")) {
            out.append("\n- OSDs: ").append(osdCounts.path("num_osds").asInt()).append(" total, ")
                    .append(osdCounts.path("num_up_osds").asInt()).append(" up, ")
                    .append(osdCounts.path("num_in_osds").asInt()).append(" in");
        }
        JsonNode mons = s.path("monmap").path("mons");
        if (mons.isArray()) {
            out.append("\n- monitors: ").append(String.join(", ", of(mons).stream()
                    .map(m -> m.path("name").asText()).toList()));
        }
        JsonNode pg = s.path("pgmap");
        if (pg.has("num_pgs")) {
            out.append("\n- PGs: ").append(pg.path("num_pgs").asInt());
            of(pg.path("pgs_by_state")).forEach(st -> out.append(", ").append(st.path("count").asInt()).append(' ')
                    .append(st.path("state_name").asText()));
        }
        if (pg.has("bytes_total")) {
            out.append("\n- usage ").append(Units.usage(pg.path("bytes_used").asDouble(), pg.path("bytes_total").asDouble()));
        }
        return out.toString();
    }

    static String tasks(JsonNode items, int limit, boolean errorsOnly, Optional<Long> vmid) {
        List<JsonNode> tasks = new ArrayList<>(of(items));
        tasks.removeIf(t -> errorsOnly && (!t.has("status") || "OK".equals(t.path("status").asText())));
        tasks.removeIf(t -> vmid.isPresent() && !String.valueOf(vmid.get()).equals(t.path("id").asText()));
        tasks.sort(Comparator.comparingLong((JsonNode t) -> t.path("starttime").asLong()).reversed());
        if (tasks.isEmpty()) {
            return "No matching tasks.";
        }
        StringBuilder out = new StringBuilder("Recent tasks, newest first:");
        tasks.stream().limit(limit).forEach(t -> {
            out.append("\n- ").append(time(t.path("starttime").asLong())).append(' ')
                    .append(t.path("type").asText());
            text(t, "id").ifPresent(id -> out.append(' ').append(id));
            out.append(" on ").append(t.path("node").asText()).append(" by ").append(t.path("user").asText())
                    .append(": ").append(t.has("endtime") || t.has("status") ? t.path("status").asText("running")
                                                 : "running");
            if (t.has("endtime") && t.has("starttime")) {
                out.append(" after ").append(Units.duration(t.path("endtime").asLong() - t.path("starttime").asLong()));
            }
            out.append("\n  ").append(t.path("upid").asText());
        });
        return out.toString();
    }

    static String taskLog(JsonNode status, JsonNode log, int lines) {
        StringBuilder out = new StringBuilder("Task ").append(status.path("type").asText()).append(' ')
                .append(status.path("id").asText()).append(" on ").append(status.path("node").asText()).append(": ")
                .append(status.path("status").asText());
        text(status, "exitstatus").ifPresent(e -> out.append(", exit status ").append(e));
        List<JsonNode> all = of(log);
        int from = Math.max(0, all.size() - lines);
        out.append(from > 0 ? "\nLast " + (all.size() - from) + " of " + all.size() + " log lines:" : "\nLog:");
        all.subList(from, all.size()).forEach(l -> out.append('\n').append(l.path("t").asText()));
        return out.toString();
    }

    static String journal(String node, JsonNode entries, int lines, Optional<String> contains) {
        List<String> all = of(entries).stream().map(JsonNode::asText)
                .filter(l -> contains.map(c -> l.toLowerCase(Locale.ROOT).contains(c.toLowerCase(Locale.ROOT)))
                        .orElse(true))
                .toList();
        List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
        if (last.isEmpty()) {
            return "No journal lines on " + node + contains.map(c -> " containing '" + c + "'").orElse("") + ".";
        }
        return "Journal of " + node + contains.map(c -> ", lines containing '" + c + "'").orElse("") + " (last "
                + last.size() + "):\n" + String.join("\n", last);
    }

    // ---- pieces ----

    private static String guest(JsonNode r) {
        return r.path("vmid").asText() + " " + r.path("name").asText("(no name)") + " (" + r.path("type").asText()
                + " on " + r.path("node").asText() + "): " + r.path("status").asText("unknown") + usage(r)
                + (r.path("template").asInt() == 1 ? ", template" : "")
                + text(r, "hastate").map(h -> ", HA " + h).orElse("");
    }

    private static String guestLine(JsonNode g, String kind, String node) {
        return g.path("vmid").asText() + " " + g.path("name").asText("(no name)") + " (" + kind + " on " + node
                + "): " + g.path("status").asText("unknown") + usage(g)
                + (g.path("template").asInt() == 1 ? ", template" : "");
    }

    /** CPU, memory and uptime of a running guest or online node, where the item has them. */
    private static String usage(JsonNode r) {
        StringBuilder out = new StringBuilder();
        String status = r.path("status").asText();
        if (!status.equals("running") && !status.equals("online")) {
            return "";   // a stopped guest's zeros and an offline node's stale figures only distract
        }
        if (r.has("cpu") && r.has("maxcpu")) {
            out.append(", CPU ").append(Units.percent(r.path("cpu").asDouble())).append(" of ")
                    .append(r.path("maxcpu").asInt());
        } else if (r.has("cpu") && r.has("cpus")) {
            out.append(", CPU ").append(Units.percent(r.path("cpu").asDouble())).append(" of ")
                    .append(r.path("cpus").asInt());
        }
        if (r.has("maxmem")) {
            out.append(", memory ").append(Units.usage(r.path("mem").asDouble(), r.path("maxmem").asDouble()));
        }
        if (r.path("uptime").asLong() > 0) {
            out.append(", up ").append(Units.duration(r.path("uptime").asLong()));
        }
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.append(title).append(":\n- ").append(String.join("\n- ", lines)).append('\n');
        }
    }

    private static JsonNode find(JsonNode items, String type) {
        return of(items).stream().filter(i -> type.equals(i.path("type").asText())).findFirst().orElse(null);
    }

    private static List<JsonNode> of(JsonNode array) {
        return array != null && array.isArray() ? StreamSupport.stream(array.spliterator(), false).toList() : List.of();
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isBlank() ? Optional.empty()
                : Optional.of(value.asText());
    }

    private static String time(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).toString().replace("T", " ");
    }
}
