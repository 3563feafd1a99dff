/**
 * Does the platform fit? Per cluster, the CPU and memory the platform's own workloads request
 * (read from the Helm release values and the typed workloads in the plan) against what the
 * workers can allocate; and the VMs of all stacks against the host they share (seed 001 §3.1,
 * §16.1: a 64 GB host with 8 GB kept for the OS). Above 80% it warns; over 100% it fails.
 */
import { planNodes, StackConfig } from "../../config/model";
import { RecordedResource, unwrapSecrets } from "../offline/record";

/** CPU (millicores) and memory (MiB) requests of a container; either may be missing. */
export interface Requests {
    cpu?: string;
    memory?: string;
}

/** A value path in a chart's values and the chart's default for it. */
export interface ValueDefault<T> {
    path: string;
    default: T;
}

/** One container of a chart workload. */
export interface ChartContainer {
    /** Value path of its `resources` object. */
    path: string;
    /** The requests the chart sets when the values do not. */
    defaultRequests?: Requests;
    /** Value path that adds the container (a sidecar), when it is optional. */
    enabled?: ValueDefault<boolean>;
}

/** One workload a chart runs. */
export interface ChartWorkload {
    /** What runs. */
    name: string;
    /** A DaemonSet: one pod per worker. */
    perNode?: boolean;
    /** Value path of the replica count (or concurrency), and the chart's default. */
    replicas?: ValueDefault<number>;
    /** Value path that turns the workload on, and the chart's default. */
    enabled?: ValueDefault<boolean>;
    containers: ChartContainer[];
}

/**
 * Where each chart takes replicas and resources, with the chart's defaults, for the pins in
 * config/versions.ts. test/tools/capacity.spec.ts checks every path and default against the
 * chart's upstream values.yaml in ../shared/schemas. Jobs that finish (certgen, node-collector,
 * webhook cleanup) and init containers are left out; Trivy's scan jobs count at their
 * concurrency limit because that many run at once while a new cluster is scanned.
 */
