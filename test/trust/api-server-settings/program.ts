/**
 * A test program: ApiServerSettings on stand-in control-plane nodes (a launch Command whose ID is the
 * machine's identity, as in test/components/kubeadm-cluster.program.ts), run under the offline mocks
 * by api-server-settings.spec.ts. Config `test:scenario` (JSON): { controlPlanes, oidc, generation, vip? }.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ApiServerSettings } from "../../../components/api-server-settings";
import { ClusterNode } from "../../../components/kubeadm-cluster";
import { NodeConnection } from "../../../components/vm-node/connection";

interface Scenario {
    controlPlanes: number;
    oidc: boolean;
    generation: number;
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
        this.connection = launch.id.apply((): NodeConnection => ({ kind: "multipass", vm: name }));
        this.registerOutputs({});
    }
}

const controlPlanes = Array.from({ length: scenario.controlPlanes }, (_, i) => new StandInNode(`c-cp-${i}`));
new ApiServerSettings("c-settings", {
    clusterName: "c",
    kubernetesVersion: "v1.35.9",
    network: { podCidr: "10.100.0.0/16", serviceCidr: "10.96.0.0/16", controlPlaneVip: scenario.vip },
    controlPlanes,
    backendKind: "multipass",
    settings: { oidc: scenario.oidc, audit: { maxAgeDays: 7, maxBackups: 10, maxSizeMiB: 100 }, encryptionKeyGeneration: scenario.generation },
    oidc: {
        issuerUrl: "https://192.168.64.203/realms/platform",
        clientId: "kubernetes",
        caPem: "-----BEGIN CERTIFICATE-----\nMIIBvault\n-----END CERTIFICATE-----\n",
    },
    after: controlPlanes,
});
