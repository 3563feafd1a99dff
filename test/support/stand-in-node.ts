/**
 * The smallest ClusterNode there is, for test programs: a launch Command whose ID is the machine's
 * identity and whose stdout the mocks answer with the VM's simulated `multipass info`. Components
 * that run on nodes (KubeadmCluster, ApiServerSettings) are then tested apart from VmNode.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNode } from "../../components/kubeadm-cluster";
import { NodeConnection } from "../../components/vm-node/connection";

export class StandInNode extends pulumi.ComponentResource implements ClusterNode {
    public readonly nodeName: string;
    public readonly ip: pulumi.Output<string>;
    public readonly connection: pulumi.Output<NodeConnection>;
    public readonly identity: pulumi.Output<string>;

    constructor(name: string, backend: NodeConnection["kind"] = "multipass") {
        super("test:infra:StandInNode", name, {}, {});
        const launch = new command.local.Command(`${name}-launch`, { create: "true", environment: { VM_NAME: name } }, { parent: this });
        this.nodeName = name;
        this.identity = launch.id;
        this.ip = launch.stdout.apply((out) => (JSON.parse(out) as { info: Record<string, { ipv4: string[] }> }).info[name].ipv4[0]);
        this.connection =
            backend === "ssh"
                ? pulumi.secret(this.ip.apply((host): NodeConnection => ({ kind: "ssh", host, user: "ops", privateKey: "offline-plan-placeholder-key" })))
                : launch.id.apply((): NodeConnection => ({ kind: "multipass", vm: name }));
        this.registerOutputs({});
    }
}