export const CHART_WORKLOADS: Record<string, ChartWorkload[]> = {
    cilium: [
        { name: "agent", perNode: true, containers: [{ path: "resources" }] },
        // values.yaml leaves envoy.enabled null: "enabled by default for new installation".
        { name: "envoy", perNode: true, enabled: { path: "envoy.enabled", default: true }, containers: [{ path: "envoy.resources" }] },
        {
            name: "operator",
            enabled: { path: "operator.enabled", default: true },
            replicas: { path: "operator.replicas", default: 2 },
            containers: [{ path: "operator.resources" }],
        },
        {
            name: "hubble-relay",
            enabled: { path: "hubble.relay.enabled", default: false },
            replicas: { path: "hubble.relay.replicas", default: 1 },
            containers: [{ path: "hubble.relay.resources" }],
        },
        {
            name: "hubble-ui",
            enabled: { path: "hubble.ui.enabled", default: false },
            replicas: { path: "hubble.ui.replicas", default: 1 },
            containers: [{ path: "hubble.ui.backend.resources" }, { path: "hubble.ui.frontend.resources" }],
        },
        {
            name: "clustermesh-apiserver",
            enabled: { path: "clustermesh.useAPIServer", default: false },
            replicas: { path: "clustermesh.apiserver.replicas", default: 1 },
            containers: [
                { path: "clustermesh.apiserver.resources" },
                { path: "clustermesh.apiserver.etcd.resources" },
                { path: "clustermesh.apiserver.kvstoremesh.resources", enabled: { path: "clustermesh.apiserver.kvstoremesh.enabled", default: true } },
            ],
        },
    ],
    metallb: [
        { name: "controller", enabled: { path: "controller.enabled", default: true }, containers: [{ path: "controller.resources" }] },
        {
            name: "speaker",
            perNode: true,
            enabled: { path: "speaker.enabled", default: true },
            containers: [
                { path: "speaker.resources" },
                { path: "speaker.frr.resources", enabled: { path: "speaker.frr.enabled", default: false } },
                { path: "speaker.reloader.resources", enabled: { path: "speaker.frr.enabled", default: false } },
                { path: "speaker.frrMetrics.resources", enabled: { path: "speaker.frr.enabled", default: false } },
            ],
        },
        // The frr-k8s subchart (metallb/frr-k8s charts/frr-k8s/values.yaml), on by default since MetalLB 0.16.
        {
            name: "frr-k8s",
            perNode: true,
            enabled: { path: "frrk8s.enabled", default: true },
            containers: [
                { path: "frr-k8s.frrk8s.resources" },
                { path: "frr-k8s.frrk8s.frr.resources" },
                { path: "frr-k8s.frrk8s.reloader.resources" },
                { path: "frr-k8s.frrk8s.frrMetrics.resources" },
            ],
        },
    ],
    "metrics-server": [
        // kubernetes-sigs/metrics-server charts/metrics-server/values.yaml (../shared has no copy).
        {
            name: "metrics-server",
            replicas: { path: "replicas", default: 1 },
            containers: [{ path: "resources", defaultRequests: { cpu: "100m", memory: "200Mi" } }],
        },
    ],
    kyverno: [
        // values.yaml leaves every replicas null; the Deployment then gets Kubernetes' default of 1.
        {
            name: "admission-controller",
            replicas: { path: "admissionController.replicas", default: 1 },
            containers: [{ path: "admissionController.container.resources", defaultRequests: { cpu: "100m", memory: "128Mi" } }],
        },
        ...(["background", "cleanup", "reports"] as const).map((c) => ({
            name: `${c}-controller`,
            enabled: { path: `${c}Controller.enabled`, default: true },
            replicas: { path: `${c}Controller.replicas`, default: 1 },
            containers: [{ path: `${c}Controller.resources`, defaultRequests: { cpu: "100m", memory: "64Mi" } }],
        })),
    ],
    falco: [
        {
            name: "falco",
            perNode: true,
            containers: [
                { path: "resources", defaultRequests: { cpu: "100m", memory: "512Mi" } },
                { path: "falcoctl.artifact.follow.resources", enabled: { path: "falcoctl.artifact.follow.enabled", default: true } },
            ],
        },
        {
            name: "falcosidekick",
            enabled: { path: "falcosidekick.enabled", default: false },
            replicas: { path: "falcosidekick.replicaCount", default: 2 },
            containers: [{ path: "falcosidekick.resources" }],
        },
    ],
    "trivy-operator": [
        { name: "operator", replicas: { path: "operator.replicas", default: 1 }, containers: [{ path: "resources" }] },
        {
            name: "scan jobs",
            replicas: { path: "operator.scanJobsConcurrentLimit", default: 10 },
            containers: [{ path: "trivy.resources", defaultRequests: { cpu: "100m", memory: "100M" } }],
        },
        {
            name: "trivy server",
            enabled: { path: "operator.builtInTrivyServer", default: false },
            replicas: { path: "trivy.server.replicas", default: 1 },
            containers: [{ path: "trivy.server.resources", defaultRequests: { cpu: "200m", memory: "512Mi" } }],
        },
    ],

    // --- trust and secrets (issue 9) ---
    vault: [
        // hashicorp/vault-helm 0.34.1: the injector follows global.enabled ("-"), on unless turned off; HA raft replicas default 3.
        { name: "server", replicas: { path: "server.ha.replicas", default: 3 }, containers: [{ path: "server.resources" }] },
        {
            name: "injector",
            enabled: { path: "injector.enabled", default: true },
            replicas: { path: "injector.replicas", default: 1 },
            containers: [{ path: "injector.resources" }],
        },
        { name: "csi-provider", perNode: true, enabled: { path: "csi.enabled", default: false }, containers: [{ path: "csi.resources" }] },
    ],
    "cert-manager": [
        { name: "controller", replicas: { path: "replicaCount", default: 1 }, containers: [{ path: "resources" }] },
        { name: "webhook", replicas: { path: "webhook.replicaCount", default: 1 }, containers: [{ path: "webhook.resources" }] },
        {
            name: "cainjector",
            enabled: { path: "cainjector.enabled", default: true },
            replicas: { path: "cainjector.replicaCount", default: 1 },
            containers: [{ path: "cainjector.resources" }],
        },
    ],
    "external-secrets": [
        { name: "controller", replicas: { path: "replicaCount", default: 1 }, containers: [{ path: "resources" }] },
        {
            name: "webhook",
            enabled: { path: "webhook.create", default: true },
            replicas: { path: "webhook.replicaCount", default: 1 },
            containers: [{ path: "webhook.resources" }],
        },
        {
            name: "cert-controller",
            enabled: { path: "certController.create", default: true },
            replicas: { path: "certController.replicaCount", default: 1 },
            containers: [{ path: "certController.resources" }],
        },
    ],

    // --- observability (issue 10) ---
    "kube-prometheus-stack": [
        {
            name: "prometheus",
            enabled: { path: "prometheus.enabled", default: true },
            replicas: { path: "prometheus.prometheusSpec.replicas", default: 1 },
            containers: [{ path: "prometheus.prometheusSpec.resources" }, { path: "prometheusOperator.prometheusConfigReloader.resources" }],
        },
        {
            name: "alertmanager",
            enabled: { path: "alertmanager.enabled", default: true },
            replicas: { path: "alertmanager.alertmanagerSpec.replicas", default: 1 },
            containers: [{ path: "alertmanager.alertmanagerSpec.resources" }, { path: "prometheusOperator.prometheusConfigReloader.resources" }],
        },
        { name: "operator", enabled: { path: "prometheusOperator.enabled", default: true }, containers: [{ path: "prometheusOperator.resources" }] },
        // Subcharts (prometheus-community charts/kube-state-metrics and charts/prometheus-node-exporter values.yaml: `resources: {}`).
        { name: "kube-state-metrics", enabled: { path: "kubeStateMetrics.enabled", default: true }, containers: [{ path: "kube-state-metrics.resources" }] },
        {
            name: "node-exporter",
            perNode: true,
            enabled: { path: "nodeExporter.enabled", default: true },
            containers: [{ path: "prometheus-node-exporter.resources" }],
        },
    ],
    thanos: [
        {
            name: "query",
            enabled: { path: "query.enabled", default: true },
            replicas: { path: "query.replicas", default: 1 },
            containers: [{ path: "query.resources" }],
        },
        {
            name: "store-gateway",
            enabled: { path: "storeGateway.enabled", default: true },
            replicas: { path: "storeGateway.replicas", default: 1 },
            containers: [{ path: "storeGateway.resources" }],
        },
        { name: "compact", enabled: { path: "compact.enabled", default: false }, containers: [{ path: "compact.resources" }] },
        {
            name: "receive-ingestor",
            enabled: { path: "receive.enabled", default: false },
            replicas: { path: "receive.ingestor.replicas", default: 1 },
            containers: [{ path: "receive.ingestor.resources" }],
        },
        {
            name: "receive-router",
            enabled: { path: "receive.enabled", default: false },
            replicas: { path: "receive.router.replicas", default: 1 },
            containers: [{ path: "receive.router.resources" }],
        },
    ],
    loki: [
        {
            name: "single-binary",
            replicas: { path: "singleBinary.replicas", default: 0 },
            containers: [{ path: "singleBinary.resources" }, { path: "sidecar.resources", enabled: { path: "singleBinary.sidecar", default: true } }],
        },
        ...["write", "read", "backend"].map((t) => ({ name: t, replicas: { path: `${t}.replicas`, default: 3 }, containers: [{ path: `${t}.resources` }] })),
        {
            name: "gateway",
            enabled: { path: "gateway.enabled", default: true },
            replicas: { path: "gateway.replicas", default: 1 },
            containers: [{ path: "gateway.resources" }],
        },
        { name: "canary", perNode: true, enabled: { path: "lokiCanary.enabled", default: true }, containers: [{ path: "lokiCanary.resources" }] },
        {
            name: "chunks-cache",
            enabled: { path: "chunksCache.enabled", default: true },
            replicas: { path: "chunksCache.replicas", default: 1 },
            containers: [{ path: "chunksCache.resources" }],
        },
        {
            name: "results-cache",
            enabled: { path: "resultsCache.enabled", default: true },
            replicas: { path: "resultsCache.replicas", default: 1 },
            containers: [{ path: "resultsCache.resources" }],
        },
    ],
    tempo: [
        {
            name: "tempo",
            replicas: { path: "replicas", default: 1 },
            containers: [{ path: "tempo.resources" }, { path: "tempoQuery.resources", enabled: { path: "tempoQuery.enabled", default: false } }],
        },
    ],
    alloy: [
        {
            name: "alloy",
            perNode: true,
            containers: [
                { path: "alloy.resources" },
                {
                    path: "configReloader.resources",
                    defaultRequests: { cpu: "10m", memory: "50Mi" },
                    enabled: { path: "configReloader.enabled", default: true },
                },
            ],
        },
    ],
    // open-telemetry/opentelemetry-helm-charts (no copy in ../shared); the platform always sets mode: daemonset.
    "opentelemetry-collector": [{ name: "collector", perNode: true, containers: [{ path: "resources" }] }],
    grafana: [{ name: "grafana", replicas: { path: "replicas", default: 1 }, containers: [{ path: "resources" }] }],

    // --- scaling, AIOps and backup (issue 11) ---
    vpa: [
        {
            name: "recommender",
            enabled: { path: "recommender.enabled", default: true },
            replicas: { path: "recommender.replicaCount", default: 1 },
            containers: [{ path: "recommender.resources", defaultRequests: { cpu: "50m", memory: "500Mi" } }],
        },
        {
            name: "updater",
            enabled: { path: "updater.enabled", default: true },
            replicas: { path: "updater.replicaCount", default: 1 },
            containers: [{ path: "updater.resources", defaultRequests: { cpu: "50m", memory: "500Mi" } }],
        },
        {
            name: "admission-controller",
            enabled: { path: "admissionController.enabled", default: false },
            replicas: { path: "admissionController.replicaCount", default: 1 },
            containers: [{ path: "admissionController.resources", defaultRequests: { cpu: "50m", memory: "200Mi" } }],
        },
    ],
    goldilocks: [
        {
            name: "controller",
            enabled: { path: "controller.enabled", default: true },
            containers: [{ path: "controller.resources", defaultRequests: { cpu: "25m", memory: "256Mi" } }],
        },
        {
            name: "dashboard",
            enabled: { path: "dashboard.enabled", default: true },
            replicas: { path: "dashboard.replicaCount", default: 2 },
            containers: [{ path: "dashboard.resources", defaultRequests: { cpu: "25m", memory: "256Mi" } }],
        },
    ],
    // kedacore/charts keda (no copy in ../shared): the platform sets every request.
    keda: [
        { name: "operator", replicas: { path: "operator.replicaCount", default: 1 }, containers: [{ path: "resources.operator" }] },
        { name: "metrics-apiserver", replicas: { path: "metricsServer.replicaCount", default: 1 }, containers: [{ path: "resources.metricServer" }] },
        { name: "admission-webhooks", replicas: { path: "webhooks.replicaCount", default: 1 }, containers: [{ path: "resources.webhooks" }] },
    ],
    "k8sgpt-operator": [
        {
            name: "controller-manager",
            replicas: { path: "controllerManager.replicas", default: 1 },
            containers: [
                { path: "controllerManager.manager.resources", defaultRequests: { cpu: "10m", memory: "64Mi" } },
                { path: "controllerManager.kubeRbacProxy.resources", defaultRequests: { cpu: "5m", memory: "64Mi" } },
            ],
        },
    ],
    // velero 12.1.0: one server Deployment; the node agent DaemonSet when deployNodeAgent.
    velero: [
        { name: "server", containers: [{ path: "resources" }] },
        { name: "node-agent", perNode: true, enabled: { path: "deployNodeAgent", default: false }, containers: [{ path: "nodeAgent.resources" }] },
    ],
};

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity ("100m", "1.5", "512Mi", "1e3", 2) in base units (cores or bytes). */
export function parseQuantity(quantity: string | number): number {
    if (typeof quantity === "number") {
        return quantity;
    }
    const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(quantity.trim());
    if (!match) {
        throw new Error(`"${quantity}" is not a Kubernetes quantity (e.g. 100m, 0.5, 512Mi, 1G)`);
    }
    const [, number, exponent, suffix = ""] = match;
    return Number(number) * (exponent ? 10 ** Number(exponent.slice(1)) : (BINARY[suffix] ?? DECIMAL[suffix]));
}

