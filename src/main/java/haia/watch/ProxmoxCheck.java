package haia.watch;

import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import haia.store.Severity;
import haia.tools.ToolException;
import haia.tools.Units;
import haia.tools.proxmox.PveClient;
import haia.tools.proxmox.PveEndpoint;

/**
 * The Proxmox VE checklist, four GETs a round: quorum and offline nodes ({@code /cluster/status}), Ceph's health
 * checks ({@code /cluster/ceph/status}), storages over the fill limit ({@code /cluster/resources?type=storage}) and
 * tasks that failed, backups included ({@code /cluster/tasks}). A part that cannot run is reported once (the
 * {@code pve/check} finding); the parts that ran still count.
 */
final class ProxmoxCheck implements Check {

    private final PveClient client;
    private final int storagePercent;
    /** Whether this cluster has Ceph: it answered once, or a storage is RBD or CephFS. */
    private volatile boolean ceph;

    ProxmoxCheck(PveClient client, int storagePercent) {
        this.client = client;
        this.storagePercent = storagePercent;
    }

    @Override
    public String source() {
        return "pve";
    }

    @Override
    public Round run(Instant since, Set<String> open) {
        Findings found = new Findings(source());
        part(found, () -> cluster(found));
        part(found, () -> storage(found));
        part(found, () -> tasks(found, since, open));
        try {
            ceph(found, client.get(new PveEndpoint.CephStatus(Optional.empty())));
            ceph = true;
        } catch (ToolException e) {
            if (ceph) {
                found.cannot("Ceph's status: " + e.getMessage());   // a cluster without Ceph answers this too
            }
        }
        return found.round();
    }

    private static void part(Findings found, Runnable part) {
        try {
            part.run();
        } catch (ToolException e) {
            found.cannot(e.getMessage());
        }
    }

    private void cluster(Findings found) {
        JsonNode status = client.get(new PveEndpoint.ClusterStatus());
        for (JsonNode item : status) {
            String name = item.path("name").asText();
            if ("cluster".equals(item.path("type").asText()) && item.has("quorate")
                    && item.path("quorate").asInt() == 0) {
                found.fire("pve/quorum", Severity.CRITICAL, "Proxmox cluster " + name + " has lost quorum",
                           "quorum", item);
            }
            if ("node".equals(item.path("type").asText()) && item.path("online").asInt(1) == 0) {
                found.fire("pve/node/" + name, Severity.CRITICAL, "Proxmox node " + name + " is offline", "nodes",
                           item);
            }
        }
        found.covered.add("pve/quorum");
        found.covered.add("pve/node/");
    }

    private void ceph(Findings found, JsonNode status) {
        JsonNode health = status.path("health");
        String overall = health.path("status").asText("HEALTH_OK");
        if (!overall.equals("HEALTH_OK")) {
            var checks = health.path("checks").properties().iterator();
            boolean any = false;
            while (checks.hasNext()) {
                var check = checks.next();
                String level = check.getValue().path("severity").asText(overall);
                if (check.getValue().path("muted").asBoolean(false)) {
                    continue;   // the operator muted it in Ceph
                }
                any = true;
                found.fire("pve/ceph/" + level + "/" + check.getKey(), level.equals("HEALTH_ERR") ? Severity.CRITICAL
                        : Severity.WARNING, "Ceph " + level + ": " + check.getKey() + ": "
                        + check.getValue().path("summary").path("message").asText(""), "ceph", check.getValue());
            }
            if (!any && !health.path("checks").isObject()) {
                found.fire("pve/ceph/" + overall, overall.equals("HEALTH_ERR") ? Severity.CRITICAL
                        : Severity.WARNING, "Ceph is " + overall, "ceph", health);
            }
        }
        found.covered.add("pve/ceph/");
    }

    private void storage(Findings found) {
        JsonNode storages = client.get(new PveEndpoint.ClusterResources(
                Optional.of(PveEndpoint.ResourceType.STORAGE)));
        for (JsonNode s : storages) {
            String plugin = s.path("plugintype").asText("");
            if (plugin.equals("rbd") || plugin.equals("cephfs")) {
                ceph = true;
            }
            double used = s.path("disk").asDouble(0);
            double size = s.path("maxdisk").asDouble(0);
            if (size <= 0 || !"available".equals(s.path("status").asText())) {
                continue;
            }
            double fraction = used / size;
            if (fraction * 100 > storagePercent) {
                boolean shared = s.path("shared").asInt(0) == 1;
                String name = s.path("storage").asText();
                String node = s.path("node").asText();
                found.fire("pve/storage/" + (shared ? name : node + "/" + name), fraction >= 0.95 ? Severity.CRITICAL
                        : Severity.WARNING, "Storage " + name + (shared ? "" : " on " + node) + " is "
                        + Units.percent(fraction) + " full (" + Units.bytes(used) + " of " + Units.bytes(size) + "; limit "
                        + storagePercent + "%)", "storage", s);
            }
        }
        found.covered.add("pve/storage/");
    }

    /**
     * Failed tasks: for each task kind and guest (or node), the newest task decides. A failed one is a finding when
     * it ended since the last round (or its finding is open already); a later success clears it.
     */
    private void tasks(Findings found, Instant since, Set<String> open) {
        Map<String, JsonNode> newest = new HashMap<>();
        for (JsonNode task : client.get(new PveEndpoint.ClusterTasks())) {
            if (!task.has("endtime")) {
                continue;   // still running
            }
            String key = task.path("type").asText() + "/" + (task.path("id").asText("").isEmpty()
                    ? task.path("node").asText() : task.path("id").asText());
            JsonNode known = newest.get(key);
            if (known == null || task.path("endtime").asLong() > known.path("endtime").asLong()) {
                newest.put(key, task);
            }
        }
        newest.forEach((key, task) -> {
            String fingerprint = "pve/task/" + key.replaceAll("[^A-Za-z0-9/_.:@-]", "_");
            String status = task.path("status").asText("");
            boolean failed = !status.equals("OK") && !status.startsWith("WARNINGS");
            boolean recent = Instant.ofEpochSecond(task.path("endtime").asLong()).isAfter(since);
            if (!failed) {
                found.cleared.add(fingerprint);
            } else if (recent || open.contains(fingerprint)) {
                String type = task.path("type").asText();
                String id = task.path("id").asText("");
                found.fire(fingerprint, type.equals("vzdump") ? Severity.CRITICAL : Severity.WARNING,
                           "Proxmox task " + describe(type) + (id.isEmpty() ? "" : " " + id) + " failed on "
                                   + task.path("node").asText() + ": " + status, "tasks", task);
            }
        });
    }

    private static String describe(String type) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "vzdump" -> "backup (vzdump)";
            case "qmigrate", "vzmigrate" -> "migration (" + type + ")";
            default -> type;
        };
    }
}
