/**
 * The kubeadm runbook as data: `kubeadmSteps` returns, in order, every step that turns the nodes into
 * a cluster, each with its node, files, scripts, secrecy, ordering and what replaces it. The
 * structure depends only on config; the scripts are functions of the values that are known only
 * while deploying (IPs, tokens, what earlier steps printed), which the component resolves per step.
 *
 * Lifecycle, and why (pulumi-command v1.2.1 semantics: see components/vm-node/node-command.ts):
 * - `init` on the first control-plane node, at the version of the kubeadm installed there; then per joining node, control-plane nodes one at a time
 *   (etcd grows one member at a time), workers after them: `join-credentials-<node>` on the first
 *   node right before `join-<node>`, then `member-<node>`; `kubeconfig` last.
 * - A rebuilt machine has a new identity: its steps are replaced (triggers). A re-initialised cluster
 *   prints a new CA hash: every step that acted on the old cluster is replaced.
 * - Steps whose create adopts what exists and whose delete destroys it are deleted before their
 *   replacement is created; otherwise the new one would adopt, then the old one's delete destroy.
 * - Join credentials never go stale: a per-node token without expiry, deleted by `member-<node>` once
 *   the node is registered, and for control-plane nodes the shared certificates copied at join time
 *   (manual certificate distribution) instead of the uploaded kubeadm-certs Secret, which expires
 *   after 2 h. A credentials step that succeeded is never re-run by a retry of its join, so anything
 *   that expired would break a join retried later.
 */
import { StackConfig } from "../../config/model";
import { NodeFile } from "../vm-node/script";
import { AdminCredential, BootstrapToken, CaCertHash } from "./credentials";
import { API_SERVER_PORT, clusterConfiguration, initConfiguration, joinConfiguration, PSA_FILE, toYamlDocuments } from "./kubeadm-config";
import { adminAccountManifest } from "./kubeconfig";
import { KUBE_VIP_MANIFEST, renderKubeVipManifest } from "./kube-vip";
import { renderPsaAdmissionConfiguration } from "./psa";
import {
    ADMIN_ACCOUNT_MANIFEST,
    CLUSTER_CONFIG,
    INIT_CONFIG,
    InitFiles,
    INSTALLED_KUBEADM_VERSION,
    JOIN_CONFIG,
    renderControlPlaneJoinUpdate,
    renderCredentialsCreate,
    renderCredentialsDelete,
    renderInitCreate,
    renderInitUpdate,
    renderJoinCreate,
    renderJoinDelete,
    renderKubeconfigCreate,
    renderMemberCreate,
    renderMemberDelete,
    renderResetNode,
} from "./scripts";

/** The KubeadmCluster component's type token; its name prefixes every step's resource name. */
export const KUBEADM_CLUSTER_TYPE = "platform:k8s:KubeadmCluster";

/** Step ids; a step's resource is `${cluster}-${id}`. */
export const STEP = {
    init: "init",
    joinCredentials: (node: string) => `join-credentials-${node}`,
    join: (node: string) => `join-${node}`,
    member: (node: string) => `member-${node}`,
    kubeconfig: "kubeconfig",
    /** The upgrade steps (upgrade.ts). */
    upgradePreflight: "upgrade-preflight",
    upgradeSnapshot: "upgrade-snapshot",
    upgrade: (node: string) => `upgrade-${node}`,
    drain: (node: string) => `drain-${node}`,
    uncordon: (node: string) => `uncordon-${node}`,
} as const;

/** What kind of step an id names. */
export type StepKind =
    "init" | "join-credentials" | "join" | "member" | "kubeconfig" | "upgrade-preflight" | "upgrade-snapshot" | "upgrade" | "drain" | "uncordon";

/** Node names that would make two step ids equal (`upgrade-<node>` against the upgrade's own steps). */
export const RESERVED_NODE_NAMES: readonly string[] = ["preflight", "snapshot"];

/** The kind and node of a step id (the inverse of `STEP`), or undefined for an id no step has. */
export function parseStepId(id: string): { kind: StepKind; node?: string } | undefined {
    if (id === STEP.init || id === STEP.kubeconfig || id === STEP.upgradePreflight || id === STEP.upgradeSnapshot) {
        return { kind: id };
    }
    for (const kind of ["join-credentials", "join", "member", "upgrade", "drain", "uncordon"] as const) {
        if (id.startsWith(`${kind}-`) && id.length > kind.length + 1) {
            return { kind, node: id.slice(kind.length + 1) };
        }
    }
    return undefined;
}

/** What a step prints on stdout, parsed, by the kind of thing it is. */
export interface StepOutputs {
    /** `init`: the cluster CA's public key hash. */
    caCertHash: CaCertHash;
    /** A control-plane `join-credentials-<node>`: the shared certificates, as files for the node. */
    controlPlaneFiles: NodeFile[];
    /** `kubeconfig`: the admin ServiceAccount token and the cluster CA. */
    adminCredential: AdminCredential;
}

