/**
 * Every metric name the platform's dashboards and alert rules query, each with the exporter that
 * publishes it and where its name was read, so a renamed metric is caught by a test instead of by
 * an empty panel. The PromQL of `dashboards/` and `alerts.ts` may only name metrics listed here.
 */

/** Where a metric comes from. */
export interface MetricSource {
    /** The exporter or component publishing it. */
    exporter: string;
    /** The document its name and labels were read in. */
    reference: string;
}

const KSM = { exporter: "kube-state-metrics 2.x (kube-prometheus-stack 88.5.3 dependency)", reference: "kube-state-metrics docs/metrics/*" };
const NODE = { exporter: "node-exporter (prometheus-node-exporter 4.56.1)", reference: "node_exporter collectors meminfo, filesystem, cpu, netdev, loadavg" };
const KUBELET = { exporter: "kubelet (kube-prometheus-stack kubelet ServiceMonitor)", reference: "kubernetes pkg/kubelet/metrics/collectors/volume_stats.go" };
const CILIUM = { exporter: "cilium-agent (`prometheus.enabled`)", reference: 'docs.cilium.io observability/metrics, "Exported Metrics" (cilium_ namespace)' };
const HUBBLE = {
    exporter: "Hubble in cilium-agent (`hubble.metrics.enabled`)",
    reference: 'docs.cilium.io observability/metrics, "Hubble Exported Metrics" (hubble_ namespace)',
};
const PROMETHEUS = { exporter: "Prometheus / Prometheus agent self-metrics", reference: "prometheus storage/remote/queue_manager.go" };

/** The allow-list: metric name → source. */
export const KNOWN_METRICS: Record<string, MetricSource> = {
    kube_node_info: KSM,
    kube_node_status_condition: KSM,
    kube_node_status_allocatable: KSM,
    kube_pod_status_phase: KSM,
    kube_pod_container_resource_requests: KSM,
    kube_pod_container_resource_limits: KSM,
    kube_resourcequota: KSM,
    node_cpu_seconds_total: NODE,
    node_memory_MemAvailable_bytes: NODE,
    node_memory_MemTotal_bytes: NODE,
    node_filesystem_avail_bytes: NODE,
    node_filesystem_size_bytes: NODE,
    node_network_receive_bytes_total: NODE,
    node_network_transmit_bytes_total: NODE,
    node_load1: NODE,
    kubelet_volume_stats_used_bytes: KUBELET,
    kubelet_volume_stats_capacity_bytes: KUBELET,
    cilium_endpoint_state: CILIUM,
    cilium_drop_count_total: CILIUM,
    cilium_forward_count_total: CILIUM,
    cilium_clustermesh_remote_clusters: CILIUM,
    cilium_clustermesh_remote_cluster_readiness_status: CILIUM,
    cilium_clustermesh_remote_cluster_nodes: CILIUM,
    cilium_clustermesh_remote_cluster_failures: CILIUM,
    hubble_flows_processed_total: HUBBLE,
    hubble_drop_total: HUBBLE,
    hubble_dns_queries_total: HUBBLE,
    certmanager_certificate_expiration_timestamp_seconds: {
        exporter: "cert-manager controller (chart `prometheus.servicemonitor`)",
        reference: "cert-manager.io/docs/devops-tips/prometheus-metrics",
    },
    vault_core_unsealed: {
        exporter: "Vault `/v1/sys/metrics?format=prometheus` (telemetry stanza)",
        reference: "developer.hashicorp.com/vault/docs/internals/telemetry/metrics/core-system",
    },
    prometheus_remote_storage_samples_pending: PROMETHEUS,
    prometheus_remote_storage_shards_desired: PROMETHEUS,
    prometheus_remote_storage_shards_max: PROMETHEUS,
    falcosecurity_falcosidekick_falco_events_total: {
        exporter: "Falcosidekick `/metrics` (labels rule, priority, source, hostname, k8s_ns_name, k8s_pod_name)",
        reference: "falcosecurity/falcosidekick stats_prometheus.go; falco.org Falcosidekick docs",
    },
    up: { exporter: "Prometheus scrape", reference: "prometheus docs concepts/jobs_instances" },
};
