/**
 * The platform's dashboards as code (seed 001 §12, issue 10): cluster overview, nodes,
 * Cilium/Hubble, the mesh, Falco events and the platform's capacity. Each is small and queries
 * only metric names from `KNOWN_METRICS`; every PromQL query filters on the `cluster` external
 * label every sender adds, so one Grafana shows all three clusters.
 */
import { clusterVariable, dashboard, DashboardSpec, logCounts, logs, queryVariable, stat, table, timeseries } from "./panels";

/** `cluster=~"$cluster"`: the matcher every query carries. */
const C = 'cluster=~"$cluster"';

/**
 * Falco's events in Loki as Falcosidekick pushes them (components/falco): one stream per rule and
 * priority, labelled `rule`, `priority`, `source`, `k8s_ns_name`, `k8s_pod_name` and the `cluster`
 * custom field (falcosidekick outputs/loki.go `newLokiPayload`). Only those streams carry `rule`.
 * The selector of those streams in the chosen clusters, with `matchers` added.
 */
export function falcoStreams(...matchers: string[]): string {
    return `{${['rule=~".+"', C, ...matchers].join(", ")}}`;
}

/** Health of each cluster at a glance. */
function clusterOverview(): DashboardSpec {
    return {
        uid: "platform-cluster-overview",
        title: "Platform / Cluster overview",
        tags: ["cluster"],
        variables: [clusterVariable()],
        panels: [
            stat("Ready nodes", `sum(kube_node_status_condition{condition="Ready", status="true", ${C}})`),
            stat("Running pods", `sum(kube_pod_status_phase{phase="Running", ${C}})`),
            stat("Pods failed or unknown", `sum(kube_pod_status_phase{phase=~"Failed|Unknown", ${C}})`),
            stat("Scrape targets down", `count(up{${C}} == 0) or vector(0)`),
            timeseries("Ready nodes by cluster", [
                { expr: `sum by (cluster) (kube_node_status_condition{condition="Ready", status="true", ${C}})`, legend: "{{cluster}}" },
            ]),
            timeseries("CPU busy by cluster (cores)", [
                { expr: `sum by (cluster) (rate(node_cpu_seconds_total{mode!="idle", ${C}}[5m]))`, legend: "{{cluster}}" },
            ]),
            timeseries(
                "Memory in use by cluster",
                [{ expr: `sum by (cluster) (node_memory_MemTotal_bytes{${C}} - node_memory_MemAvailable_bytes{${C}})`, legend: "{{cluster}}" }],
                "bytes",
            ),
            timeseries("Pods not running", [
                {
                    expr: `sum by (cluster, namespace, phase) (kube_pod_status_phase{phase=~"Pending|Failed|Unknown", ${C}}) > 0`,
                    legend: "{{cluster}}/{{namespace}} {{phase}}",
                },
            ]),
            table("Scrape targets down", [{ expr: `sum by (cluster, job) (up{${C}} == 0)` }]),
        ],
    };
}

/** One node's resources (node-exporter). */
function nodes(): DashboardSpec {
    const N = `${C}, instance=~"$instance"`;
    const fs = `fstype!~"tmpfs|overlay|squashfs", ${N}`;
    return {
        uid: "platform-nodes",
        title: "Platform / Nodes",
        tags: ["nodes"],
        variables: [clusterVariable(), queryVariable("instance", "node", `label_values(node_load1{${C}}, instance)`)],
        panels: [
            timeseries(
                "CPU busy",
                [{ expr: `1 - avg by (cluster, instance) (rate(node_cpu_seconds_total{mode="idle", ${N}}[5m]))`, legend: "{{cluster}} {{instance}}" }],
                "percentunit",
            ),
            timeseries(
                "Memory used",
                [{ expr: `1 - node_memory_MemAvailable_bytes{${N}} / node_memory_MemTotal_bytes{${N}}`, legend: "{{cluster}} {{instance}}" }],
                "percentunit",
            ),
            timeseries(
                "Filesystem used",
                [{ expr: `1 - node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}`, legend: "{{instance}} {{mountpoint}}" }],
                "percentunit",
            ),
            timeseries("Load (1m)", [{ expr: `node_load1{${N}}`, legend: "{{cluster}} {{instance}}" }]),
            timeseries(
                "Network",
                [
                    { expr: `sum by (cluster, instance) (rate(node_network_receive_bytes_total{device!="lo", ${N}}[5m]))`, legend: "{{instance}} in" },
                    { expr: `-sum by (cluster, instance) (rate(node_network_transmit_bytes_total{device!="lo", ${N}}[5m]))`, legend: "{{instance}} out" },
                ],
                "Bps",
            ),
        ],
    };
}

/** The datapath: Cilium agent counters and Hubble's flow metrics. */
function cilium(): DashboardSpec {
    return {
        uid: "platform-cilium",
        title: "Platform / Cilium and Hubble",
        tags: ["cilium", "hubble"],
        variables: [clusterVariable()],
        panels: [
            timeseries("Endpoints by state", [
                { expr: `sum by (cluster, endpoint_state) (cilium_endpoint_state{${C}})`, legend: "{{cluster}} {{endpoint_state}}" },
            ]),
            timeseries(
                "Forwarded packets",
                [{ expr: `sum by (cluster, direction) (rate(cilium_forward_count_total{${C}}[5m]))`, legend: "{{cluster}} {{direction}}" }],
                "pps",
            ),
            timeseries(
                "Datapath drops by reason",
                [{ expr: `sum by (cluster, reason) (rate(cilium_drop_count_total{${C}}[5m]))`, legend: "{{cluster}} {{reason}}" }],
                "pps",
            ),
            timeseries("Hubble flows by verdict", [
                { expr: `sum by (cluster, verdict) (rate(hubble_flows_processed_total{${C}}[5m]))`, legend: "{{cluster}} {{verdict}}" },
            ]),
            timeseries("Hubble drops by reason", [
                { expr: `sum by (cluster, reason, protocol) (rate(hubble_drop_total{${C}}[5m]))`, legend: "{{cluster}} {{reason}} {{protocol}}" },
            ]),
            timeseries("DNS queries by rcode", [
                { expr: `sum by (cluster, rcode) (rate(hubble_dns_queries_total{${C}}[5m]))`, legend: "{{cluster}} {{rcode}}" },
            ]),
        ],
    };
}

