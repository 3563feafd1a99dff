/** The mgmt stack: the platform cluster. */
import * as pulumi from "@pulumi/pulumi";
import { LoadedConfig } from "../config/load";
import { createMeshCa } from "../components/cilium-mesh";
import { buildCluster, ClusterOutputs } from "./cluster";
import { buildNetworking, NetworkingOutputs } from "./networking";
import { deploySecurity } from "./security";

/** Everything `pulumi stack output` shows for mgmt. */
export interface MgmtOutputs extends ClusterOutputs, NetworkingOutputs {
    /** The mesh's Cilium CA certificate (PEM), for app stacks. */
    ciliumCaCert: pulumi.Output<string>;
    /** The mesh's Cilium CA key (PEM, secret), for app stacks. */
    ciliumCaKey: pulumi.Output<string>;
}

export function mgmtStack(loaded: LoadedConfig): MgmtOutputs {
    const { cluster, outputs } = buildCluster(loaded);
    // The mesh's one CA lives here; app stacks read it through MgmtReference.
    const ca = createMeshCa(`${loaded.config.name}-cilium-ca`);
    const networking = buildNetworking(loaded.config, cluster, ca);
    deploySecurity(loaded.config, cluster.provider, networking.ready);
    return { ...outputs, ...networking.outputs, ciliumCaCert: ca.certPem, ciliumCaKey: ca.keyPem };
}
