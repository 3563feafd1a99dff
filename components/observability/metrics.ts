/**
 * Metrics (issue 10; seed 001 §5.3, §12): kube-prometheus-stack 88.5.3 on every cluster, Thanos on
 * mgmt (thanos.ts), and the scrape objects for Cilium and Hubble.
 *
 * - central (mgmt): a full Prometheus (2 d local retention: Thanos keeps the history), Alertmanager,
 *   the operator, kube-state-metrics and node-exporter. Grafana is off here: O3 installs the
 *   standalone chart.
 * - agent (app clusters): Prometheus in agent mode (a PrometheusAgent: no rules, no queries, no
 *   alerting), no Alertmanager.
 * - Both remote-write to Thanos Receive at the ingest URL (mgmt too, so every cluster's series reach
 *   Thanos the same way), over TLS trusting Vault's root CA, with seed §5.3's queue settings and a
 *   `keep` of the essential series. While mgmt is away the WAL (on a claim) holds the samples and
 *   the queue retries with backoff up to 5 min, then resends (Prometheus remote-write spec: 5xx and
 *   network errors are retried).
 *
 * Not a sidecar: the seed pairs agent mode with a Thanos sidecar, but the two cannot go together.
 * Agent mode keeps only a WAL, never cuts TSDB blocks and serves no query API (Prometheus docs,
 * "Prometheus Agent Mode", 2021-11-16; prometheus-operator Documentation/platform/prometheus-agent.md:
 * "Thanos sidecar ... not available"), and the sidecar exists to upload blocks and proxy queries
 * (thanos.io "Sidecar"). Remote write to Receive is Thanos' design for agents (thanos.io "Receiver").
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { CILIUM_NAMESPACE } from "../cilium-mesh";
import { ingestCertificate, MONITORING_NAMESPACE, PROMETHEUS_STACK_FULLNAME, ROOT_CA_CONFIGMAP, ROOT_CA_KEY, rootCaConfigMap } from "./endpoints";
import { S3Target } from "./endpoints";
import { createThanos, Thanos } from "./thanos";

/** Seed 001 §5.3's remote-write queue, as prometheus-operator's QueueConfig spells it. */
export const REMOTE_WRITE_QUEUE = {
    capacity: 10000,
    maxShards: 50,
    maxSamplesPerSend: 2000,
    batchSendDeadline: "30s",
    minBackoff: "1s",
    maxBackoff: "5m",
} as const;

/**
 * The series every cluster sends to Thanos: what the dashboards and alerts of issue 10 read
 * (nodes, pods, PVC fill, quotas, certificates, Cilium/Hubble, Falco, Vault, remote-write health).
 * Everything else stays in the cluster's own Prometheus (mgmt) or is dropped (agents).
 */
export const ESSENTIAL_SERIES: readonly string[] = [
    "up",
    // node-exporter: CPU, memory, disk, network, load
    "node_(cpu_seconds_total|load1|load5|load15|uname_info)",
    "node_memory_(MemAvailable|MemTotal)_bytes",
    "node_filesystem_(avail|size)_bytes",
    "node_network_(receive|transmit)_bytes_total",
    // kubelet / cAdvisor: container usage and PVC fill (seed §7.5: 85 % and 95 %)
    "container_(cpu_usage_seconds_total|memory_working_set_bytes)",
    "kubelet_volume_stats_(available|capacity|used)_bytes",
    // kube-state-metrics: workloads, nodes, quotas (90 %), requests and limits
    "kube_(node_info|node_status_condition|node_status_allocatable|pod_info|pod_status_phase|pod_container_status_restarts_total)",
    "kube_pod_container_resource_(requests|limits)",
    "kube_(deployment|statefulset|daemonset)_status_.*",
    "kube_resourcequota",
    "kube_persistentvolumeclaim_(info|status_phase)",
    "kube_namespace_labels",
    // Cilium agent/operator and Hubble (the mesh and network dashboards)
    "cilium_(drop_count_total|forward_count_total|endpoint_state|unreachable_nodes|policy_verdict_total|bpf_map_pressure|operator_.*)",
    "hubble_.*",
    // Cluster Mesh health (the mesh dashboard)
    "cilium_clustermesh_.*",
    // cert-manager expiry, Falco events, Vault seal status
    "certmanager_certificate_(expiration_timestamp_seconds|ready_status)",
    "falcosecurity_.*",
    "vault_core_unsealed",
    // the remote write itself (backlog alert)
    "prometheus_remote_storage_.*",
];

/** The `keep` relabeling over `__name__` that lets only the essential series through. */
export function keepEssentialSeries(): Record<string, unknown>[] {
    return [{ action: "keep", sourceLabels: ["__name__"], regex: `(${ESSENTIAL_SERIES.join("|")})` }];
}

