/**
 * KubeadmCluster: turns bootstrapped nodes into a Kubernetes cluster by running the steps of
 * `kubeadmSteps` (steps.ts), then keeps it at the configured version with the steps of
 * `upgradeSteps` (upgrade.ts), in order, each a node command, and hands out a Kubernetes provider
 * for everything after it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StackConfig } from "../../config/model";
import { NodeConnection } from "../vm-node/connection";
import { NODE_STEPS_OUTPUT, nodeCommand, NodeCommand, NodeStepRecord } from "../vm-node/node-command";
import {
    BootstrapToken,
    bootstrapTokenFromHex,
    bootstrapTokenId,
    parseAdminCredential,
    parseCaCertHash,
    parseControlPlaneFiles,
    TOKEN_BYTES,
} from "./credentials";
import { API_SERVER_PORT } from "./kubeadm-config";
import { adminKubeconfig } from "./kubeconfig";
import { KUBEADM_CLUSTER_TYPE, kubeadmSteps, KubeadmStep, RESERVED_NODE_NAMES, STEP, StepOutputs, StepTrigger, StepValues } from "./steps";
import { upgradeSteps } from "./upgrade";

export { KUBEADM_CLUSTER_TYPE } from "./steps";

/** A bootstrapped machine the cluster runs on (a VmNode). */
export interface ClusterNode extends pulumi.Resource {
    /** The kubelet's node name. */
    readonly nodeName: string;
    /** The node's address on the node subnet. */
    readonly ip: pulumi.Output<string>;
    /** How steps reach the node. */
    readonly connection: pulumi.Output<NodeConnection>;
    /** Changes whenever the machine is built again. */
    readonly identity: pulumi.Output<string>;
}

/** Arguments of a KubeadmCluster. */
export interface KubeadmClusterArgs {
    /** The validated stack config: name, version, network, and the backend that says how nodes are reached. */
    config: Pick<StackConfig, "name" | "kubernetesVersion" | "network" | "backend">;
    /** Control-plane nodes; the first runs `kubeadm init`. */
    controlPlanes: ClusterNode[];
    /** Worker nodes. */
    workers: ClusterNode[];
}

/** Throws before anything is created when the node lists cannot form a cluster. */
export function validateKubeadmClusterArgs(name: string, args: KubeadmClusterArgs): void {
    const cps = args.controlPlanes.length;
    if (cps !== 1 && cps !== 3) {
        throw new Error(`KubeadmCluster ${name}: needs 1 or 3 control-plane nodes, got ${cps}; set nodes.controlPlane.count`);
    }
    if (cps === 3 && !args.config.network.controlPlaneVip) {
        throw new Error(`KubeadmCluster ${name}: 3 control-plane nodes need network.controlPlaneVip for a stable endpoint`);
    }
    if (args.workers.length === 0) {
        throw new Error(`KubeadmCluster ${name}: needs at least one worker; set nodes.workers.count`);
    }
    const names = [...args.controlPlanes, ...args.workers].map((n) => n.nodeName);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
        throw new Error(`KubeadmCluster ${name}: node name ${twice} appears twice; node names must be unique`);
    }
    const reserved = names.find((n) => RESERVED_NODE_NAMES.includes(n));
    if (reserved !== undefined) {
        throw new Error(`KubeadmCluster ${name}: node name ${reserved} is reserved (upgrade-${reserved} names an upgrade step); rename that host`);
    }
}

/** How each kind of step output is parsed. */
const OUTPUT_PARSERS: { [K in keyof StepOutputs]: (stdout: string, role: string) => StepOutputs[K] } = {
    caCertHash: parseCaCertHash,
    controlPlaneFiles: parseControlPlaneFiles,
    adminCredential: parseAdminCredential,
};

