/**
 * An estimate of how long a deploy from an empty state takes: a table of typical durations per
 * step kind, applied to the dependency graph the offline plan recorded. The engine runs every
 * resource as soon as its dependencies are done, so one run of a stack takes as long as its longest
 * chain (the critical path); `npm run deploy` runs the steps of `deploySteps` (a fresh platform in
 * stages, config/stage.ts), each as soon as the steps it needs are done, and a stage's run spends
 * no time on what an earlier stage of the stack created. The total "in sequence" is every resource
 * one after another, as seed 001's orchestrate.sh runs its install scripts.
 *
 * It is an estimate, not a measurement: nothing here has run on a real machine. Its purpose is to
 * show where the time goes and to keep the design parallel; replace the numbers with your own
 * timings (the summary of `npm run deploy` prints each stack's real duration).
 */
import { planNodes, StackConfig } from "../../config/model";
import { PARTIAL_STAGE } from "../../config/stage";
import { DeployStep, deploySteps } from "../deploy/phases";
import { RecordedResource } from "../offline/record";
import { chartName } from "./capacity";

/** A typical duration and where the number comes from. */
export interface StepDuration {
    /** Seconds on a laptop with a warm Multipass image cache and a broadband connection. */
    seconds: number;
    /** What the step does, and the source or reasoning behind the number. */
    basis: string;
}

/** Typical durations per step kind. */
export const STEP_DURATIONS = {
    "pulumi-update": {
        seconds: 20,
        basis:
            "one `pulumi up` of a stack beyond its resources: the CLI starts the language host and the provider plugins, runs the program, " +
            "diffs every resource an earlier run created (no provider call changes anything for them) and writes the state (estimate)",
    },
    "vm-launch": {
        seconds: 60,
        basis:
            "multipass launch of a cached Ubuntu 24.04 image until the VM answers (estimate; Multipass waits up to its --timeout, 300 s by default, " +
            "the launch script allows 900 s); the first launch on a host also downloads the image (~600 MB)",
    },
    "cloud-init": {
        seconds: 240,
        basis:
            "the node bootstrap under cloud-init: two apt-get updates, containerd and kubelet/kubeadm/kubectl from pkgs.k8s.io (estimate; " +
            "the launch waits for `cloud-init status --wait`); on SSH hosts the same script runs as the bootstrap step",
    },
    "kubeadm-init": {
        seconds: 150,
        basis:
            "kubeadm init: control-plane image pull (kubeadm's own preflight note: 'This might take a minute or two') and the control plane " +
            "coming up (kubeadm v1beta4 waits at most timeouts.controlPlaneComponentHealthCheck, 4m)",
    },
    "join-credentials": { seconds: 10, basis: "kubeadm token create and init phase upload-certs: API calls only (estimate)" },
    "kubeadm-join": {
        seconds: 60,
        basis: "kubeadm join of a worker: pause image pull and TLS bootstrap (estimate; v1beta4 waits at most timeouts.tlsBootstrap, 5m)",
    },
    "kubeadm-join-control-plane": {
        seconds: 150,
        basis: "kubeadm join --control-plane: the control-plane image pull of init plus an etcd member add (estimate)",
    },
    "node-member": { seconds: 15, basis: "waits until the joined Node is registered (estimate)" },
    kubeconfig: { seconds: 5, basis: "reads /etc/kubernetes/admin.conf over SSH (estimate)" },
    "vault-init": {
        seconds: 60,
        basis: "waits for the Vault API behind its LoadBalancer IP (image pull, raft volume bound), then one init call (estimate; the step waits up to 600 s)",
    },
    "api-server-settings": {
        seconds: 90,
        basis:
            "writes the OIDC, audit and encryption files; when the manifest must change, kubeadm regenerates it and the kubelet restarts the API server, " +
            "then /readyz (estimate; the step waits up to 5 min)",
    },
    command: { seconds: 10, basis: "any other command: a script on a node or a local check (estimate)" },
    "helm:cilium": {
        seconds: 240,
        basis:
            "Cilium agent, operator, Envoy, Hubble relay/UI and clustermesh-apiserver images pulled and ready on fresh nodes, plus the certgen " +
            "Job (estimate; the release allows 900 s). A release that skips Helm's wait still holds back its dependents: their pods need the CNI",
    },
    "helm:metallb": { seconds: 90, basis: "MetalLB controller and speaker ready (estimate; helm.v3.Release waits up to its timeout, 300 s by default)" },
    "helm:metrics-server": { seconds: 60, basis: "one metrics-server Deployment ready (estimate; readinessProbe initialDelaySeconds 20 in the chart)" },
    "helm:kyverno": { seconds: 150, basis: "Kyverno's four controllers ready and its webhooks registered (estimate)" },
    "helm:falco": { seconds: 150, basis: "Falco DaemonSet ready: the modern_ebpf probe loads and falcoctl fetches the rules (estimate)" },
    "helm:trivy-operator": { seconds: 90, basis: "Trivy Operator Deployment (and its built-in server) ready (estimate)" },
    "helm:vault": {
        seconds: 60,
        basis: "the Vault StatefulSet created; the release skips Helm's wait, as a sealed Vault is never Ready (estimate: image pull and PVC bind)",
    },
    "helm:cert-manager": { seconds: 90, basis: "cert-manager controller, webhook and cainjector ready, the startupapicheck Job passed (estimate)" },
    "helm:external-secrets": { seconds: 90, basis: "External Secrets controller, webhook and cert controller ready (estimate)" },
    helm: { seconds: 120, basis: "a Helm release of a chart this table does not list: images pulled and pods ready (estimate)" },
    "k8s-workload": {
        seconds: 45,
        basis: "a Deployment, StatefulSet or DaemonSet: @pulumi/kubernetes waits until its pods are ready (estimate; its await timeout is 10 min)",
    },
    "k8s-manifest": { seconds: 20, basis: "a manifest bundle (yaml ConfigFile) applied, its objects created (estimate)" },
    "k8s-object": { seconds: 2, basis: "one API object created (Namespace, CR, StorageClass, ...): one API call and the await on it (estimate)" },
    instant: { seconds: 0, basis: "components, providers, stack references, keys and random values: computed locally" },
} satisfies Record<string, StepDuration>;