/** The values a step's scripts are rendered from, resolved. */
export interface StepValues {
    /** Node name → IP, for the nodes in the step's `ipsOf`. */
    ips: Readonly<Record<string, string>>;
    /** The bootstrap token of the step's `tokenOf` node. */
    token?: BootstrapToken;
    /** The token id (the public half) of the step's `tokenIdOf` node. */
    tokenId?: string;
    /** What the steps in `reads` printed, by kind. */
    read: Partial<StepOutputs>;
}

/** What replaces a step when it changes. */
export type StepTrigger =
    /** The identity of a node's machine: it changes when the machine is built again. */
    | { machineOf: string }
    /** What an earlier step printed: `init`'s CA hash changes when the cluster is initialised again. */
    | { outputOf: string };

/** One step of the runbook. */
export interface KubeadmStep {
    /** Unique in the cluster. */
    id: string;
    /** The node it runs on. */
    node: string;
    /** Steps that must be done first. */
    waitsFor: string[];
    /** Earlier steps whose stdout it reads (each one's `output`). */
    reads: string[];
    /** What its stdout is, when a later step or the component reads it. */
    output?: keyof StepOutputs;
    /** Nodes whose IPs its scripts hold. */
    ipsOf: string[];
    /** The node whose bootstrap token its scripts hold. */
    tokenOf?: string;
    /** The node whose token id (not secret) its scripts hold. */
    tokenIdOf?: string;
    /** Its scripts or its stdout hold secrets. */
    secret: boolean;
    /** A change to any of these replaces it. */
    triggers: StepTrigger[];
    /** Its create adopts what exists and its delete destroys it: the old one goes before the new one comes. */
    deleteBeforeReplace: boolean;
    /** Set when its scripts matter only at creation, saying why: later changes to them are ignored, not "updated". */
    onlyAtCreation?: string;
    /** The files its scripts write. */
    files(values: StepValues): NodeFile[];
    /** Create script (body). */
    create(values: StepValues): string;
    /** Update script (body), when an input change can be applied; without it a change re-runs `create`. */
    update?(values: StepValues): string;
    /** Delete script (body); the copy stored at the last create or update runs. */
    delete?(values: StepValues): string;
}

/** The config the runbook is built from. */
export interface RunbookConfig {
    clusterName: string;
    /**
     * The version the cluster runs: the target of the upgrade steps (upgrade.ts). `init` does not
     * hold it: kubeadm initialises with the version of the kubeadm the node was bootstrapped with
     * (`INSTALLED_KUBEADM_VERSION`), so a changed version moves only the upgrade steps.
     */
    kubernetesVersion: string;
    network: Pick<StackConfig["network"], "podCidr" | "serviceCidr" | "controlPlaneVip" | "vipInterface">;
}

/** The nodes, by name: control-plane nodes in join order (the first runs `kubeadm init`), then workers. */
export interface RunbookNodes {
    controlPlanes: string[];
    workers: string[];
}

function required<T>(value: T | undefined, what: string): T {
    if (value === undefined) {
        throw new Error(`${what} is not resolved`);
    }
    return value;
}