/** The requests of one platform workload on the workers. */
export interface WorkloadRequests {
    /** "cilium/agent", "Deployment local-path-provisioner", ... */
    name: string;
    /** Pods on the workers: replicas, or one per worker. */
    pods: number;
    /** Requests of all its pods. */
    cpuMilli: number;
    memoryMiB: number;
    /** Containers without a CPU or memory request: the sums above leave them out. */
    unset: string[];
}

/** A stack's platform requests against its workers. */
export interface StackCapacity {
    cpuRequestsMilli: number;
    memoryRequestsMiB: number;
    allocatableCpuMilli: number;
    allocatableMemoryMiB: number;
    workloads: WorkloadRequests[];
}

/** The kubelet's default hard eviction threshold (memory.available<100Mi); kubeadm reserves nothing else. */
export const EVICTION_RESERVE_MIB = 100;

type Obj = Record<string, unknown>;

function valueAt(values: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((o, k) => (typeof o === "object" && o !== null ? (o as Obj)[k] : undefined), values);
}

/**
 * Effective requests of a container, as the API server sees them: the values' requests over the
 * chart's (Helm deep-merges values), and a missing request takes the limit (Kubernetes defaults
 * requests to limits).
 */
function containerRequests(resources: unknown, defaults: Requests = {}): { cpuMilli?: number; memoryMiB?: number } {
    const requests = { ...defaults, ...((valueAt(resources, "requests") as Requests | undefined) ?? {}) };
    const limits = (valueAt(resources, "limits") as Requests | undefined) ?? {};
    const cpu = requests.cpu ?? limits.cpu;
    const memory = requests.memory ?? limits.memory;
    return {
        cpuMilli: cpu === undefined ? undefined : Math.ceil(parseQuantity(cpu) * 1000),
        memoryMiB: memory === undefined ? undefined : parseQuantity(memory) / 2 ** 20,
    };
}

