/**
 * The typed configuration of one platform stack, as read from `Pulumi.<stack>.yaml` under the
 * `platform:` namespace. `validate.ts` turns raw config into these types or a list of errors;
 * nothing downstream re-checks or re-derives what is here.
 */

/** The Pulumi project name, and so the config namespace (`platform:cluster`, ...). */
export const PROJECT = "platform";

/** What a cluster is for: `mgmt` hosts platform services; `app` runs workloads. */
export type ClusterRole = "mgmt" | "app";

/** Size and count of one pool of nodes. */
export interface NodePool {
    /** Number of nodes in the pool. */
    count: number;
    /** vCPUs per node. */
    cpus: number;
    /** Memory per node, MiB. */
    memoryMiB: number;
    /** Disk per node, GiB (Multipass only; SSH hosts keep their disks). */
    diskGiB: number;
}

/** An existing host reached over SSH. */
export interface SshHost {
    /** Node name inside the cluster (the kubelet's node name). */
    name: string;
    /** IPv4 address inside `network.nodeSubnet`. */
    address: string;
    /** Login user; it needs passwordless sudo. */
    user: string;
}

/** Where nodes come from. */
export type NodeBackend =
    | {
          kind: "multipass";
          /** Multipass image: "24.04" (the default), "noble", or the URL of an Ubuntu 24.04 image. */
          image: string;
      }
    | {
          kind: "ssh";
          /** Hosts in order: control-plane nodes first, then workers. */
          hosts: SshHost[];
      };

/** Addresses of one cluster. All ranges are validated disjoint where they must be. */
export interface NetworkConfig {
    /** The L2 segment the nodes live on (Multipass bridge, e.g. 192.168.64.0/24). */
    nodeSubnet: string;
    /** kubeadm `networking.podSubnet`; Cilium uses it through `ipam.mode: kubernetes`. */
    podCidr: string;
    /** kubeadm `networking.serviceSubnet`. */
    serviceCidr: string;
    /** MetalLB pool, "first-last", inside `nodeSubnet`. */
    lbPool: string;
    /** Fixed LoadBalancer IP of the clustermesh-apiserver, inside `lbPool`. */
    clusterMeshIp: string;
    /** Virtual IP of the API server (kube-vip); required with 3 control-plane nodes. */
    controlPlaneVip?: string;
    /**
     * Interface kube-vip announces the VIP on. Unset, kube-vip picks the interface of the default
     * route (kube-vip v1.0.4 `cmd/kube-vip.go`), which differs by host: enp0s1 on Apple silicon,
     * ens3 on x86 QEMU, anything on SSH hosts.
     */
    vipInterface?: string;
    /**
     * mgmt only: fixed LoadBalancer IPs of the services every cluster reaches (Vault, the S3
     * endpoint, Keycloak), inside `lbPool`. They are kept out of MetalLB's auto-assign pool, so no
     * other Service can take them first, and app stacks can be configured before mgmt runs.
     */
    serviceIps?: ServiceIps;
}

/** The fixed addresses of mgmt's shared services (`network.serviceIps`). */
export interface ServiceIps {
    /** Vault's API, https on 8200. */
    vault: string;
    /** The S3 endpoint, https on 443. */
    s3: string;
    /** Keycloak, https on 443: the OIDC issuer of every API server. */
    keycloak: string;
    /**
     * The observability ingest endpoints app clusters send to (Thanos Receive remote write, Loki
     * push, OTLP): one address shared by their Services (MetalLB IP sharing), one port each.
     */
    ingest: string;
}

/** API server settings every cluster gets after kubeadm (issue 9; seed 001 §13, §11). */
export interface ApiServerConfig {
    /** Accept Keycloak OIDC tokens (structured AuthenticationConfiguration). */
    oidc: boolean;
    /** Audit log rotation (kube-apiserver --audit-log-max*). */
    audit: { maxAgeDays: number; maxBackups: number; maxSizeMiB: number };
    /**
     * Generation of the Secret encryption key. Raising it by one rotates the key: the new key
     * encrypts, the previous one still decrypts, and every Secret is rewritten.
     */
    encryptionKeyGeneration: number;
}

