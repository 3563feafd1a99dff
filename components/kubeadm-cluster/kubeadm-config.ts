/**
 * kubeadm configuration as typed objects, rendered to YAML. API: kubeadm.k8s.io/v1beta4
 * (kubernetes.io "kubeadm Configuration (v1beta4)"), valid for Kubernetes 1.31-1.37.
 *
 * The seed writes extraArgs as maps; v1beta4 rejects that: every extraArgs and kubeletExtraArgs
 * is a list of {name, value} (kubernetes/kubernetes PR #125029).
 */
import { stringify } from "yaml";
import { BootstrapToken, CaCertHash } from "./credentials";

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

/** v1beta4 BootstrapToken without `token`: kubeadm generates one (SetBootstrapTokensDynamicDefaults). */
export interface InitBootstrapToken {
    description: string;
    ttl: string;
    usages: string[];
    groups: string[];
}

/** v1beta4 InitConfiguration. */
export interface InitConfiguration {
    apiVersion: typeof API_VERSION;
    kind: "InitConfiguration";
    bootstrapTokens: InitBootstrapToken[];
    nodeRegistration: NodeRegistration;
    localAPIEndpoint: { advertiseAddress: string; bindPort: number };
}

/** v1beta4 JoinConfiguration. */
export interface JoinConfiguration {
    apiVersion: typeof API_VERSION;
    kind: "JoinConfiguration";
    nodeRegistration: NodeRegistration;
    discovery: { bootstrapToken: { token: BootstrapToken; apiServerEndpoint: string; caCertHashes: CaCertHash[] } };
    controlPlane?: { localAPIEndpoint: { advertiseAddress: string; bindPort: number } };
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
    /** API server flags and mounts added after the platform's own (ApiServerSettings); none at init. */
    apiServerExtras?: { extraArgs: Arg[]; extraVolumes: HostPathMount[] };
}

/**
 * The control-plane endpoint and API server certificate SANs of a cluster: the VIP when there is
 * one, else the first control-plane node; every control-plane IP and the VIP as SANs.
 */
export function controlPlaneAddressing(
    controlPlaneIps: string[],
    vip: string | undefined,
): Pick<ClusterConfigurationArgs, "controlPlaneEndpoint" | "certSANs"> {
    return { controlPlaneEndpoint: `${vip ?? controlPlaneIps[0]}:${API_SERVER_PORT}`, certSANs: [...controlPlaneIps, ...(vip ? [vip] : [])] };
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
            extraArgs: [{ name: "admission-control-config-file", value: PSA_FILE }, ...(args.apiServerExtras?.extraArgs ?? [])],
            extraVolumes: [
                { name: "psa", hostPath: PSA_DIR, mountPath: PSA_DIR, readOnly: true, pathType: "DirectoryOrCreate" },
                ...(args.apiServerExtras?.extraVolumes ?? []),
            ],
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
}

/**
 * The first node's InitConfiguration. It holds no secret: joins use per-node tokens and copied
 * certificates (see steps.ts), so init uploads no certificates and needs no certificate key. kubeadm
 * still creates a bootstrap token (an empty list is defaulted to one); this one is generated by kubeadm,
 * used by nothing and expires in 15 minutes.
 */
export function initConfiguration(args: InitConfigurationArgs): InitConfiguration {
    return {
        apiVersion: API_VERSION,
        kind: "InitConfiguration",
        bootstrapTokens: [
            {
                description: "kubeadm init's own token, unused: every join gets its own",
                ttl: "15m0s",
                usages: ["signing", "authentication"],
                groups: ["system:bootstrappers:kubeadm:default-node-token"],
            },
        ],
        nodeRegistration: nodeRegistration(args.nodeName, args.nodeIp),
        localAPIEndpoint: { advertiseAddress: args.nodeIp, bindPort: API_SERVER_PORT },
    };
}

/** What a joining node needs. */
export interface JoinConfigurationArgs {
    nodeName: string;
    nodeIp: string;
    controlPlaneEndpoint: string;
    /** This node's own bootstrap token. */
    token: BootstrapToken;
    /** The cluster CA's public key hash, for token discovery. */
    caCertHash: CaCertHash;
    /** A control-plane join: it runs an API server and an etcd member on `nodeIp`. */
    controlPlane: boolean;
}

/**
 * A node's JoinConfiguration. A control-plane join has no certificate key: the shared certificates
 * are on disk before `kubeadm join` runs (manual certificate distribution).
 */
export function joinConfiguration(args: JoinConfigurationArgs): JoinConfiguration {
    const config: JoinConfiguration = {
        apiVersion: API_VERSION,
        kind: "JoinConfiguration",
        nodeRegistration: nodeRegistration(args.nodeName, args.nodeIp),
        discovery: { bootstrapToken: { token: args.token, apiServerEndpoint: args.controlPlaneEndpoint, caCertHashes: [args.caCertHash] } },
    };
    if (args.controlPlane) {
        config.controlPlane = { localAPIEndpoint: { advertiseAddress: args.nodeIp, bindPort: API_SERVER_PORT } };
    }
    return config;
}

/** Multi-document YAML, as `kubeadm --config` reads it. */
export function toYamlDocuments(docs: object[]): string {
    return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}