/** One remote write to Thanos Receive (prometheus-operator RemoteWriteSpec). */
export function remoteWriteSpec(url: pulumi.Input<string>): Record<string, unknown> {
    return {
        name: "thanos-receive",
        url,
        // The operator copies the ConfigMap into the pod's TLS assets.
        tlsConfig: { ca: { configMap: { name: ROOT_CA_CONFIGMAP, key: ROOT_CA_KEY } } },
        queueConfig: { ...REMOTE_WRITE_QUEUE },
        writeRelabelConfigs: keepEssentialSeries(),
    };
}

/** Where metrics run. */
export type MetricsMode = "central" | "agent";

/** Requests and limits of each workload of the chart (the CHART_WORKLOADS table reads these paths). */
export const STACK_RESOURCES = {
    prometheus: resources("100m", "512Mi", "1", "1536Mi"),
    prometheusAgent: resources("50m", "192Mi", "500m", "512Mi"),
    configReloader: resources("10m", "16Mi", "50m", "32Mi"),
    alertmanager: resources("10m", "48Mi", "100m", "128Mi"),
    operator: resources("20m", "64Mi", "200m", "192Mi"),
    webhookPatch: resources("10m", "32Mi", "100m", "64Mi"),
    kubeStateMetrics: resources("10m", "64Mi", "100m", "192Mi"),
    nodeExporter: resources("10m", "32Mi", "100m", "64Mi"),
};

/** Local retention of mgmt's Prometheus: Thanos keeps the history. */
export const CENTRAL_RETENTION = "2d";

/** What the values need. */
export interface StackValuesArgs {
    /** central or agent. */
    mode: MetricsMode;
    /** The `cluster` external label. */
    clusterName: string;
    /** Thanos Receive's remote-write URL (`ingestUrls(ingestIp).remoteWrite`, on app clusters from mgmt's outputs). */
    remoteWriteUrl: pulumi.Input<string>;
    /** StorageClass of the TSDB (central) or WAL buffer (agent) claim. */
    storageClass: string;
}

/** Values of kube-prometheus-stack (keys as in its values.yaml 88.5.3; subchart keys as in their own values.yaml). */
export function prometheusStackValues(args: StackValuesArgs): Record<string, unknown> {
    const central = args.mode === "central";
    const storageSpec = {
        volumeClaimTemplate: {
            spec: { storageClassName: args.storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: central ? "10Gi" : "5Gi" } } },
        },
    };
    return {
        fullnameOverride: PROMETHEUS_STACK_FULLNAME,
        // O3 installs the standalone grafana chart on mgmt.
        grafana: { enabled: false },
        // kubeadm binds etcd, the scheduler and the controller manager's metrics to 127.0.0.1; Cilium replaces kube-proxy.
        kubeEtcd: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeProxy: { enabled: false },
        // Agents evaluate no rules.
        defaultRules: central
            ? {
                  create: true,
                  rules: {
                      etcd: false,
                      kubeControllerManager: false,
                      kubeProxy: false,
                      kubeSchedulerAlerting: false,
                      kubeSchedulerRecording: false,
                      windows: false,
                  },
              }
            : { create: false },
        alertmanager: central ? { enabled: true, alertmanagerSpec: { resources: STACK_RESOURCES.alertmanager } } : { enabled: false },
        prometheusOperator: {
            resources: STACK_RESOURCES.operator,
            prometheusConfigReloader: { resources: STACK_RESOURCES.configReloader },
            admissionWebhooks: { patch: { resources: STACK_RESOURCES.webhookPatch } },
        },
        "kube-state-metrics": { resources: STACK_RESOURCES.kubeStateMetrics },
        "prometheus-node-exporter": { resources: STACK_RESOURCES.nodeExporter },
        prometheus: {
            agentMode: !central,
            prometheusSpec: {
                externalLabels: { cluster: args.clusterName },
                remoteWrite: [remoteWriteSpec(args.remoteWriteUrl)],
                resources: central ? STACK_RESOURCES.prometheus : STACK_RESOURCES.prometheusAgent,
                storageSpec,
                // Pick up every ServiceMonitor/PodMonitor/rule in the cluster, not only the release's own.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                ...(central ? { retention: CENTRAL_RETENTION, retentionSize: "8GB", ruleSelectorNilUsesHelmValues: false } : {}),
            },
        },
    };
}

/**
 * PodMonitors for Cilium (issue 10: "Hubble and Cilium metrics are scraped"). Ports by name as the
 * cilium 1.20 chart declares them: the agent's `prometheus` (9962) and `hubble-metrics` (9965),
 * the operator's `prometheus` (9963). Pods, not Services: the chart's metrics Services exist only
 * with `prometheus.metricsService`, and the pods carry stable labels.
 */
export function ciliumPodMonitors(): Record<string, any>[] {
    const monitor = (name: string, matchLabels: Record<string, string>, port: string) => ({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name, namespace: MONITORING_NAMESPACE },
        spec: {
            namespaceSelector: { matchNames: [CILIUM_NAMESPACE] },
            selector: { matchLabels },
            podMetricsEndpoints: [
                {
                    port,
                    interval: "30s",
                    // Per-node series carry the node name, as the chart's own ServiceMonitors do.
                    relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" }],
                },
            ],
        },
    });
    return [
        monitor("cilium-agent", { "k8s-app": "cilium" }, "prometheus"),
        monitor("hubble", { "k8s-app": "cilium" }, "hubble-metrics"),
        monitor("cilium-operator", { "io.cilium/app": "operator" }, "prometheus"),
    ];
}

