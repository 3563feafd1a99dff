/**
 * kubeadm configuration as typed objects, rendered to YAML. API: kubeadm.k8s.io/v1beta4
 * (kubernetes.io "kubeadm Configuration (v1beta4)"), valid for Kubernetes 1.31-1.37.
 *
 * The seed writes extraArgs as maps; v1beta4 rejects that: every extraArgs and kubeletExtraArgs
 * is a list of {name, value} (kubernetes/kubernetes PR #125029).
 */
import { stringify } from "yaml";

const API_VERSION = "kubeadm.k8s.io/v1beta4";
/** Where the PSA admission config lives on control-plane nodes (mounted into the API server). */
export const PSA_DIR = "/etc/kubernetes/psa";
export const PSA_FILE = `${PSA_DIR}/admission.yaml`;
/** The containerd socket the bootstrap sets up. */
export const CRI_SOCKET = "unix:///run/containerd/containerd.sock";
export const API_SERVER_PORT = 6443;

/** v1beta4 `Arg`. */
export interface Arg {
    name: string;
    value: string;
}

/** v1beta4 `HostPathMount`. */
export interface HostPathMount {
    name: string;
    hostPath: string;
    mountPath: string;
    readOnly: boolean;
    pathType: string;
}

/** The subset of v1beta4 ClusterConfiguration this platform sets. */
export interface ClusterConfiguration {
    apiVersion: typeof API_VERSION;
    kind: "ClusterConfiguration";
    kubernetesVersion: string;
    clusterName: string;
    controlPlaneEndpoint: string;
    networking: { podSubnet: string; serviceSubnet: string; dnsDomain: string };
    apiServer: { certSANs: string[]; extraArgs: Arg[]; extraVolumes: HostPathMount[] };
    controllerManager: { extraArgs: Arg[] };
    proxy: { disabled: boolean };
}

/** v1beta4 NodeRegistrationOptions. */
export interface NodeRegistration {
    name: string;
    criSocket: string;
    kubeletExtraArgs: Arg[];
}

/** v1beta4 InitConfiguration. */
export interface InitConfiguration {
    apiVersion: typeof API_VERSION;
    kind: "InitConfiguration";
    bootstrapTokens: Array<{ token: string; ttl: string; usages: string[]; groups: string[] }>;
    nodeRegistration: NodeRegistration;
    localAPIEndpoint: { advertiseAddress: string; bindPort: number };
    certificateKey: string;
}

/** v1beta4 JoinConfiguration. */
export interface JoinConfiguration {
    apiVersion: typeof API_VERSION;
    kind: "JoinConfiguration";
    nodeRegistration: NodeRegistration;
    discovery: { bootstrapToken: { token: string; apiServerEndpoint: string; caCertHashes: string[] } };
    controlPlane?: { localAPIEndpoint: { advertiseAddress: string; bindPort: number }; certificateKey: string };
}

/** What the cluster-wide configuration needs. */
export interface ClusterConfigurationArgs {
    clusterName: string;
    kubernetesVersion: string;
    /** host:port every node and client uses: the VIP, or the single control-plane node. */
    controlPlaneEndpoint: string;
    podCidr: string;
    serviceCidr: string;
    /** Extra names/IPs for the API server certificate (every control-plane IP and the VIP). */
    certSANs: string[];
}

export function clusterConfiguration(args: ClusterConfigurationArgs): ClusterConfiguration {
    return {
        apiVersion: API_VERSION,
        kind: "ClusterConfiguration",
        kubernetesVersion: args.kubernetesVersion,
        clusterName: args.clusterName,
        controlPlaneEndpoint: args.controlPlaneEndpoint,
        networking: { podSubnet: args.podCidr, serviceSubnet: args.serviceCidr, dnsDomain: "cluster.local" },
        apiServer: {
            certSANs: [...new Set(args.certSANs)].sort(),
            extraArgs: [{ name: "admission-control-config-file", value: PSA_FILE }],
            extraVolumes: [{ name: "psa", hostPath: PSA_DIR, mountPath: PSA_DIR, readOnly: true, pathType: "DirectoryOrCreate" }],
        },
        // Seed 001 §6.3: metrics endpoint reachable by the in-cluster Prometheus.
        controllerManager: { extraArgs: [{ name: "bind-address", value: "0.0.0.0" }] },
        // Cilium replaces kube-proxy (kubeProxyReplacement: true), so kubeadm must not install it.
        proxy: { disabled: true },
    };
}

function nodeRegistration(nodeName: string, nodeIp: string): NodeRegistration {
    return {
        name: nodeName,
        criSocket: CRI_SOCKET,
        // Pin the kubelet to the node-subnet address; Multipass VMs may have more than one.
        kubeletExtraArgs: [{ name: "node-ip", value: nodeIp }],
    };
}

/** What the first control-plane node needs. */
export interface InitConfigurationArgs {
    nodeName: string;
    nodeIp: string;
    /** Bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}` (secret). */
    token: string;
    /** 64 hex characters encrypting the uploaded control-plane certificates (secret). */
    certificateKey: string;
}

export function initConfiguration(args: InitConfigurationArgs): InitConfiguration {
    return {
        apiVersion: API_VERSION,
        kind: "InitConfiguration",
        bootstrapTokens: [{ token: args.token, ttl: "2h0m0s", usages: ["signing", "authentication"], groups: ["system:bootstrappers:kubeadm:default-node-token"] }],
        nodeRegistration: nodeRegistration(args.nodeName, args.nodeIp),
        localAPIEndpoint: { advertiseAddress: args.nodeIp, bindPort: API_SERVER_PORT },
        certificateKey: args.certificateKey,
    };
}

/** What a joining node needs. */
export interface JoinConfigurationArgs {
    nodeName: string;
    nodeIp: string;
    controlPlaneEndpoint: string;
    token: string;
    /** "sha256:<64 hex>" of the cluster CA's public key. */
    caCertHash: string;
    /** Set for control-plane joins. */
    certificateKey?: string;
}

export function joinConfiguration(args: JoinConfigurationArgs): JoinConfiguration {
    const config: JoinConfiguration = {
        apiVersion: API_VERSION,
        kind: "JoinConfiguration",
        nodeRegistration: nodeRegistration(args.nodeName, args.nodeIp),
        discovery: { bootstrapToken: { token: args.token, apiServerEndpoint: args.controlPlaneEndpoint, caCertHashes: [args.caCertHash] } },
    };
    if (args.certificateKey !== undefined) {
        config.controlPlane = { localAPIEndpoint: { advertiseAddress: args.nodeIp, bindPort: API_SERVER_PORT }, certificateKey: args.certificateKey };
    }
    return config;
}

/** Multi-document YAML, as `kubeadm --config` reads it. */
export function toYamlDocuments(docs: object[]): string {
    return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CERT_KEY = /^[0-9a-f]{64}$/;
const CA_HASH = /^sha256:[0-9a-f]{64}$/;

/** Guards the secrets' shapes, so a bad value fails here and not halfway through a join. */
export function checkJoinSecrets(values: { token: string; certificateKey?: string; caCertHash?: string }): void {
    if (!TOKEN.test(values.token)) {
        throw new Error("bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}");
    }
    if (values.certificateKey !== undefined && !CERT_KEY.test(values.certificateKey)) {
        throw new Error("certificate key must be 64 lowercase hex characters");
    }
    if (values.caCertHash !== undefined && !CA_HASH.test(values.caCertHash)) {
        throw new Error(`CA cert hash must look like sha256:<64 hex>, got ${JSON.stringify(values.caCertHash.slice(0, 80))}`);
    }
}
