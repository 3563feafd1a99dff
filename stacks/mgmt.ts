/** The mgmt stack: the platform cluster. */
import * as pulumi from "@pulumi/pulumi";
import { LoadedConfig } from "../config/load";
import { createMeshCa } from "../components/cilium-mesh";
import { buildCluster, ClusterOutputs } from "./cluster";
import { buildNetworking, fetchNetworkingManifests, NetworkingOutputs } from "./networking";
import { deploySecurity, securityComponents } from "./security";
import { deployMgmtTrust, TrustOutputs } from "./trust";

/** Everything `pulumi stack output` shows for mgmt. */
export interface MgmtOutputs extends ClusterOutputs, NetworkingOutputs, TrustOutputs {
    /** The mesh's Cilium CA certificate (PEM), for app stacks. */
    ciliumCaCert: pulumi.Output<string>;
    /** The mesh's Cilium CA key (PEM, secret), for app stacks. */
    ciliumCaKey: pulumi.Output<string>;
}

export async function mgmtStack(loaded: LoadedConfig): Promise<MgmtOutputs> {
    const manifests = await fetchNetworkingManifests();
    const { cluster, outputs } = buildCluster(loaded);
    // The mesh's one CA lives here; app stacks read it through MgmtReference.
    const ca = createMeshCa(`${loaded.config.name}-cilium-ca`);
    const networking = buildNetworking(loaded.config, cluster, ca, manifests);
    const security = deploySecurity(loaded.config, cluster, networking);
    const trust = deployMgmtTrust(loaded.config, cluster, networking, securityComponents(security));
    return { ...outputs, ...networking.outputs, ...trust, ciliumCaCert: ca.certPem, ciliumCaKey: ca.keyPem };
}