/** Cluster Mesh: what each cluster's agents see of their peers (cilium_clustermesh_* gauges). */
function mesh(): DashboardSpec {
    return {
        uid: "platform-mesh",
        title: "Platform / Cluster Mesh",
        tags: ["cilium", "clustermesh"],
        variables: [clusterVariable()],
        panels: [
            stat("Remote clusters (min over agents)", `min(cilium_clustermesh_remote_clusters{${C}})`),
            stat("Peers not ready", `count(cilium_clustermesh_remote_cluster_readiness_status{${C}} == 0) or vector(0)`),
            timeseries("Readiness by peer", [
                {
                    expr: `min by (source_cluster, target_cluster) (cilium_clustermesh_remote_cluster_readiness_status{${C}})`,
                    legend: "{{source_cluster}} → {{target_cluster}}",
                },
            ]),
            timeseries("Remote nodes seen", [
                {
                    expr: `max by (source_cluster, target_cluster) (cilium_clustermesh_remote_cluster_nodes{${C}})`,
                    legend: "{{source_cluster}} → {{target_cluster}}",
                },
            ]),
            timeseries("Connection failures", [
                {
                    expr: `max by (source_cluster, target_cluster) (cilium_clustermesh_remote_cluster_failures{${C}})`,
                    legend: "{{source_cluster}} → {{target_cluster}}",
                },
            ]),
        ],
    };
}

/** Falco's events from Loki: counts by priority and rule, and the critical lines themselves. */
function falco(): DashboardSpec {
    return {
        uid: "platform-falco",
        title: "Platform / Falco events",
        tags: ["falco", "security"],
        variables: [clusterVariable()],
        panels: [
            logCounts("Events by priority", [
                { expr: `sum by (cluster, priority) (count_over_time(${falcoStreams()} [5m]))`, legend: "{{cluster}} {{priority}}" },
            ]),
            logCounts("Events by rule (top 10)", [{ expr: `topk(10, sum by (rule) (count_over_time(${falcoStreams()} [1h])))`, legend: "{{rule}}" }]),
            logs("Critical and above", falcoStreams('priority=~"(?i)critical|alert|emergency"')),
        ],
    };
}

/**
 * Requests and limits against allocatable (kube-state-metrics), per node and per namespace: the
 * live counterpart of the plan's capacity table. Only pods that hold their requests count
 * (Pending or Running; finished pods still have request series).
 */
function capacity(): DashboardSpec {
    const live = `on (cluster, namespace, pod) group_left() (max by (cluster, namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running", ${C}}) == 1)`;
    const held = (metric: string, resource: string) => `sum by (cluster, node) (${metric}{resource="${resource}", ${C}} * ${live})`;
    const allocatable = (resource: string) => `sum by (cluster, node) (kube_node_status_allocatable{resource="${resource}", ${C}})`;
    const ratio = (metric: string, resource: string) => `${held(metric, resource)} / ${allocatable(resource)}`;
    return {
        uid: "platform-capacity",
        title: "Platform / Capacity",
        tags: ["capacity"],
        variables: [clusterVariable()],
        panels: [
            timeseries(
                "CPU requests / allocatable",
                [{ expr: ratio("kube_pod_container_resource_requests", "cpu"), legend: "{{cluster}} {{node}}" }],
                "percentunit",
            ),
            timeseries(
                "Memory requests / allocatable",
                [{ expr: ratio("kube_pod_container_resource_requests", "memory"), legend: "{{cluster}} {{node}}" }],
                "percentunit",
            ),
            timeseries(
                "CPU limits / allocatable",
                [{ expr: ratio("kube_pod_container_resource_limits", "cpu"), legend: "{{cluster}} {{node}}" }],
                "percentunit",
            ),
            timeseries(
                "Memory limits / allocatable",
                [{ expr: ratio("kube_pod_container_resource_limits", "memory"), legend: "{{cluster}} {{node}}" }],
                "percentunit",
            ),
            table(
                "Memory requests by namespace",
                [{ expr: `sort_desc(sum by (cluster, namespace) (kube_pod_container_resource_requests{resource="memory", ${C}} * ${live}))` }],
                "bytes",
            ),
            table(
                "Quota use",
                [
                    {
                        expr: `max by (cluster, namespace, resourcequota, resource) (kube_resourcequota{type="used", ${C}}) / on (cluster, namespace, resourcequota, resource) max by (cluster, namespace, resourcequota, resource) (kube_resourcequota{type="hard", ${C}} > 0)`,
                    },
                ],
                "percentunit",
            ),
        ],
    };
}

/** Every dashboard, in menu order. */
export function platformDashboards(): Record<string, unknown>[] {
    return [clusterOverview(), nodes(), cilium(), mesh(), falco(), capacity()].map(dashboard);
}

/** The dashboards as the data of one ConfigMap: `<uid>.json` → JSON text. */
export function dashboardFiles(): Record<string, string> {
    return Object.fromEntries(platformDashboards().map((d) => [`${d.uid}.json`, JSON.stringify(d, null, 2)]));
}
