/**
 * What every stack builds first: the config guard, its nodes and its kubeadm cluster, plus the
 * outputs every stack exports about them.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { configGuardCommand, configGuardName } from "../config/guard";
import { LoadedConfig } from "../config/load";
import { NodePlan, planNodes, StackConfig } from "../config/model";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { VmNode, VmNodeBackend } from "../components/vm-node";

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

/**
 * Creates the config guard, then the nodes (Multipass VMs or SSH hosts) behind it, then the kubeadm
 * cluster on them. Every node depends on the guard, so a refused config change stops the `up`
 * before any machine is touched (config/guard.ts).
 */
export function buildCluster({ config, sshPrivateKey }: LoadedConfig): BuiltCluster {
    const guard = new command.local.Command(configGuardName(pulumi.getStack()), configGuardCommand(config));
    const nodes = planNodes(config).map(
        (plan) =>
            new VmNode(
                plan.name,
                { kubernetesVersion: config.kubernetesVersion, nodeSubnet: config.network.nodeSubnet, backend: nodeBackend(config, plan, sshPrivateKey) },
                { dependsOn: [guard] },
            ),
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

/** One planned node's backend: a Multipass VM of its pool's size, or its SSH host with the user's key. */
function nodeBackend(config: StackConfig, plan: NodePlan, sshPrivateKey: pulumi.Output<string> | undefined): VmNodeBackend {
    if (config.backend.kind === "multipass") {
        const poolKey = `platform:nodes.${plan.controlPlane ? "controlPlane" : "workers"}`;
        return { kind: "multipass", image: config.backend.image, pool: plan.pool, poolKey };
    }
    if (!plan.host || !sshPrivateKey) {
        // Config validation requires a host per node and the key with the ssh backend.
        throw new Error(`node ${plan.name}: the ssh backend needs a host in platform:backend.hosts and platform:sshPrivateKey`);
    }
    return { kind: "ssh", host: plan.host, privateKey: sshPrivateKey };
}