function sumContainers(name: string, pods: number, containers: Array<{ label: string; resources: unknown; defaults?: Requests }>): WorkloadRequests {
    const workload: WorkloadRequests = { name, pods, cpuMilli: 0, memoryMiB: 0, unset: [] };
    for (const c of containers) {
        const { cpuMilli, memoryMiB } = containerRequests(c.resources, c.defaults);
        workload.cpuMilli += pods * (cpuMilli ?? 0);
        workload.memoryMiB += pods * (memoryMiB ?? 0);
        const missing = [cpuMilli === undefined ? "cpu" : "", memoryMiB === undefined ? "memory" : ""].filter(Boolean);
        if (missing.length > 0) {
            workload.unset.push(`${c.label} (no ${missing.join(" or ")} request)`);
        }
    }
    return workload;
}

/** The chart of a Helm release or chart resource, without repository or OCI path ("oci://r/charts/vault" → "vault"). */
export function chartName(resource: RecordedResource): string {
    return String(resource.inputs.chart ?? "")
        .split("/")
        .pop() as string;
}

/** The workloads one Helm release runs on the workers, by the chart's table entry. */
export function chartRequests(release: RecordedResource, workers: number): WorkloadRequests[] {
    const chart = chartName(release);
    const table = CHART_WORKLOADS[chart];
    if (!table) {
        return [{ name: `${release.name} (chart ${chart})`, pods: 0, cpuMilli: 0, memoryMiB: 0, unset: [`chart ${chart} has no entry in CHART_WORKLOADS`] }];
    }
    const values = unwrapSecrets(release.inputs.values ?? {}, "reveal");
    const on = (flag?: ValueDefault<boolean>) => !flag || ((valueAt(values, flag.path) as boolean | undefined) ?? flag.default);
    const podsOf = (w: ChartWorkload) => (w.perNode ? workers : Number(w.replicas ? (valueAt(values, w.replicas.path) ?? w.replicas.default) : 1));
    // A workload scaled to zero (Loki's simple-scalable targets in Monolithic mode) runs nothing.
    return table
        .filter((w) => on(w.enabled) && podsOf(w) > 0)
        .map((w) => {
            const containers = w.containers
                .filter((c) => on(c.enabled))
                .map((c) => ({ label: c.path, resources: valueAt(values, c.path), defaults: c.defaultRequests }));
            return sumContainers(`${chart}/${w.name}`, podsOf(w), containers);
        });
}

