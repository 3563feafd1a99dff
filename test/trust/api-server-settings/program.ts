/**
 * A test program: ApiServerSettings on stand-in control-plane nodes (a launch Command whose ID is the
 * machine's identity, as in test/components/kubeadm-cluster.program.ts), run under the offline mocks
 * by api-server-settings.spec.ts. Config `test:scenario` (JSON): { controlPlanes, oidc, generation, vip? }.
 */
import * as pulumi from "@pulumi/pulumi";
import { StandInNode } from "../../support/stand-in-node";
import { ApiServerSettings } from "../../../components/api-server-settings";

interface Scenario {
    controlPlanes: number;
    oidc: boolean;
    generation: number;
    vip?: string;
}

const scenario = new pulumi.Config("test").requireObject<Scenario>("scenario");

const controlPlanes = Array.from({ length: scenario.controlPlanes }, (_, i) => new StandInNode(`c-cp-${i}`));
new ApiServerSettings("c-settings", {
    clusterName: "c",
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