/** A step kind of the table. */
export type StepKind = keyof typeof STEP_DURATIONS;

/** Kubernetes kinds @pulumi/kubernetes waits on until their pods are ready. */
const WORKLOAD_TYPES = /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|core\/v1:Pod)$/;

/**
 * The step kinds one resource stands for. Commands (local or over SSH) are told apart by the role
 * at the end of their name (`<vm>-launch`, `${cluster}-init`, `${cluster}-join-<node>`, ...); Helm
 * releases by chart.
 */
export function stepKinds(resource: RecordedResource, controlPlaneNodes: ReadonlySet<string>): StepKind[] {
    const { type, name } = resource;
    if (type === "command:local:Command" || type === "command:remote:Command") {
        return name.endsWith("-launch") ? ["vm-launch", "cloud-init"] : [commandKind(name, controlPlaneNodes)];
    }
    if (type === "kubernetes:helm.sh/v3:Release" || type === "kubernetes:helm.sh/v4:Chart") {
        const kind = `helm:${chartName(resource)}`;
        return [kind in STEP_DURATIONS ? (kind as StepKind) : "helm"];
    }
    if (WORKLOAD_TYPES.test(type)) {
        return ["k8s-workload"];
    }
    if (/^kubernetes:yaml\/v\d:Config(File|Group)$/.test(type)) {
        return ["k8s-manifest"];
    }
    // Other kubernetes: types are single objects, except the components that render charts or kustomizations.
    if (type.startsWith("kubernetes:") && !/^kubernetes:(helm\.sh|kustomize)\//.test(type)) {
        return ["k8s-object"];
    }
    return ["instant"];
}

function commandKind(name: string, controlPlaneNodes: ReadonlySet<string>): StepKind {
    if (name.endsWith("-bootstrap")) {
        return "cloud-init";
    }
    if (name.endsWith("-vault-init")) {
        return "vault-init";
    }
    if (/-api-server-(prepare|apply)-.+$/.test(name)) {
        return "api-server-settings";
    }
    if (name.endsWith("-init")) {
        return "kubeadm-init";
    }
    if (/-join-credentials(-.+)?$/.test(name)) {
        return "join-credentials";
    }
    const join = /-join-(.+)$/.exec(name);
    if (join) {
        return controlPlaneNodes.has(join[1]) ? "kubeadm-join-control-plane" : "kubeadm-join";
    }
    if (/-member-.+$/.test(name)) {
        return "node-member";
    }
    if (name.endsWith("-kubeconfig")) {
        return "kubeconfig";
    }
    return "command";
}

/** Estimated seconds of one resource. */
export function stepSeconds(resource: RecordedResource, controlPlaneNodes: ReadonlySet<string>): number {
    return stepKinds(resource, controlPlaneNodes).reduce((sum, kind) => sum + STEP_DURATIONS[kind].seconds, 0);
}

/** The longest chain of one stack. */
export interface StackEstimate {
    /** Seconds until the last resource is done when everything runs as soon as it can. */
    seconds: number;
    /** URNs of the chain that takes that long, first step first (steps that take no time left out). */
    criticalPath: string[];
    /** Sum of every step, as if nothing ran in parallel. */
    sequentialSeconds: number;
}

