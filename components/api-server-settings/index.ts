/**
 * ApiServerSettings: OIDC (structured authentication), the audit log and Secret encryption at rest
 * on every API server of a running cluster, as update steps (scripts.ts), one control-plane node at
 * a time, then one rewrite of every Secret.
 *
 * Steps, in order, each after the one before:
 * - with several control-plane nodes, `prepare-<node>` on each: the new key is added as a reader
 *   (transitional file), so no API server writes with a key another one cannot read yet;
 * - `apply-<node>` on each: the final files, the new key writing;
 * - `rewrite-secrets` on the first node: every Secret stored again with the new key.
 * This is the docs' rotation with several API servers ("Rotate a decryption key": add as second key,
 * restart all, make it first, restart all, rewrite). A node step is replaced when its machine is
 * rebuilt, the rewrite when the first node is (a new cluster's Secrets are stored before this runs).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ApiServerConfig, StackConfig } from "../../config/model";
import { ClusterNode } from "../kubeadm-cluster";
import { clusterConfiguration, controlPlaneAddressing, initConfiguration, toYamlDocuments } from "../kubeadm-cluster/kubeadm-config";
import { INSTALLED_KUBEADM_VERSION, KUBEADM_DIR } from "../kubeadm-cluster/scripts";
import { NodeConnection } from "../vm-node/connection";
import { NODE_STEPS_OUTPUT, nodeCommand, NodeCommand, NodeStepRecord } from "../vm-node/node-command";
import { NodeFile } from "../vm-node/script";
import {
    apiServerExtras,
    AUDIT_POLICY_FILE,
    auditPolicy,
    AUTHENTICATION_FILE,
    authenticationConfiguration,
    ENCRYPTION_FILE,
    encryptionConfiguration,
    EncryptionKey,
    keyGenerations,
    OidcIssuer,
    renderEncryptionFile,
    renderYaml,
} from "./config-files";
import { renderNodeSettingsScript, renderRewriteSecretsScript, SettingsFiles } from "./scripts";

export const API_SERVER_SETTINGS_TYPE = "platform:k8s:ApiServerSettings";
/** The ClusterConfiguration with these settings and the node's InitConfiguration, for `kubeadm init phase`. */
export const SETTINGS_KUBEADM_CONFIG = `${KUBEADM_DIR}/api-server-settings.yaml`;
/** What the recorded files and scripts hold instead of key material. */
export const REDACTED_KEY = "[secret]";
const KEY_BYTES = 32;

/** Arguments of an ApiServerSettings. */
export interface ApiServerSettingsArgs {
    /** `cluster.name`, as the cluster was initialised with. */
    clusterName: string;
    /** The cluster's network config (pod and service CIDRs, VIP), as KubeadmCluster got it. */
    network: Pick<StackConfig["network"], "podCidr" | "serviceCidr" | "controlPlaneVip">;
    /** Every control-plane node in join order (KubeadmCluster.controlPlaneNodes). */
    controlPlanes: ClusterNode[];
    /** How nodes are reached (`backend.kind`); the Command type is chosen before connections resolve. */
    backendKind: NodeConnection["kind"];
    /** `platform:apiServer`. */
    settings: ApiServerConfig;
    /** The Keycloak client and the CA of its certificate; required when `settings.oidc` is on. */
    oidc?: { issuerUrl: pulumi.Input<string>; clientId: string; caPem: pulumi.Input<string> };
    /** What must be up first: the KubeadmCluster, and what the OIDC inputs come from. */
    after: pulumi.Input<pulumi.Resource>[];
}

/** One step of the plan. */
export interface SettingsStep {
    /** `prepare-<node>`, `apply-<node>` or `rewrite-secrets`; the resource is `${name}-${id}`. */
    id: string;
    node: string;
    /** The encryption file a node step writes; none for the rewrite. */
    phase?: "final" | "transitional";
}

/** The steps for these control-plane nodes (join order), in the order they run. */
export function settingsSteps(controlPlanes: string[]): SettingsStep[] {
    const prepare = controlPlanes.length > 1 ? controlPlanes.map((node): SettingsStep => ({ id: `prepare-${node}`, node, phase: "transitional" })) : [];
    return [
        ...prepare,
        ...controlPlanes.map((node): SettingsStep => ({ id: `apply-${node}`, node, phase: "final" })),
        { id: "rewrite-secrets", node: controlPlanes[0] },
    ];
}

/** The resolved inputs of the steps' files and scripts. */
export interface SettingsValues {
    clusterName: string;
    network: ApiServerSettingsArgs["network"];
    /** Control-plane nodes in join order, with their IPs. */
    controlPlanes: Array<{ name: string; ip: string }>;
    settings: ApiServerConfig;
    /** The issuer, when OIDC is on. */
    oidc?: OidcIssuer;
}

