/**
 * KubeadmCluster: turns bootstrapped nodes into a Kubernetes cluster. The first control-plane node
 * runs `kubeadm init`; the other control-plane nodes join one at a time; workers join after them;
 * the admin kubeconfig is read last and becomes the provider for every later Kubernetes resource.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StackConfig } from "../../config/model";
import { NodeFile, nodeCommand, VmNode } from "../vm-node";
import {
    API_SERVER_PORT,
    checkJoinSecrets,
    clusterConfiguration,
    initConfiguration,
    joinConfiguration,
    PSA_FILE,
    toYamlDocuments,
} from "./kubeadm-config";
import { rewriteKubeconfigServer } from "./kubeconfig";
import { KUBE_VIP_MANIFEST, renderKubeVipManifest } from "./kube-vip";
import { renderPsaAdmissionConfiguration } from "./psa";
import {
    KUBEADM_DIR,
    renderDrainScript,
    renderInitScript,
    renderJoinCredentialsScript,
    renderJoinScript,
    renderReadKubeconfigScript,
    renderResetScript,
    renderWaitForNodeScript,
} from "./scripts";

export { PSA_EXEMPT_NAMESPACES } from "./psa";

/** Arguments of a KubeadmCluster. */
export interface KubeadmClusterArgs {
    /** The validated stack config: name, version and network. */
    config: Pick<StackConfig, "name" | "kubernetesVersion" | "network">;
    /** Control-plane nodes; the first runs `kubeadm init`. */
    controlPlanes: VmNode[];
    /** Worker nodes. */
    workers: VmNode[];
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
}

/** A running kubeadm cluster. */
export class KubeadmCluster extends pulumi.ComponentResource {
    /** Admin kubeconfig pointing at `apiServerEndpoint` (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** https://host:6443 of the control plane (the VIP with 3 control-plane nodes). */
    public readonly apiServerEndpoint: pulumi.Output<string>;
    /** The host part of the endpoint, for Cilium's k8sServiceHost. */
    public readonly apiServerHost: pulumi.Output<string>;
    /** Node name → IP. */
    public readonly nodes: pulumi.Output<Record<string, string>>;
    /** Provider for every Kubernetes resource in this cluster. */
    public readonly provider: k8s.Provider;

