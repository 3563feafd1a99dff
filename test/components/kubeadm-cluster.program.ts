/**
 * A test program: a KubeadmCluster on stand-in nodes, run under the offline mocks by
 * kubeadm-cluster.spec.ts. The nodes are the smallest ClusterNode there is (a launch Command whose
 * ID is the machine's identity), so the cluster's own registrations are tested apart from VmNode.
 * Config `test:scenario` (JSON): { controlPlanes, workers, backend: "multipass" | "ssh", vip? }.
 */
import * as pulumi from "@pulumi/pulumi";
import { StandInNode } from "../support/stand-in-node";
import { KubeadmCluster } from "../../components/kubeadm-cluster";
import { NodeConnection } from "../../components/vm-node/connection";

interface Scenario {
    controlPlanes: number;
    workers: number;
    backend: NodeConnection["kind"];
    vip?: string;
}

const scenario = new pulumi.Config("test").requireObject<Scenario>("scenario");

const nodes = (role: string, count: number) => Array.from({ length: count }, (_, i) => new StandInNode(`c-${role}-${i}`, scenario.backend));
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