/** A running kubeadm cluster. */
export class KubeadmCluster extends pulumi.ComponentResource {
    /** Kubeconfig with the platform-admin ServiceAccount token, pointing at `apiServerEndpoint` (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** https://host:6443 of the control plane (the VIP with 3 control-plane nodes). */
    public readonly apiServerEndpoint: pulumi.Output<string>;
    /** The host part of the endpoint, for Cilium's k8sServiceHost. */
    public readonly apiServerHost: pulumi.Output<string>;
    /** Node name → IP. */
    public readonly nodes: pulumi.Output<Record<string, string>>;
    /** How to reach the first control-plane node, for steps that must run there (it has admin.conf). */
    public readonly controlPlane: pulumi.Output<NodeConnection>;
    /** Every control-plane node, in join order, for steps that change each API server. */
    public readonly controlPlaneNodes: ClusterNode[];
    /** The cluster CA certificate (PEM), for clients outside the cluster such as Vault's Kubernetes auth. */
    public readonly caCertPem: pulumi.Output<string>;
    /** Provider for every Kubernetes resource in this cluster. */
    public readonly provider: k8s.Provider;

    constructor(name: string, args: KubeadmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(KUBEADM_CLUSTER_TYPE, name, {}, opts);
        validateKubeadmClusterArgs(name, args);
        const { config, controlPlanes, workers } = args;
        const first = controlPlanes[0];
        const byName = new Map([...controlPlanes, ...workers].map((n) => [n.nodeName, n]));
        const node = (nodeName: string) => byName.get(nodeName) as ClusterNode;

        this.apiServerHost = config.network.controlPlaneVip ? pulumi.output(config.network.controlPlaneVip) : first.ip;
        this.apiServerEndpoint = pulumi.interpolate`https://${this.apiServerHost}:${API_SERVER_PORT}`;
        this.nodes = pulumi.all([...byName.values()].map((n) => pulumi.all([n.nodeName, n.ip]))).apply((pairs) => Object.fromEntries(pairs));
        this.controlPlane = first.connection;
        this.controlPlaneNodes = controlPlanes;

        const tokens = new Map(
            [...controlPlanes.slice(1), ...workers].map((n) => {
                // A rebuilt machine gets a new token: the old one may have left with the old disk.
                const bytes = new random.RandomBytes(
                    `${name}-token-${n.nodeName}`,
                    { length: TOKEN_BYTES, keepers: { machine: n.identity } },
                    { parent: this },
                );
                return [n.nodeName, parsedFrom(bytes, bytes.hex, (hex) => bootstrapTokenFromHex(hex, `the bootstrap token of ${n.nodeName}`))];
            }),
        );

        const runbookConfig = { clusterName: config.name, kubernetesVersion: config.kubernetesVersion, network: config.network };
        const runbookNodes = { controlPlanes: controlPlanes.map((n) => n.nodeName), workers: workers.map((n) => n.nodeName) };
        // The upgrade steps come last: a version change moves only them (upgrade.ts).
        const steps = [...kubeadmSteps(runbookConfig, runbookNodes), ...upgradeSteps(runbookConfig, runbookNodes)];
        // Steps come in order: whatever a step waits for, reads or triggers on is already declared.
        const done = new Map<string, { step: KubeadmStep; command: NodeCommand }>();
        const commandOf = (id: string) => (done.get(id) as { command: NodeCommand }).command;
        const records: Record<string, pulumi.Output<NodeStepRecord>> = {};
        const trigger = (t: StepTrigger) => ("machineOf" in t ? node(t.machineOf).identity : commandOf(t.outputOf).stdout);
        const sources: ValueSources = {
            ip: (n) => node(n).ip,
            token: (n) => tokens.get(n) as pulumi.Output<BootstrapToken>,
            output: (id) => {
                const kind = (done.get(id) as { step: KubeadmStep }).step.output as keyof StepOutputs;
                return [kind, parsedFrom(commandOf(id), commandOf(id).stdout, (out) => OUTPUT_PARSERS[kind](out, `the stdout of ${name}-${id}`))];
            },
        };
        for (const step of steps) {
            const resourceName = `${name}-${step.id}`;
            const values = stepValues(step, sources);
            const rendered = values.apply((v) => {
                try {
                    return { files: step.files(v), create: step.create(v), update: step.update?.(v), delete: step.delete?.(v) };
                } catch (e) {
                    throw new pulumi.ResourceError(`${resourceName}: ${(e as Error).message}`, this);
                }
            });
            const command = nodeCommand(
                resourceName,
                {
                    connection: node(step.node).connection,
                    kind: config.backend.kind,
                    secret: step.secret,
                    create: rendered.create,
                    update: step.update && rendered.apply((r) => r.update as string),
                    delete: step.delete && rendered.apply((r) => r.delete as string),
                    triggers: step.triggers.map(trigger),
                },
                {
                    parent: this,
                    dependsOn: [node(step.node), ...[...step.waitsFor, ...step.reads].map(commandOf)],
                    deleteBeforeReplace: step.deleteBeforeReplace,
                    // Why, per step: KubeadmStep.onlyAtCreation.
                    ignoreChanges: step.onlyAtCreation ? ["stdin"] : undefined,
                },
            );
            done.set(step.id, { step, command });
            records[step.id] = rendered.apply((r) => ({
                resource: resourceName,
                node: step.node,
                files: r.files,
                scripts: { create: r.create, update: r.update, delete: r.delete },
                onlyAtCreation: step.onlyAtCreation,
            }));
        }

        const [, credential] = sources.output(STEP.kubeconfig) as [string, pulumi.Output<StepOutputs["adminCredential"]>];
        this.kubeconfig = pulumi.secret(
            pulumi.all([credential, this.apiServerEndpoint]).apply(([c, server]) => adminKubeconfig({ clusterName: config.name, server, credential: c })),
        );
        this.caCertPem = credential.apply((c) => Buffer.from(c.certificateAuthorityData, "base64").toString("utf8"));
        // A cluster that is gone (destroyed by hand, VMs deleted) must not block deleting what ran in it.
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, deleteUnreachable: true }, { parent: this });

        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            apiServerEndpoint: this.apiServerEndpoint,
            apiServerHost: this.apiServerHost,
            nodes: this.nodes,
            controlPlane: this.controlPlane,
            caCertPem: this.caCertPem,
            // Every file and script each step sends to its node, for the offline plan's artifacts.
            [NODE_STEPS_OUTPUT]: pulumi.secret(pulumi.all(records)),
        });
    }
}

