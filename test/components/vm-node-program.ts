/**
 * A test program for the offline runner: a stand-in guard and one VmNode of each backend, wired as
 * stacks/cluster.ts wires them. test/components/vm-node-resources.spec.ts runs it under the mocks.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { VmNode } from "../../components/vm-node";

const guard = new command.local.Command("test-config-guard", { create: "true" });
const pool = { count: 1, cpus: 2, memoryMiB: 4096, diskGiB: 30 };
const vm = new VmNode(
    "mgmt-cp-0",
    {
        kubernetesVersion: "v1.35.9",
        nodeSubnet: "192.168.64.0/24",
        backend: { kind: "multipass", image: "24.04", pool, poolKey: "platform:nodes.controlPlane" },
    },
    { dependsOn: [guard] },
);
const host = new VmNode(
    "rack-a",
    {
        kubernetesVersion: "v1.35.9",
        nodeSubnet: "192.168.64.0/24",
        backend: { kind: "ssh", host: { name: "rack-a", address: "192.168.64.50", user: "ops" }, privateKey: pulumi.secret("user-private-key") },
    },
    { dependsOn: [guard] },
);

export = {
    vm: { nodeName: vm.nodeName, ip: vm.ip, connection: vm.connection, identity: vm.identity },
    host: { nodeName: host.nodeName, ip: host.ip, connection: host.connection, identity: host.identity },
    hostConnectionSecret: pulumi.isSecret(host.connection),
};