const WORKLOAD_KINDS = /^kubernetes:(?:apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|core\/v1:(Pod))$/;

/** The requests of a typed workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod) in the plan. */
export function typedWorkloadRequests(resource: RecordedResource, workers: number): WorkloadRequests | undefined {
    const kind = WORKLOAD_KINDS.exec(resource.type);
    if (!kind) {
        return undefined;
    }
    const inputs = unwrapSecrets(resource.inputs, "reveal") as Obj;
    const podSpec = valueAt(inputs, kind[2] ? "spec" : "spec.template.spec") as Obj | undefined;
    const metadataName = valueAt(inputs, "metadata.name") ?? resource.name;
    const pods = kind[1] === "DaemonSet" ? workers : kind[2] ? 1 : Number(valueAt(inputs, "spec.replicas") ?? 1);
    const containers = ((podSpec?.containers as Obj[] | undefined) ?? []).map((c) => ({ label: `container ${String(c.name)}`, resources: c.resources }));
    return sumContainers(`${kind[1] ?? kind[2]} ${String(metadataName)}`, pods, containers);
}

/** Workers and their allocatable: capacity less the kubelet's eviction reserve (control-plane nodes are tainted NoSchedule by kubeadm). */
export function workerAllocatable(config: StackConfig): { workers: number; cpuMilli: number; memoryMiB: number } {
    const workers = planNodes(config).filter((n) => !n.controlPlane);
    return {
        workers: workers.length,
        cpuMilli: workers.reduce((sum, n) => sum + n.pool.cpus * 1000, 0),
        memoryMiB: workers.reduce((sum, n) => sum + n.pool.memoryMiB - EVICTION_RESERVE_MIB, 0),
    };
}