/** Where a step's values come from. */
interface ValueSources {
    ip(node: string): pulumi.Output<string>;
    token(node: string): pulumi.Output<BootstrapToken>;
    /** The parsed stdout of an earlier step, with its kind. */
    output(id: string): [keyof StepOutputs, pulumi.Output<unknown>];
}

/** The values one step's scripts are rendered from: only what it names, so nothing else makes it secret or wait. */
function stepValues(step: KubeadmStep, from: ValueSources): pulumi.Output<StepValues> {
    const ips = pulumi.all(Object.fromEntries(step.ipsOf.map((n) => [n, from.ip(n)])));
    const read = pulumi.all(Object.fromEntries(step.reads.map((id) => from.output(id))));
    const token = step.tokenOf === undefined ? undefined : from.token(step.tokenOf);
    // The id is the public half of a token (kubeadm prints it in `kubeadm token list`).
    const tokenId = step.tokenIdOf === undefined ? undefined : pulumi.unsecret(from.token(step.tokenIdOf).apply(bootstrapTokenId));
    return pulumi.all([ips, read, token, tokenId]).apply(([i, r, t, id]): StepValues => ({ ips: i, read: r as StepValues["read"], token: t, tokenId: id }));
}

/** `parse` applied to `output`; a failure is a ResourceError of `resource`, so the message names the step that printed it. */
function parsedFrom<T>(resource: pulumi.Resource, output: pulumi.Output<string>, parse: (value: string) => T): pulumi.Output<T> {
    return output.apply((value) => {
        try {
            return parse(value);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, resource);
        }
    });
}