/**
 * What each resource waits for: its recorded dependencies; the provider of its package, because the
 * engine cannot call a resource's provider before that provider exists (the plan does not record
 * which provider a resource uses, so every provider of the package counts); and, for a component,
 * its children, since it is done when they are.
 */
export function waitsFor(resources: RecordedResource[]): Map<string, string[]> {
    const urns = new Set(resources.map((r) => r.urn));
    const providers = new Map<string, string[]>();
    for (const r of resources) {
        const pkg = /^pulumi:providers:(.+)$/.exec(r.type)?.[1];
        if (pkg) {
            providers.set(pkg, [...(providers.get(pkg) ?? []), r.urn]);
        }
    }
    const edges = new Map<string, string[]>(resources.map((r) => [r.urn, r.dependencies.filter((d) => urns.has(d))]));
    for (const r of resources) {
        if (!r.type.startsWith("pulumi:providers:")) {
            (edges.get(r.urn) as string[]).push(...(providers.get(r.type.split(":")[0]) ?? []));
        }
        if (r.parent && edges.has(r.parent)) {
            (edges.get(r.parent) as string[]).push(r.urn);
        }
    }
    return edges;
}

/**
 * The critical path and total of one run over a stack's resources; `done` are the URNs an earlier
 * stage of the stack created, which this run leaves as they are (no time). Without the
 * `pulumi-update` overhead.
 */
export function estimateStack(
    resources: RecordedResource[],
    controlPlaneNodes: ReadonlySet<string> = new Set(),
    done: ReadonlySet<string> = new Set(),
): StackEstimate {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const edges = waitsFor(resources);
    const seconds = (urn: string) => (done.has(urn) ? 0 : stepSeconds(byUrn.get(urn) as RecordedResource, controlPlaneNodes));
    const finish = new Map<string, { at: number; after?: string }>();
    const visiting = new Set<string>();
    const finishOf = (urn: string): number => {
        const known = finish.get(urn);
        if (known) {
            return known.at;
        }
        if (visiting.has(urn)) {
            throw new Error(`timeline: ${urn} depends on itself through ${[...visiting].join(" → ")}`);
        }
        visiting.add(urn);
        let start = 0;
        let after: string | undefined;
        // The latest dependency decides the start; on a tie the first URN, so the path is stable.
        for (const dep of [...new Set(edges.get(urn))].sort()) {
            const at = finishOf(dep);
            if (after === undefined || at > start) {
                [start, after] = [at, dep];
            }
        }
        visiting.delete(urn);
        const at = start + seconds(urn);
        finish.set(urn, { at, after });
        return at;
    };
    let last: string | undefined;
    for (const r of [...resources].sort((a, b) => a.urn.localeCompare(b.urn))) {
        if (last === undefined || finishOf(r.urn) > finishOf(last)) {
            last = r.urn;
        }
    }
    const path: string[] = [];
    for (let urn = last; urn !== undefined; urn = finish.get(urn)?.after) {
        path.unshift(urn);
    }
    return {
        seconds: last === undefined ? 0 : finishOf(last),
        criticalPath: path.filter((urn) => seconds(urn) > 0),
        sequentialSeconds: resources.reduce((sum, r) => sum + seconds(r.urn), 0),
    };
}

/** One step of the deploy, estimated. */
export interface TimedStep {
    /** The step's id: the stack, or `<stack> (<stage>)`. */
    step: string;
    /** Seconds of its run, the `pulumi-update` overhead included. */
    seconds: number;
    /** When it ends, counted from the start of the deploy. */
    finishesAt: number;
}

/** The estimate of a whole deploy, as the plan JSON carries it. */
export interface DeployTimeline {
    /** `npm run deploy` from empty state: the end of its last step. */
    parallelSeconds: number;
    /** Every resource of every stack one after another. */
    sequentialSeconds: number;
    /** Each stack alone, from empty state in one `pulumi up`. */
    perStack: Record<string, number>;
    /** The chain of resources that decides `parallelSeconds`, step after step. */
    criticalPath: string[];
    /** The steps of the deploy (tools/deploy/phases.ts), in order. */
    steps: TimedStep[];
}

/** A planned stack: its config (order, control-plane nodes), its recorded resources and those of its partial stage. */
export interface TimedStack {
    stack: string;
    config: StackConfig;
    resources: RecordedResource[];
    /** Its partial stage (config/stage.ts), when the plan ran it; without it the stack is not staged. */
    partial?: { resources: RecordedResource[] };
}