/** The platform's requests in one stack against its workers. */
export function stackCapacity(config: StackConfig, resources: RecordedResource[]): StackCapacity {
    const allocatable = workerAllocatable(config);
    const workloads = resources.flatMap((r) =>
        r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart"
            ? chartRequests(r, allocatable.workers)
            : (typedWorkloadRequests(r, allocatable.workers) ?? []),
    );
    return {
        cpuRequestsMilli: workloads.reduce((sum, w) => sum + w.cpuMilli, 0),
        memoryRequestsMiB: Math.ceil(workloads.reduce((sum, w) => sum + w.memoryMiB, 0)),
        allocatableCpuMilli: allocatable.cpuMilli,
        allocatableMemoryMiB: allocatable.memoryMiB,
        workloads,
    };
}

/** The four sums, as the plan JSON carries them under `stacks[].capacity`. */
export function capacityJson(capacity: StackCapacity): Omit<StackCapacity, "workloads"> {
    const { cpuRequestsMilli, memoryRequestsMiB, allocatableCpuMilli, allocatableMemoryMiB } = capacity;
    return { cpuRequestsMilli, memoryRequestsMiB, allocatableCpuMilli, allocatableMemoryMiB };
}

/** A capacity problem: "warn" above 80%, "fail" when it does not fit. */
export interface CapacityFinding {
    level: "warn" | "fail";
    message: string;
}

/** Share of a budget above which the report warns. */
export const WARN_RATIO = 0.8;

function budgetFinding(subject: string, what: string, need: number, have: number, unit: string, fix: string): CapacityFinding[] {
    const pct = have > 0 ? Math.round((100 * need) / have) : Infinity;
    if (need > have) {
        return [{ level: "fail", message: `${subject}: ${what} ${need}${unit} do not fit in ${have}${unit} (${pct}%); ${fix}` }];
    }
    if (need > WARN_RATIO * have) {
        return [{ level: "warn", message: `${subject}: ${what} ${need}${unit} are ${pct}% of ${have}${unit} (above ${100 * WARN_RATIO}%); ${fix}` }];
    }
    return [];
}