/** Every step, in an order where each one comes after what it waits for. */
export function kubeadmSteps(config: RunbookConfig, nodes: RunbookNodes): KubeadmStep[] {
    const [first, ...otherControlPlanes] = nodes.controlPlanes;
    const vip = config.network.controlPlaneVip;
    const endpoint = (ips: StepValues["ips"]) => `${vip ?? ips[first]}:${API_SERVER_PORT}`;
    const psa: NodeFile = { path: PSA_FILE, content: renderPsaAdmissionConfiguration(), mode: "0644" };
    const kubeVip: NodeFile[] = vip
        ? [{ path: KUBE_VIP_MANIFEST, content: renderKubeVipManifest({ vip, interface: config.network.vipInterface }), mode: "0600" }]
        : [];
    const clusterIdentity: StepTrigger = { outputOf: STEP.init };

    const initFiles = (v: StepValues): InitFiles => {
        const cluster = clusterConfiguration({
            clusterName: config.clusterName,
            kubernetesVersion: INSTALLED_KUBEADM_VERSION,
            controlPlaneEndpoint: endpoint(v.ips),
            podCidr: config.network.podCidr,
            serviceCidr: config.network.serviceCidr,
            certSANs: [...nodes.controlPlanes.map((n) => v.ips[n]), ...(vip ? [vip] : [])],
        });
        return {
            psa,
            clusterConfiguration: { path: CLUSTER_CONFIG, content: toYamlDocuments([cluster]), mode: "0644" },
            init: { path: INIT_CONFIG, content: toYamlDocuments([cluster, initConfiguration({ nodeName: first, nodeIp: v.ips[first] })]), mode: "0600" },
            kubeVip: kubeVip[0],
        };
    };
    const initArgs = (v: StepValues) => ({ node: first, nodeIp: v.ips[first], files: initFiles(v) });
    const init: KubeadmStep = {
        id: STEP.init,
        node: first,
        waitsFor: [],
        reads: [],
        output: "caCertHash",
        ipsOf: nodes.controlPlanes,
        secret: false,
        triggers: [{ machineOf: first }],
        deleteBeforeReplace: true,
        files: (v) => Object.values(initFiles(v)).filter((f): f is NodeFile => f !== undefined),
        create: (v) => renderInitCreate(initArgs(v)),
        update: (v) => renderInitUpdate(initArgs(v)),
        delete: () => renderResetNode(first),
    };

    const steps: KubeadmStep[] = [init];
    const joined = (node: string, controlPlane: boolean, after: string[]) => {
        const credentials = STEP.joinCredentials(node);
        const join = STEP.join(node);
        const ipsOf = vip ? [node] : [node, first];
        const joinFiles = (v: StepValues): NodeFile[] => {
            const config = joinConfiguration({
                nodeName: node,
                nodeIp: v.ips[node],
                controlPlaneEndpoint: endpoint(v.ips),
                token: required(v.token, `the bootstrap token of ${node}`),
                caCertHash: required(v.read.caCertHash, "the CA hash init printed"),
                controlPlane,
            });
            const joinYaml: NodeFile = { path: JOIN_CONFIG, content: toYamlDocuments([config]), mode: "0600" };
            return controlPlane ? [...required(v.read.controlPlaneFiles, `the certificates for ${node}`), psa, ...kubeVip, joinYaml] : [joinYaml];
        };
        steps.push(
            {
                id: credentials,
                node: first,
                waitsFor: [STEP.init, ...after],
                reads: [],
                output: controlPlane ? "controlPlaneFiles" : undefined,
                ipsOf: [],
                tokenOf: node,
                secret: true,
                triggers: [{ machineOf: node }, clusterIdentity],
                // Its delete removes the token id its replacement may create again.
                deleteBeforeReplace: true,
                onlyAtCreation: "credentials serve the join they precede; re-running them later would mint a token nobody deletes",
                files: () => [],
                create: (v) => renderCredentialsCreate({ node, token: required(v.token, `the bootstrap token of ${node}`), controlPlane }),
                delete: (v) => renderCredentialsDelete(required(v.token, `the bootstrap token of ${node}`)),
            },
            {
                id: join,
                node,
                waitsFor: [credentials],
                reads: [STEP.init, ...(controlPlane ? [credentials] : [])],
                ipsOf,
                tokenOf: node,
                secret: true,
                triggers: [{ machineOf: node }, clusterIdentity],
                deleteBeforeReplace: true,
                onlyAtCreation: controlPlane ? undefined : "kubeadm reads a worker's JoinConfiguration once, when it joins",
                files: joinFiles,
                create: (v) =>
                    renderJoinCreate({
                        node,
                        nodeIp: v.ips[node],
                        caCertHash: required(v.read.caCertHash, "the CA hash init printed"),
                        controlPlane,
                        files: joinFiles(v),
                    }),
                update: controlPlane ? (v) => renderControlPlaneJoinUpdate({ node, nodeIp: v.ips[node], files: [psa, ...kubeVip] }) : undefined,
                delete: () => renderJoinDelete({ node, controlPlane }),
            },
            {
                id: STEP.member(node),
                node: first,
                waitsFor: [join],
                reads: [],
                ipsOf: [],
                tokenIdOf: node,
                secret: false,
                triggers: [{ machineOf: node }, clusterIdentity],
                // Created first, the new member would find the old Node and the old one's delete would remove it.
                deleteBeforeReplace: true,
                files: () => [],
                create: (v) => renderMemberCreate({ node, tokenId: required(v.tokenId, `the token id of ${node}`) }),
                delete: () => renderMemberDelete({ node, controlPlane }),
            },
        );
        return join;
    };

    // etcd members join one at a time; workers join after the whole control plane.
    const controlPlaneJoins: string[] = [];
    for (const node of otherControlPlanes) {
        controlPlaneJoins.push(joined(node, true, controlPlaneJoins.slice(-1)));
    }
    for (const node of nodes.workers) {
        joined(node, false, controlPlaneJoins.slice(-1));
    }

    const adminAccount: NodeFile = { path: ADMIN_ACCOUNT_MANIFEST, content: adminAccountManifest(), mode: "0644" };
    steps.push({
        id: STEP.kubeconfig,
        node: first,
        waitsFor: steps.filter((s) => parseStepId(s.id)?.kind === "member").map((s) => s.id),
        reads: [],
        output: "adminCredential",
        ipsOf: [],
        secret: true,
        triggers: [clusterIdentity],
        deleteBeforeReplace: false,
        files: () => [adminAccount],
        create: () => renderKubeconfigCreate(adminAccount),
    });
    return steps;
}