/** Arguments common to both modes. */
interface MetricsCommonArgs {
    /** The `cluster` external label; on mgmt also the service pool of the ingest IP. */
    clusterName: string;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** The `monitoring` Namespace (privileged, PRIVILEGED_NAMESPACES.monitoring), created by the caller. */
    namespace: pulumi.Resource;
    /** Thanos Receive's remote-write URL: `ingestUrls(...).remoteWrite`, from mgmt's outputs on app clusters. */
    remoteWriteUrl: pulumi.Input<string>;
    /** Vault's PKI root CA (PEM), which the ingest and S3 certificates chain to. */
    rootCaPem: pulumi.Input<string>;
    /** StorageClass of the claims (Prometheus TSDB or agent WAL; Thanos ingestor on mgmt). */
    storageClass: string;
    /** What must be running first: the CNI, the StorageClass (and on mgmt MetalLB's service pool). */
    after: pulumi.Resource[];
}

/** mgmt's extra arguments. */
export interface CentralMetricsArgs extends MetricsCommonArgs {
    /** Central: full Prometheus, Alertmanager and Thanos. */
    mode: "central";
    /** mgmt's ingest IP (`network.serviceIps.ingest`), where Thanos Receive listens. */
    ingestIp: string;
    /** Thanos' bucket, from ObjectStorage (in-cluster endpoint, region, bucket `thanos`, credential path). */
    s3: S3Target;
    /** The `vault-issuer` ClusterIssuer. */
    issuer: pulumi.Resource[];
    /** The `vault-backend` ClusterSecretStore. */
    secretStore: pulumi.Resource;
}

/** An app cluster's arguments. */
export interface AgentMetricsArgs extends MetricsCommonArgs {
    /** Agent: Prometheus in agent mode, remote-writing to mgmt. */
    mode: "agent";
}

/** Arguments of `createMetrics`. */
export type MetricsArgs = CentralMetricsArgs | AgentMetricsArgs;

/** What `createMetrics` made. */
export interface Metrics {
    /** kube-prometheus-stack: anything that creates ServiceMonitors, PodMonitors or PrometheusRules depends on it (CRDs). */
    release: k8s.helm.v3.Release;
    /** Thanos, on mgmt. */
    thanos?: Thanos;
    /** Everything this builder created that others may wait for. */
    ready: pulumi.Resource[];
}

/**
 * `${name}-root-ca` (ConfigMap), `${name}-stack-release`, the three PodMonitors and, on mgmt,
 * `${name}-ingest-tls` (Certificate) and Thanos (`${name}-thanos-*`), all under `parent`.
 */
export function createMetrics(name: string, args: MetricsArgs, parent: pulumi.Resource): Metrics {
    const opts = { parent, provider: args.provider };
    const rootCa = new k8s.core.v1.ConfigMap(`${name}-root-ca`, rootCaConfigMap(MONITORING_NAMESPACE, args.rootCaPem), {
        ...opts,
        dependsOn: [args.namespace],
    });
    const { release } = pinnedRelease(
        `${name}-stack`,
        {
            chart: CHARTS.kubePrometheusStack,
            releaseName: "kube-prometheus-stack",
            namespace: { existing: MONITORING_NAMESPACE },
            values: prometheusStackValues({
                mode: args.mode,
                clusterName: args.clusterName,
                remoteWriteUrl: args.remoteWriteUrl,
                storageClass: args.storageClass,
            }),
            provider: args.provider,
            after: [...args.after, args.namespace, rootCa],
        },
        parent,
    );
    const monitors = ciliumPodMonitors().map(
        (m) => new k8s.apiextensions.CustomResource(`${name}-${m.metadata.name}`, m as k8s.apiextensions.CustomResourceArgs, { ...opts, dependsOn: [release] }),
    );
    if (args.mode === "agent") {
        return { release, ready: [release, ...monitors] };
    }
    const certificate = ingestCertificate(`${name}-ingest-tls`, args.clusterName, args.ingestIp, MONITORING_NAMESPACE, {
        ...opts,
        dependsOn: [args.namespace, ...args.issuer],
    });
    const thanos = createThanos(
        `${name}-thanos`,
        {
            clusterName: args.clusterName,
            provider: args.provider,
            ingestIp: args.ingestIp,
            storageClass: args.storageClass,
            s3: args.s3,
            // The stack's CRDs before Thanos' ServiceMonitors; the CA and certificate before the pods mount them.
            after: [...args.after, args.namespace, rootCa, certificate, release],
            secretStore: args.secretStore,
        },
        parent,
    );
    return { release, thanos, ready: [release, ...monitors, certificate, thanos.release, thanos.ingestService] };
}
