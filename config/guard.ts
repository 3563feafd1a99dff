/**
 * The config guard: refuses, before anything runs, every config change a running cluster cannot
 * take (a Kubernetes version change it lets through is applied by the upgrade steps). `guardSettings` picks those settings out of a stack's config. stacks/cluster.ts creates one
 * local Command from `configGuardCommand` before the nodes, and every node depends on it. On create
 * it prints the settings; on update it compares them with what it printed last time and exits 1
 * with one `guardRefusals` message per changed setting.
 *
 * pulumi-command v1.2.1 (provider/pkg/provider/local): `Update` runs the `update` command whenever
 * the inputs differ from the state (commandController.go), and `run` puts the stored stdout into
 * PULUMI_COMMAND_STDOUT unless addPreviousOutputInEnv is false (commandOutputs.go). A failed update
 * returns no new state (pulumi-go-provider `infer`: only a ResourceInitFailedError carries one), so
 * the old settings stay recorded and every later `up` refuses again until the config is set back.
 *
 * Why a Command and not a StackReference to this stack itself: the reference reads what the last
 * `up` exported, a value the program writes about itself, not state the engine records about its
 * resources. The guard is an ordinary resource: its settings are recorded exactly when the engine
 * accepts them, it needs no export kept in step with it, no lookup of the stack's own fully
 * qualified name, and the offline plan sees it like any other Command. The price: the refusal comes
 * at the first step of `pulumi up`, not in `pulumi preview` (`npm run plan -- --compare-to` shows it
 * offline). A stack created before the guard existed records its settings on its next `up` unchecked.
 */
import { COMPATIBILITY } from "../policy-pack/conventions";
import { StackConfig } from "./model";
import { containerdSupports } from "./validate";
import { CHARTS, NODE_PACKAGES } from "./versions";

/** The role in the guard's resource name (`<stack>-config-guard`); the offline compare finds it by this. */
export const CONFIG_GUARD_ROLE = "config-guard";

/**
 * The guard's resource name. It is named after the stack, not the cluster: a name derived from a
 * guarded setting (cluster.name) would give a renamed cluster a new guard with nothing to compare.
 */
export function configGuardName(stack: string): string {
    return `${stack}-${CONFIG_GUARD_ROLE}`;
}

/** The settings no `up` may change on a running cluster: config key, and its value as text. */
const GUARDED: ReadonlyArray<readonly [string, (config: StackConfig) => string]> = [
    ["platform:cluster.name", (c) => c.name],
    ["platform:cluster.kubernetesVersion", (c) => c.kubernetesVersion],
    ["platform:nodes.controlPlane.count", (c) => String(c.controlPlane.count)],
    ["platform:network.podCidr", (c) => c.network.podCidr],
    ["platform:network.serviceCidr", (c) => c.network.serviceCidr],
    ["platform:network.controlPlaneVip", (c) => c.network.controlPlaneVip ?? "(none)"],
    ["platform:backend.kind", (c) => c.backend.kind],
];

/** The guarded settings of a stack's config, by config key. */
export function guardSettings(config: StackConfig): Record<string, string> {
    return Object.fromEntries(GUARDED.map(([key, read]) => [key, read(config)]));
}

/** What a pinned component supports: the Kubernetes minors, and where its pin is. */
export interface VersionSupport {
    /** The pin as the messages name it, e.g. "Cilium 1.20.0 (CHARTS.cilium)". */
    pin: string;
    /** Kubernetes minors it supports, e.g. ["1.35", "1.36"]. */
    minors: readonly string[];
}

/**
 * What the pinned Cilium and containerd support (COMPATIBILITY; config validation applies the same
 * table to the config alone). Not exported: `guardRefusals` defaults to it by this name, and the
 * guard program defines a constant of this name (`renderGuardProgram`).
 */