/** Another cluster of the Cilium Cluster Mesh, as this stack knows it from config. */
export interface MeshPeer {
    /** The peer's `cluster.name`. */
    name: string;
    /** The peer's `cluster.id`. */
    id: number;
    /** The peer's clustermesh-apiserver IP (its `network.clusterMeshIp`). */
    address: string;
}

/** Security settings shared by the in-cluster guards. */
export interface SecurityConfig {
    /** Application namespaces: default-deny NetworkPolicy, quotas and PSA `restricted`. */
    appNamespaces: string[];
    /** Registries workloads may pull from (Kyverno; seed 001 §13.2). */
    trustedRegistries: string[];
}

/** The AI backends the K8sGPT CRD accepts (`spec.ai.backend` enum, k8sgpt-operator v0.2.27). */
export const AI_BACKENDS = [
    "openai",
    "azureopenai",
    "localai",
    "amazonbedrock",
    "amazonsagemaker",
    "cohere",
    "google",
    "googlevertexai",
    "ibmwatsonxai",
    "customrest",
] as const;

/** One of AI_BACKENDS. */
export type AiBackend = (typeof AI_BACKENDS)[number];

/** k8sgpt on mgmt (issue 11; seed 001 §14). */
export interface AiopsConfig {
    /** Set once an API key is in Vault (`secret/platform/<cluster>/k8sgpt`, field apiKey): only then are AI explanations on. */
    k8sgptApiKeyStored: boolean;
    /** The backend and model; the component's default when unset. */
    k8sgptBackend?: { backend: AiBackend; model: string; baseUrl?: string };
}

/** The whole validated config of one stack. */
export interface StackConfig {
    /** Cluster name: VM prefix, kubeadm clusterName and Cilium cluster.name. */
    name: string;
    /** mgmt or app. */
    role: ClusterRole;
    /** Cilium cluster.id, 1-255, unique across the mesh. */
    id: number;
    /** Full Kubernetes version, e.g. "v1.35.9". */
    kubernetesVersion: string;
    /** Control-plane pool: 1 node, or 3 behind a VIP (seed 004). */
    controlPlane: NodePool;
    /** Worker pool, at least one node. */
    workers: NodePool;
    /** Addresses. */
    network: NetworkConfig;
    /** Where the nodes come from. */
    backend: NodeBackend;
    /** Fully qualified name of the mgmt stack ("org/platform/mgmt"); app stacks only. */
    mgmtStack?: string;
    /** The other clusters of the mesh. */
    meshPeers: MeshPeer[];
    /** In-cluster security settings. */
    security: SecurityConfig;
    /** API server authentication, audit and encryption settings. */
    apiServer: ApiServerConfig;
    /** k8sgpt settings (used on mgmt). */
    aiops: AiopsConfig;
}

/** The planned node of a cluster, named and ordered the same way by the stack and the plan. */
export interface NodePlan {
    /** Node (and VM) name, e.g. "mgmt-cp-0". */
    name: string;
    /** Whether it runs the control plane. */
    controlPlane: boolean;
    /** Its size. */
    pool: NodePool;
    /** The SSH host it maps to, for the ssh backend. */
    host?: SshHost;
}

/** Nodes in creation order: control-plane nodes first (the first one runs `kubeadm init`). */
export function planNodes(config: StackConfig): NodePlan[] {
    const hosts = config.backend.kind === "ssh" ? config.backend.hosts : [];
    const pools: Array<[boolean, NodePool]> = [
        [true, config.controlPlane],
        [false, config.workers],
    ];
    const nodes: NodePlan[] = [];
    for (const [controlPlane, pool] of pools) {
        for (let i = 0; i < pool.count; i++) {
            const host = hosts[nodes.length];
            nodes.push({
                name: host?.name ?? `${config.name}-${controlPlane ? "cp" : "worker"}-${i}`,
                controlPlane,
                pool,
                host,
            });
        }
    }
    return nodes;
}

/** The Kubernetes minor, e.g. "1.35" for "v1.35.9": it selects the pkgs.k8s.io repository. */
export function kubernetesMinor(version: string): string {
    return version.replace(/^v/, "").split(".").slice(0, 2).join(".");
}
