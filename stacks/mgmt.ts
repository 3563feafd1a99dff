/** The mgmt stack: the platform cluster. */
import * as pulumi from "@pulumi/pulumi";
import { LoadedConfig } from "../config/load";
import { DeployStage } from "../config/stage";
import { createMeshCa } from "../components/cilium-mesh";
import { ALERTMANAGER_URL } from "../components/observability/endpoints";
import { LOKI_PUSH_URL } from "../components/observability/logs";
import { VAULT_SERVICE } from "../components/lib/trust";
import { KEYCLOAK_NAMESPACE } from "../components/keycloak/workloads";
import { S3_NAMESPACE } from "../components/object-storage";
import { deployBackup } from "./backup";
import { refusePartialStageOverFullDeploy } from "./stage-guard";
import { buildCluster, ClusterOutputs } from "./cluster";
import { buildNetworking, fetchNetworkingManifests, NetworkingOutputs } from "./networking";
import { deployMgmtObservability, ObservabilityOutputs } from "./observability";
import { deployAutoscaling, deployK8sGpt } from "./scaling";
import { deployFalco, deploySecurity, securityComponents } from "./security";
import { deployApiServerSettings, deployMgmtTrust, TrustOutputs } from "./trust";

/** What mgmt's foundation stage exports: all an app stack's standalone stage reads (config/stage.ts). */
export interface MgmtFoundationOutputs extends Pick<ClusterOutputs, "clusterName" | "clusterId" | "podCidr"> {
    /** The mesh's Cilium CA certificate (PEM), for app stacks. */
    ciliumCaCert: pulumi.Output<string>;
    /** The mesh's Cilium CA key (PEM, secret), for app stacks. */
    ciliumCaKey: pulumi.Output<string>;
    /** The stage the last update ran. */
    deployStage: DeployStage;
}

/** Everything `pulumi stack output` shows for mgmt. */
export interface MgmtOutputs extends MgmtFoundationOutputs, ClusterOutputs, NetworkingOutputs, TrustOutputs, ObservabilityOutputs {}

export async function mgmtStack(loaded: LoadedConfig): Promise<MgmtOutputs | MgmtFoundationOutputs> {
    const { config, stage } = loaded;
    await refusePartialStageOverFullDeploy(stage);
    // The mesh's one CA lives here; app stacks read it through MgmtReference.
    const ca = createMeshCa(`${config.name}-cilium-ca`);
    const foundation = { clusterName: config.name, clusterId: config.id, podCidr: config.network.podCidr, ciliumCaCert: ca.certPem, ciliumCaKey: ca.keyPem };
    if (stage === "foundation") {
        return { ...foundation, deployStage: stage };
    }
    const manifests = await fetchNetworkingManifests();
    const { cluster, outputs } = buildCluster(loaded);
    const networking = buildNetworking(config, cluster, ca, manifests);
    const security = deploySecurity(config, cluster, networking);
    const falco = deployFalco(config, cluster, networking, { clusterName: config.name, lokiPushUrl: LOKI_PUSH_URL, alertmanagerUrl: ALERTMANAGER_URL });
    const trust = deployMgmtTrust(config, cluster, networking);
    const observability = deployMgmtObservability(config, cluster, networking, trust.built, trust.services);
    const k8sgpt = deployK8sGpt(config, cluster, networking, trust.built.cluster.externalSecrets.store);
    const backup = deployBackup(config, cluster, networking, trust.built, trust.services.s3.endpoint, {
        namespaces: [VAULT_SERVICE.namespace, KEYCLOAK_NAMESPACE, ...observability.component.namespaces],
        after: [trust.services.s3, ...trust.built.all, observability.component],
    });
    const autoscaling = deployAutoscaling(config, cluster, networking, {
        namespaces: [VAULT_SERVICE.namespace, KEYCLOAK_NAMESPACE, S3_NAMESPACE, ...observability.component.namespaces],
        ready: [...trust.built.all, observability.component],
    });
    deployApiServerSettings(config, cluster, trust.built.roots, [
        ...networking.all,
        ...securityComponents(security, falco),
        ...trust.built.all,
        observability.component,
        k8sgpt,
        autoscaling,
        backup.etcd,
        backup.velero,
    ]);
    return { ...outputs, ...networking.outputs, ...trust.outputs, ...observability.outputs, ...foundation, deployStage: stage };
}