/** The estimate for `npm run deploy` of these stacks from empty state. */
export function estimateDeploy(stacks: TimedStack[]): DeployTimeline {
    const update = STEP_DURATIONS["pulumi-update"].seconds;
    const byName = new Map(stacks.map((s) => [s.stack, s]));
    const cp = new Map(stacks.map((s) => [s.stack, controlPlaneNames(s.config)]));
    const alone = new Map(stacks.map((s) => [s.stack, estimateStack(s.resources, cp.get(s.stack))]));
    const steps = deploySteps(stacks, "up", new Set(stacks.filter((s) => s.partial).map((s) => s.stack)));
    const estimates = new Map<string, StackEstimate>();
    const ends = new Map<string, { at: number; after?: string }>();
    for (const step of steps) {
        const stack = byName.get(step.stack) as TimedStack;
        const partial = stack.partial?.resources ?? [];
        const staged = steps.some((s) => s.stack === step.stack && s.stage === PARTIAL_STAGE[stack.config.role]);
        const estimate =
            step.stage === "full"
                ? estimateStack(stack.resources, cp.get(step.stack), new Set(staged ? partial.map((r) => r.urn) : []))
                : estimateStack(partial, cp.get(step.stack));
        estimates.set(step.id, estimate);
        const after = latest(step, ends);
        ends.set(step.id, { at: (after ? (ends.get(after) as { at: number }).at : 0) + update + estimate.seconds, after });
    }
    const last = steps.reduce((a, b) => ((ends.get(b.id) as { at: number }).at > (ends.get(a.id) as { at: number }).at ? b : a));
    const chain: string[] = [];
    for (let id: string | undefined = last.id; id !== undefined; id = ends.get(id)?.after) {
        chain.unshift(id);
    }
    return {
        parallelSeconds: (ends.get(last.id) as { at: number }).at,
        sequentialSeconds: stacks.reduce((sum, s) => sum + (alone.get(s.stack) as StackEstimate).sequentialSeconds, 0),
        perStack: Object.fromEntries(stacks.map((s) => [s.stack, update + (alone.get(s.stack) as StackEstimate).seconds])),
        criticalPath: chain.flatMap((id) => (estimates.get(id) as StackEstimate).criticalPath),
        steps: steps.map((s) => ({
            step: s.id,
            seconds: update + (estimates.get(s.id) as StackEstimate).seconds,
            finishesAt: (ends.get(s.id) as { at: number }).at,
        })),
    };
}

/** The need of `step` that ends last (on a tie the first listed). */
function latest(step: DeployStep, ends: Map<string, { at: number }>): string | undefined {
    return step.needs.reduce<string | undefined>(
        (a, b) => (a === undefined || (ends.get(b) as { at: number }).at > (ends.get(a) as { at: number }).at ? b : a),
        undefined,
    );
}

function controlPlaneNames(config: StackConfig): Set<string> {
    return new Set(
        planNodes(config)
            .filter((n) => n.controlPlane)
            .map((n) => n.name),
    );
}

/** "1h 02m 05s", "14m 00s", "45s". */
export function formatDuration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.round(seconds % 60);
    const pad = (n: number) => String(n).padStart(2, "0");
    return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : m > 0 ? `${m}m ${pad(s)}s` : `${s}s`;
}

/** The timeline as `npm run plan` prints it. */
export function renderTimeline(timeline: DeployTimeline, stacks: TimedStack[]): string[] {
    const byUrn = new Map(stacks.flatMap((s) => s.resources.map((r) => [r.urn, { resource: r, cp: controlPlaneNames(s.config) }] as const)));
    const width = Math.max(...stacks.map((s) => s.stack.length), ...timeline.steps.map((s) => s.step.length));
    const slowest = Math.max(...Object.values(timeline.perStack));
    return [
        "timeline (an estimate from typical step durations, see tools/plan/timeline.ts; not a measurement):",
        ...stacks.map((s) => `  ${s.stack.padEnd(width)}  ${formatDuration(timeline.perStack[s.stack]).padStart(8)} alone`),
        "  npm run deploy from empty state, step by step (config/stage.ts):",
        ...timeline.steps.map((s) => `  ${s.step.padEnd(width)}  ${formatDuration(s.seconds).padStart(8)}, done at ${formatDuration(s.finishesAt)}`),
        `  deploy: ${formatDuration(timeline.parallelSeconds)} (${(timeline.parallelSeconds / slowest).toFixed(2)}× the slowest stack alone); ` +
            `everything in sequence: ${formatDuration(timeline.sequentialSeconds)}`,
        "  critical path:",
        ...timeline.criticalPath.map((urn) => {
            const { resource, cp } = byUrn.get(urn) as { resource: RecordedResource; cp: Set<string> };
            return `    ${resource.name}  ${stepKinds(resource, cp).join(" + ")}  ${formatDuration(stepSeconds(resource, cp))}`;
        }),
    ];
}
