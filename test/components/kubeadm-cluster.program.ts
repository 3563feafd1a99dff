/**
 * A test program: a KubeadmCluster on stand-in nodes, run under the offline mocks by
 * kubeadm-cluster.spec.ts. The nodes are the smallest ClusterNode there is (a launch Command whose
 * ID is the machine's identity), so the cluster's own registrations are tested apart from VmNode.
 * Config `test:scenario` (JSON): { controlPlanes, workers, backend: "multipass" | "ssh", vip? }.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode, KubeadmCluster } from "../../components/kubeadm-cluster";
import { NodeConnection } from "../../components/vm-node/connection";

interface Scenario {
    controlPlanes: number;
    workers: number;
    backend: NodeConnection["kind"];
    vip?: string;
}

const scenario = new pulumi.Config("test").requireObject<Scenario>("scenario");

class StandInNode extends pulumi.ComponentResource implements ClusterNode {
    public readonly nodeName: string;
    public readonly ip: pulumi.Output<string>;
    public readonly connection: pulumi.Output<NodeConnection>;
    public readonly identity: pulumi.Output<string>;

    constructor(name: string) {
        super("test:infra:StandInNode", name, {}, {});
        // The mocks answer a `-launch` Command with the VM's simulated `multipass info`.
        const launch = new command.local.Command(`${name}-launch`, { create: "true", environment: { VM_NAME: name } }, { parent: this });
        this.nodeName = name;
        this.identity = launch.id;
        this.ip = launch.stdout.apply((out) => (JSON.parse(out) as { info: Record<string, { ipv4: string[] }> }).info[name].ipv4[0]);
        this.connection =
            scenario.backend === "ssh"
                ? pulumi.secret(this.ip.apply((host): NodeConnection => ({ kind: "ssh", host, user: "ops", privateKey: "offline-plan-placeholder-key" })))
                : launch.id.apply((): NodeConnection => ({ kind: "multipass", vm: name }));
        this.registerOutputs({});
    }
}

const nodes = (role: string, count: number) => Array.from({ length: count }, (_, i) => new StandInNode(`c-${role}-${i}`));
const network = {
    nodeSubnet: "192.168.64.0/24",
    podCidr: "10.100.0.0/16",
    serviceCidr: "10.96.0.0/16",
    lbPool: "192.168.64.200-192.168.64.210",
    clusterMeshIp: "192.168.64.200",
    controlPlaneVip: scenario.vip,
};
const backend = scenario.backend === "ssh" ? { kind: "ssh" as const, hosts: [] } : { kind: "multipass" as const, image: "24.04" };
const cluster = new KubeadmCluster("c", {
    config: { name: "c", kubernetesVersion: "v1.35.9", network, backend },
    controlPlanes: nodes("cp", scenario.controlPlanes),
    workers: nodes("worker", scenario.workers),
});

export const kubeconfig = cluster.kubeconfig;
export const apiServerEndpoint = cluster.apiServerEndpoint;
export const apiServerHost = cluster.apiServerHost;
export const controlPlane = cluster.controlPlane;
export const nodeIps = cluster.nodes;
