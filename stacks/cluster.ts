/**
 * What every stack builds first: its nodes and its kubeadm cluster, plus the outputs every
 * stack exports about them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { LoadedConfig } from "../config/load";
import { planNodes, StackConfig } from "../config/model";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { VmNode } from "../components/vm-node";

/** Outputs every cluster stack exports. */
export interface ClusterOutputs {
    /** Admin kubeconfig (secret). */
    kubeconfig: pulumi.Output<string>;
    /** https://host:6443 */
    apiServerEndpoint: pulumi.Output<string>;
    /** Cluster name (Cilium cluster.name). */
    clusterName: string;
    /** Cilium cluster.id. */
    clusterId: number;
    /** kubeadm podSubnet. */
    podCidr: string;
    /** kubeadm serviceSubnet. */
    serviceCidr: string;
    /** MetalLB pool. */
    lbPool: string;
    /** Node name → IP. */
    nodes: pulumi.Output<Record<string, string>>;
}

/** The nodes and cluster of one stack. */
export interface BuiltCluster {
    cluster: KubeadmCluster;
    outputs: ClusterOutputs;
}

/** Creates the nodes (Multipass VMs or SSH hosts) and the kubeadm cluster on them. */
export function buildCluster({ config, sshPrivateKey }: LoadedConfig): BuiltCluster {
    const { privateKey, publicKey } = sshKeys(config, sshPrivateKey);
    const nodes = planNodes(config).map(
        (plan) =>
            new VmNode(plan.name, {
                kubernetesVersion: config.kubernetesVersion,
                pool: plan.pool,
                multipassImage: config.backend.kind === "multipass" ? config.backend.image : undefined,
                sshHost: plan.host,
                sshPrivateKey: privateKey,
                sshPublicKey: publicKey,
            }),
    );
    const cluster = new KubeadmCluster(config.name, {
        config,
        controlPlanes: nodes.slice(0, config.controlPlane.count),
        workers: nodes.slice(config.controlPlane.count),
    });
    return {
        cluster,
        outputs: {
            kubeconfig: pulumi.secret(cluster.kubeconfig),
            apiServerEndpoint: cluster.apiServerEndpoint,
            clusterName: config.name,
            clusterId: config.id,
            podCidr: config.network.podCidr,
            serviceCidr: config.network.serviceCidr,
            lbPool: config.network.lbPool,
            nodes: cluster.nodes,
        },
    };
}

/**
 * The key remote commands log in with: the user's own for SSH hosts; for Multipass a key generated
 * here and installed by cloud-init, kept only (encrypted) in the stack state.
 */
function sshKeys(config: StackConfig, userKey: pulumi.Output<string> | undefined): { privateKey: pulumi.Output<string>; publicKey?: pulumi.Output<string> } {
    if (config.backend.kind === "ssh") {
        return { privateKey: userKey as pulumi.Output<string> };
    }
    const key = new tls.PrivateKey(`${config.name}-ssh-key`, { algorithm: "ED25519" });
    return { privateKey: pulumi.secret(key.privateKeyOpenssh), publicKey: key.publicKeyOpenssh };
}