const GUARD_VERSION_SUPPORT: readonly VersionSupport[] = [
    { pin: `Cilium ${CHARTS.cilium.version} (CHARTS.cilium in config/versions.ts)`, minors: COMPATIBILITY.ciliumKubernetesMinors },
    {
        pin: `containerd ${NODE_PACKAGES.containerd.version} (NODE_PACKAGES in config/versions.ts)`,
        minors: Object.keys(COMPATIBILITY.containerdForKubernetes).filter((minor) => containerdSupports(minor, NODE_PACKAGES.containerd.version)),
    },
];

/** The support table the guard checks a version change against. */
export function guardVersionSupport(): readonly VersionSupport[] {
    return GUARD_VERSION_SUPPORT;
}

/**
 * One message per guarded setting that differs: the key, the current and the wanted value, why it
 * cannot change and what to do instead. A key only one side has is not compared (the guard gained
 * or lost a setting between versions of this program).
 *
 * The Kubernetes version is the one guarded setting that may change: the upgrade steps
 * (components/kubeadm-cluster/upgrade.ts) apply it, one minor at a time and forward only, to a
 * minor the pinned Cilium and containerd support (`support`). Anything else is refused here,
 * before a node is touched.
 *
 * Self-contained on purpose, with no imports and no module state but the `support` default: the
 * guard Command runs this function's own source under node (`renderGuardProgram`, which defines
 * GUARD_VERSION_SUPPORT), so the wording has one source.
 */
export function guardRefusals(
    previous: Record<string, string>,
    wanted: Record<string, string>,
    support: readonly VersionSupport[] = GUARD_VERSION_SUPPORT,
): string[] {
    const rebuild = "To have it anyway, build the cluster again: pulumi destroy, then pulumi up";
    const versionKey = "platform:cluster.kubernetesVersion";
    const why: Record<string, string> = {
        "platform:cluster.name":
            "It is kubeadm's clusterName, Cilium's cluster.name and the prefix of every VM name: " +
            "a new name would build a second cluster and delete this one. " +
            "For another cluster, create another stack",
        "platform:nodes.controlPlane.count":
            "A running control plane keeps its size: 1 -> 3 needs the VIP as the cluster endpoint and in the API server certificate from kubeadm init on, " +
            "3 -> 1 needs etcd members removed. " +
            rebuild,
        "platform:network.podCidr":
            "kubeadm fixed it at init (ClusterConfiguration and every Node's spec.podCIDR), and Cilium allocates pod addresses from it. " + rebuild,
        "platform:network.serviceCidr":
            "kubeadm fixed it at init: the API server certificate holds its first address and every Service's ClusterIP comes from it. " + rebuild,
        "platform:network.controlPlaneVip":
            "It is the control-plane endpoint in kubeadm's certificates, every kubeconfig and every kubelet's configuration. " + rebuild,
        "platform:backend.kind": "Nodes cannot move between Multipass VMs and SSH hosts. For the other backend, create another stack",
    };
    /** Why an upgrade from `from` to `to` cannot run (none: the upgrade steps apply it). */
    const versionProblems = (from: string, to: string): string[] => {
        const parse = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v)?.slice(1).map(Number);
        const [a, b] = [parse(from), parse(to)];
        if (!a || !b) {
            return [`Set it back to ${from}: one of the two is not a full version`];
        }
        const minorOf = (v: number[]) => `${v[0]}.${v[1]}`;
        const order = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
        if (order > 0) {
            return [
                `Set it back to ${from}. kubeadm upgrades forward only; going back to ${to} is a restore of the etcd snapshot taken before the upgrade ` +
                    "(docs/operations/backup-restore.md). If the upgrade to " +
                    `${from} never started (its preflight or snapshot failed), record the version the cluster runs again: ` +
                    "pulumi up --replace <this guard's URN, from pulumi stack --show-urns>",
            ];
        }
        const skip =
            b[0] !== a[0] || b[1] > a[1] + 1
                ? [
                      `kubeadm upgrades one minor at a time (kubernetes.io "Upgrading kubeadm clusters"): set v${a[0]}.${a[1] + 1}.x (its newest patch) first ` +
                          `and run pulumi up, then the next minor, up to ${to}; or set it back to ${from}`,
                  ]
                : [];
        const unsupported = support
            .filter((s) => !s.minors.includes(minorOf(b)))
            .map(
                (s) =>
                    `${s.pin} supports Kubernetes ${s.minors.join(", ")} only, not ${minorOf(b)}: pin a release that supports ${minorOf(b)} first ` +
                    `(and its line in COMPATIBILITY, policy-pack/conventions.ts), or set it back to ${from}`,
            );
        return [...skip, ...unsupported];
    };
    const refusals: string[] = [];
    for (const key of Object.keys(wanted)) {
        const current = previous[key];
        if (current === undefined || current === wanted[key]) {
            continue;
        }
        const head = `${key}: the running cluster has ${current}, the config now says ${wanted[key]}.`;
        if (key === versionKey) {
            const problems = versionProblems(current, wanted[key]);
            if (problems.length > 0) {
                refusals.push(`${head} ${problems.join(". ")}.`);
            }
            continue;
        }
        const reason = why[key] ?? "It cannot change on a running cluster";
        refusals.push(`${head} Set it back to ${current}. ${reason}.`);
    }
    return refusals;
}