/** Findings for one stack: requests against allocatable, and workloads that request nothing. */
export function capacityFindings(stack: string, config: StackConfig, capacity: StackCapacity): CapacityFinding[] {
    const { workers } = workerAllocatable(config);
    const fix = "give platform:nodes.workers more cpus/memoryMiB or a higher count";
    const where = `the allocatable of ${workers} worker(s)`;
    const unset = capacity.workloads.filter((w) => w.unset.length > 0);
    return [
        ...budgetFinding(`stack ${stack}`, "platform CPU requests", capacity.cpuRequestsMilli, capacity.allocatableCpuMilli, "m", `${fix} (${where})`),
        ...budgetFinding(`stack ${stack}`, "platform memory requests", capacity.memoryRequestsMiB, capacity.allocatableMemoryMiB, " MiB", `${fix} (${where})`),
        ...(unset.length === 0
            ? []
            : [
                  {
                      level: "warn" as const,
                      message:
                          `stack ${stack}: ${unset.length} platform workload(s) request no CPU or memory, so the sums are low: ` +
                          `${unset.map((w) => w.name).join(", ")}; set requests in their values (the paths are in CHART_WORKLOADS)`,
                  },
              ]),
    ];
}

/** The host the seed plans for (seed 001 §3.1 and §16.1): 64 GB RAM with 8 GB kept for macOS, 540 GB free disk. */
export const REFERENCE_HOST = { memoryMiB: 64 * 1024, reservedMemoryMiB: 8 * 1024, diskGiB: 540 };

/**
 * The Multipass VMs of all stacks against the one host they share. vCPUs are left out: Multipass
 * shares cores and the seed itself plans 16 vCPUs on 10 cores (§16.2). SSH hosts are other machines.
 */
export function hostFindings(stacks: Array<{ stack: string; config: StackConfig }>, host = REFERENCE_HOST): CapacityFinding[] {
    const vms = stacks.filter((s) => s.config.backend.kind === "multipass").flatMap((s) => planNodes(s.config));
    if (vms.length === 0) {
        return [];
    }
    const names = stacks.filter((s) => s.config.backend.kind === "multipass").map((s) => s.stack);
    const subject = `host (VMs of ${names.join(", ")})`;
    const fix = "lower platform:nodes sizes or deploy fewer stacks on this host";
    return [
        ...budgetFinding(
            subject,
            "VM memory",
            vms.reduce((sum, n) => sum + n.pool.memoryMiB, 0),
            host.memoryMiB - host.reservedMemoryMiB,
            " MiB",
            `${fix} (${host.memoryMiB} MiB host less ${host.reservedMemoryMiB} MiB for its OS, seed 001 §16.1)`,
        ),
        ...budgetFinding(
            subject,
            "VM disks",
            vms.reduce((sum, n) => sum + n.pool.diskGiB, 0),
            host.diskGiB,
            " GiB",
            `${fix} (seed 001 §3.1: 540 GB free)`,
        ),
    ];
}

/** The capacity report as `npm run plan` prints it for one stack. */
export function renderCapacity(capacity: StackCapacity): string[] {
    const pct = (need: number, have: number) => (have > 0 ? `${Math.round((100 * need) / have)}%` : "-");
    return [
        `capacity (platform requests on the workers): CPU ${capacity.cpuRequestsMilli}m of ${capacity.allocatableCpuMilli}m ` +
            `(${pct(capacity.cpuRequestsMilli, capacity.allocatableCpuMilli)}), memory ${capacity.memoryRequestsMiB} MiB of ` +
            `${capacity.allocatableMemoryMiB} MiB (${pct(capacity.memoryRequestsMiB, capacity.allocatableMemoryMiB)})`,
        ...capacity.workloads.map(
            (w) => `  ${w.name.padEnd(40)} ×${w.pods}  ${w.cpuMilli}m  ${Math.ceil(w.memoryMiB)} MiB${w.unset.length > 0 ? "  (requests unset)" : ""}`,
        ),
    ];
}