    constructor(name: string, args: KubeadmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:k8s:KubeadmCluster", name, {}, opts);
        validateKubeadmClusterArgs(name, args);
        const { config, controlPlanes, workers } = args;
        const [first, ...otherControlPlanes] = controlPlanes;
        const vip = config.network.controlPlaneVip;

        this.apiServerHost = vip ? pulumi.output(vip) : first.ip;
        const endpoint = pulumi.interpolate`${this.apiServerHost}:${API_SERVER_PORT}`;
        this.apiServerEndpoint = pulumi.interpolate`https://${endpoint}`;
        this.nodes = pulumi
            .all([...controlPlanes, ...workers].map((n) => pulumi.all([n.nodeName, n.ip])))
            .apply((pairs) => Object.fromEntries(pairs));

        const secrets = createJoinSecrets(name, this);
        const controlPlaneIps = pulumi.all(controlPlanes.map((n) => n.ip));

        const init = nodeCommand(
            `${name}-init`,
            {
                connection: first.connection,
                secret: true,
                script: pulumi.all([first.ip, controlPlaneIps, endpoint, secrets.token, secrets.certificateKey]).apply(([ip, cpIps, ep, token, certificateKey]) => {
                    checkJoinSecrets({ token, certificateKey });
                    const kubeadm = toYamlDocuments([
                        clusterConfiguration({
                            clusterName: config.name,
                            kubernetesVersion: config.kubernetesVersion,
                            controlPlaneEndpoint: ep,
                            podCidr: config.network.podCidr,
                            serviceCidr: config.network.serviceCidr,
                            certSANs: [...cpIps, ...(vip ? [vip] : [])],
                        }),
                        initConfiguration({ nodeName: first.nodeName, nodeIp: ip, token, certificateKey }),
                    ]);
                    return renderInitScript({ files: [psaFile(), { path: `${KUBEADM_DIR}/init.yaml`, content: kubeadm, mode: "0600" }, ...kubeVipFiles(config.network, true)], kubeVip: !!vip });
                }),
            },
            { parent: this, dependsOn: [first] },
        );
        const caCertHash = init.stdout.apply((out) => {
            const hash = out.trim().split("\n").pop() ?? "";
            checkJoinSecrets({ token: "aaaaaa.aaaaaaaaaaaaaaaa", caCertHash: hash });
            return hash;
        });

        const joining = [...otherControlPlanes, ...workers];
        const joinCredentials = nodeCommand(
            `${name}-join-credentials`,
            {
                connection: first.connection,
                secret: true,
                script: pulumi.all([secrets.token, secrets.certificateKey]).apply(([t, k]) => renderJoinCredentialsScript(t, k)),
                // Re-issue the token whenever the set of joining nodes changes (tokens expire).
                triggers: joining.map((n) => n.nodeName),
            },
            { parent: this, dependsOn: [init] },
        );

        const join = (node: VmNode, controlPlane: boolean, after: pulumi.Resource[]) =>
            nodeCommand(
                `${name}-join-${node.nodeName}`,
                {
                    connection: node.connection,
                    secret: true,
                    script: pulumi.all([node.ip, endpoint, secrets.token, secrets.certificateKey, caCertHash]).apply(([ip, ep, token, key, hash]) => {
                        const joinYaml = toYamlDocuments([
                            joinConfiguration({ nodeName: node.nodeName, nodeIp: ip, controlPlaneEndpoint: ep, token, caCertHash: hash, certificateKey: controlPlane ? key : undefined }),
                        ]);
                        const files: NodeFile[] = [{ path: `${KUBEADM_DIR}/join.yaml`, content: joinYaml, mode: "0600" }];
                        return renderJoinScript(controlPlane ? [psaFile(), ...files, ...kubeVipFiles(config.network, false)] : files);
                    }),
                    deleteScript: renderResetScript(),
                },
                { parent: this, dependsOn: [node, joinCredentials, ...after] },
            );

        // etcd members join one at a time.
        const controlPlaneJoins: pulumi.Resource[] = [];
        for (const node of otherControlPlanes) {
            controlPlaneJoins.push(join(node, true, controlPlaneJoins.slice(-1)));
        }
        const workerMembers = workers.map((node) => {
            const joined = join(node, false, controlPlaneJoins);
            // Lives on the first control-plane node, so that removing the worker drains it there
            // before its join (kubeadm reset) and its VM are destroyed.
            return nodeCommand(
                `${name}-member-${node.nodeName}`,
                { connection: first.connection, script: renderWaitForNodeScript(node.nodeName), deleteScript: renderDrainScript(node.nodeName) },
                { parent: this, dependsOn: [joined] },
            );
        });

        const adminConf = nodeCommand(
            `${name}-kubeconfig`,
            { connection: first.connection, secret: true, script: renderReadKubeconfigScript() },
            { parent: this, dependsOn: [...controlPlaneJoins, ...workerMembers] },
        );
        this.kubeconfig = pulumi.secret(pulumi.all([adminConf.stdout, this.apiServerEndpoint]).apply(([conf, server]) => rewriteKubeconfigServer(conf, server)));
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig }, { parent: this });

        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            apiServerEndpoint: this.apiServerEndpoint,
            apiServerHost: this.apiServerHost,
            nodes: this.nodes,
        });
    }
}

function psaFile(): NodeFile {
    return { path: PSA_FILE, content: renderPsaAdmissionConfiguration(), mode: "0644" };
}

function kubeVipFiles(network: StackConfig["network"], initNode: boolean): NodeFile[] {
    const vip = network.controlPlaneVip;
    return vip ? [{ path: KUBE_VIP_MANIFEST, content: renderKubeVipManifest({ vip, interface: network.vipInterface, initNode }), mode: "0600" }] : [];
}

/** The bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) and certificate key (64 hex), both secret. */
function createJoinSecrets(name: string, parent: pulumi.Resource) {
    const tokenPart = (role: string, length: number) =>
        new random.RandomString(
            `${name}-${role}`,
            { length, lower: true, upper: false, numeric: true, special: false },
            { parent, additionalSecretOutputs: ["result"] },
        ).result;
    const certificateKey = new random.RandomId(`${name}-certificate-key`, { byteLength: 32 }, { parent, additionalSecretOutputs: ["hex"] }).hex;
    return {
        token: pulumi.secret(pulumi.interpolate`${tokenPart("token-id", 6)}.${tokenPart("token-secret", 16)}`),
        certificateKey: pulumi.secret(certificateKey),
    };
}