/**
 * The node program the guard runs for both create and update. It reads the wanted settings from
 * its environment (one variable per config key) and the previous run's output from
 * PULUMI_COMMAND_STDOUT (absent on create), and prints the settings it accepted: that output is
 * what the next update compares with.
 */
export function renderGuardProgram(): string {
    return [
        "// The config guard of config/guard.ts, generated: edit it there.",
        `const GUARD_VERSION_SUPPORT = ${JSON.stringify(GUARD_VERSION_SUPPORT)};`,
        `const guardRefusals = ${guardRefusals.toString()};`,
        `const keys = ${JSON.stringify(GUARDED.map(([key]) => key))};`,
        "const wanted = Object.fromEntries(keys.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]));",
        "const printed = process.env.PULUMI_COMMAND_STDOUT;",
        "if (printed !== undefined) {",
        "    let previous;",
        "    try {",
        "        previous = JSON.parse(printed);",
        "    } catch {",
        "        previous = undefined;",
        "    }",
        '    if (typeof previous !== "object" || previous === null || Array.isArray(previous)) {',
        "        console.error(",
        "            `config guard: its recorded output is not a settings object (${printed.slice(0, 200)}). Check that none of ` +",
        '                `${Object.keys(wanted).join(", ")} changed since the last up, then run pulumi up --replace with this guard\'s URN ` +',
        "                `(pulumi stack --show-urns) to record the current settings.`,",
        "        );",
        "        process.exit(1);",
        "    }",
        "    const refusals = guardRefusals(previous, wanted);",
        "    if (refusals.length > 0) {",
        '        console.error(refusals.join("\\n"));',
        "        process.exit(1);",
        "    }",
        "}",
        "console.log(JSON.stringify(wanted, null, 2));",
        "",
    ].join("\n");
}

/** The inputs of the guard's `command.local.Command` (plain data, so tests run exactly what Pulumi would). */
export interface ConfigGuardCommand {
    /**
     * `node -` runs the program from stdin, with the command as its argument. No shell in between:
     * dash drops environment variables whose names are not shell names, like the config keys.
     * `node` is on PATH wherever a Pulumi TypeScript program runs.
     */
    interpreter: string[];
    /** The argument on create: only a label, shown in pulumi-command's error messages. */
    create: string;
    /** The same program on update (without `update`, pulumi-command would run `create`: the same, but implicit). */
    update: string;
    /** The program (`renderGuardProgram`). */
    stdin: string;
    /** The wanted settings, one variable per config key: readable in a preview's diff. */
    environment: Record<string, string>;
    /** The update reads the previous output: pulumi-command's default, spelled out because the guard depends on it. */
    addPreviousOutputInEnv: true;
}

/** The guard's Command inputs for a stack's config. */
export function configGuardCommand(config: StackConfig): ConfigGuardCommand {
    return {
        interpreter: ["node", "-"],
        create: "config-guard create",
        update: "config-guard update",
        stdin: renderGuardProgram(),
        environment: guardSettings(config),
        addPreviousOutputInEnv: true,
    };
}