/** The files of a node step: `keys` are the real ones, or placeholders for what is recorded. */
export function settingsFiles(values: SettingsValues, node: string, phase: "final" | "transitional", keys: EncryptionKey[]): SettingsFiles {
    const ips = values.controlPlanes.map((n) => n.ip);
    const self = values.controlPlanes.find((n) => n.name === node);
    if (!self) {
        throw new Error(`${node} is not a control-plane node`);
    }
    const cluster = clusterConfiguration({
        clusterName: values.clusterName,
        // The version kubeadm has installed, filled in by the step (an upgrade leaves this file alone).
        kubernetesVersion: INSTALLED_KUBEADM_VERSION,
        ...controlPlaneAddressing(ips, values.network.controlPlaneVip),
        podCidr: values.network.podCidr,
        serviceCidr: values.network.serviceCidr,
        apiServerExtras: apiServerExtras(values.settings.audit),
    });
    const file = (path: string, content: string): NodeFile => ({ path, content, mode: "0600" });
    return {
        authentication: file(AUTHENTICATION_FILE, renderYaml(authenticationConfiguration(values.settings.oidc ? values.oidc : undefined))),
        auditPolicy: file(AUDIT_POLICY_FILE, renderYaml(auditPolicy())),
        encryption: file(ENCRYPTION_FILE, renderEncryptionFile(encryptionConfiguration(keys, values.settings.encryptionKeyGeneration, phase))),
        kubeadm: file(SETTINGS_KUBEADM_CONFIG, toYamlDocuments([cluster, initConfiguration({ nodeName: node, nodeIp: self.ip })])),
    };
}

/** A step's files and script. */
export function renderSettingsStep(step: SettingsStep, values: SettingsValues, keys: EncryptionKey[]): { files: NodeFile[]; script: string } {
    const generation = values.settings.encryptionKeyGeneration;
    if (step.phase === undefined) {
        return { files: [], script: renderRewriteSecretsScript(generation) };
    }
    const files = settingsFiles(values, step.node, step.phase, keys);
    const ip = (values.controlPlanes.find((n) => n.name === step.node) as { ip: string }).ip;
    const flags = apiServerExtras(values.settings.audit).extraArgs;
    return {
        files: Object.values(files),
        script: renderNodeSettingsScript({ node: step.node, nodeIp: ip, files, flags, generation, phase: step.phase }),
    };
}

/** The key placeholders of what is recorded (the plan's artifacts and JSON). */
export function redactedKeys(generation: number): EncryptionKey[] {
    return keyGenerations(generation).map((g) => ({ generation: g, secret: REDACTED_KEY }));
}

/** Throws before anything is created when the arguments cannot work. */
export function validateApiServerSettingsArgs(name: string, args: ApiServerSettingsArgs): void {
    if (args.controlPlanes.length === 0) {
        throw new Error(`ApiServerSettings ${name}: needs the cluster's control-plane nodes`);
    }
    if (args.settings.oidc && !args.oidc) {
        throw new Error(
            `ApiServerSettings ${name}: apiServer.oidc is on but no issuer was given; pass oidc (Keycloak's issuer URL, client id and CA), or set apiServer.oidc: false`,
        );
    }
}

/** OIDC, audit and encryption at rest on every API server of a cluster. */
export class ApiServerSettings extends pulumi.ComponentResource {
    /** The key generation that encrypts Secrets once the steps are done. */
    public readonly encryptionKeyGeneration: number;

    constructor(name: string, args: ApiServerSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(API_SERVER_SETTINGS_TYPE, name, {}, opts);
        validateApiServerSettingsArgs(name, args);
        const generation = args.settings.encryptionKeyGeneration;
        this.encryptionKeyGeneration = generation;
        const byName = new Map(args.controlPlanes.map((n) => [n.nodeName, n]));
        const node = (nodeName: string) => byName.get(nodeName) as ClusterNode;

        // The key exists only here: a Pulumi secret, in the step's secret stdin, and on the nodes.
        const keys = pulumi.all(
            keyGenerations(generation).map((g) => {
                const bytes = new random.RandomBytes(`${name}-encryption-key-${g}`, { length: KEY_BYTES }, { parent: this });
                return pulumi.secret(bytes.base64).apply((secret): EncryptionKey => ({ generation: g, secret }));
            }),
        );
        const oidc = args.settings.oidc ? args.oidc : undefined;
        const values: pulumi.Output<SettingsValues> = pulumi
            .all([pulumi.all(args.controlPlanes.map((n) => n.ip)), oidc?.issuerUrl, oidc?.caPem])
            .apply(([ips, issuerUrl, caPem]) => ({
                clusterName: args.clusterName,
                network: args.network,
                controlPlanes: args.controlPlanes.map((n, i) => ({ name: n.nodeName, ip: ips[i] })),
                settings: args.settings,
                oidc: oidc && { issuerUrl: issuerUrl as string, clientId: oidc.clientId, caPem: caPem as string },
            }));

        const records: Record<string, pulumi.Output<NodeStepRecord>> = {};
        let previous: NodeCommand | undefined;
        for (const step of settingsSteps(args.controlPlanes.map((n) => n.nodeName))) {
            const resource = `${name}-${step.id}`;
            const script = pulumi.all([values, keys]).apply(([v, k]) => renderSettingsStep(step, v, k).script);
            const target = node(step.node);
            previous = nodeCommand(
                resource,
                { connection: target.connection, kind: args.backendKind, secret: true, create: script, update: script, triggers: [target.identity] },
                { parent: this, dependsOn: previous ? [previous, target] : [...args.after, target] },
            );
            // Rendered again with placeholders: nothing recorded depends on the key.
            records[step.id] = values.apply((v) => {
                const redacted = renderSettingsStep(step, v, redactedKeys(generation));
                return { resource, node: step.node, files: redacted.files, scripts: { create: redacted.script, update: redacted.script } };
            });
        }

        this.registerOutputs({
            encryptionKeyGeneration: generation,
            // Every file and script the steps send, keys redacted, for the offline plan's artifacts.
            [NODE_STEPS_OUTPUT]: pulumi.all(records),
        });
    }
}
