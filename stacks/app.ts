/** An app stack: a workload cluster that reads mgmt through the typed reference. */
import * as pulumi from "@pulumi/pulumi";
import { LoadedConfig } from "../config/load";
import { DeployStage } from "../config/stage";
import { overlaps, parseCidr } from "../config/cidr";
import { StackConfig } from "../config/model";
import { buildCluster, ClusterOutputs } from "./cluster";
import { MgmtReference } from "./mgmt-reference";
import { buildNetworking, fetchNetworkingManifests, NetworkingOutputs } from "./networking";
import { autoscalingNamespaces } from "../components/autoscaling";
import { CERT_MANAGER_NAMESPACE } from "../components/cert-manager";
import { ESO_NAMESPACE } from "../components/external-secrets";
import { PRIVILEGED_NAMESPACES } from "../policy-pack/conventions";
import { VELERO_NAMESPACE } from "../components/velero";
import { deployBackup } from "./backup";
import { deployAppObservability } from "./observability";
import { deployAutoscaling } from "./scaling";
import { deployFalco, deploySecurity, securityComponents } from "./security";
import { refusePartialStageOverFullDeploy } from "./stage-guard";
import { deployApiServerSettings, deployAppTrust } from "./trust";

/** What an app stack's standalone stage exports (config/stage.ts): its cluster, usable before mgmt's services are. */
export interface AppStandaloneOutputs extends ClusterOutputs, NetworkingOutputs {
    /** The stage the last update ran; `standalone` until the full stage attaches the cluster to mgmt. */
    deployStage: DeployStage;
}

/** Everything `pulumi stack output` shows for an app stack. */
export interface AppOutputs extends AppStandaloneOutputs {
    /** The mgmt cluster this stack is attached to. */
    mgmt: { clusterName: pulumi.Output<string>; apiServerEndpoint: pulumi.Output<string> };
}

/**
 * Checks this stack against what mgmt actually deployed: the mesh breaks if names, ids or pod
 * CIDRs collide. `appStack` runs it before creating anything.
 */
export function checkAgainstMgmt(config: StackConfig, mgmt: { clusterName: string; clusterId: number; podCidr: string }): string[] {
    const problems: string[] = [];
    if (mgmt.clusterName === config.name) {
        problems.push(`platform:cluster.name "${config.name}" is also the mgmt cluster's name; pick another`);
    }
    if (mgmt.clusterId === config.id) {
        problems.push(`platform:cluster.id ${config.id} is also the mgmt cluster's id; pick another (1-255)`);
    }
    const own = parseCidr(config.network.podCidr);
    const theirs = parseCidr(mgmt.podCidr);
    if (own.ok && theirs.ok && overlaps(own.cidr, theirs.cidr)) {
        problems.push(
            `platform:network.podCidr ${config.network.podCidr} overlaps mgmt's podCidr ${mgmt.podCidr}; Cilium Cluster Mesh needs disjoint pod CIDRs`,
        );
    }
    return problems;
}

/** The namespaces an app stack's add-ons after Kyverno create (trust, observability, backup, autoscaling): Kyverno spares them too. */
function appPlatformNamespaces(): string[] {
    return [
        CERT_MANAGER_NAMESPACE,
        ESO_NAMESPACE,
        PRIVILEGED_NAMESPACES.monitoring.namespace,
        PRIVILEGED_NAMESPACES.logging.namespace,
        VELERO_NAMESPACE,
        ...autoscalingNamespaces(true),
    ];
}

/**
 * The app stack. The standalone stage (config/stage.ts) reads only mgmt's foundation outputs (its
 * identity and the mesh CA) and builds what needs nothing of mgmt's services: nodes, kubeadm,
 * networking, the security add-ons but Falco, autoscaling. The full stage adds Falco, trust,
 * observability, backup and, last, the API server settings.
 */
export async function appStack(loaded: LoadedConfig): Promise<AppOutputs | AppStandaloneOutputs> {
    const { config, stage } = loaded;
    await refusePartialStageOverFullDeploy(stage);
    const manifests = await fetchNetworkingManifests();
    const mgmt = new MgmtReference(`${config.name}-mgmt`, config.mgmtStack as string);
    const [clusterName, clusterId, podCidr] = await Promise.all([mgmt.value("clusterName"), mgmt.value("clusterId"), mgmt.value("podCidr")]);
    const problems = checkAgainstMgmt(config, { clusterName, clusterId, podCidr });
    if (problems.length > 0) {
        throw new pulumi.RunError(`stack ${pulumi.getStack()} does not fit mgmt (${config.mgmtStack}):\n  - ${problems.join("\n  - ")}`);
    }
    const { cluster, outputs } = buildCluster(loaded);
    // The mesh CA mgmt generated: every cluster's certs chain to it, so peers trust each other.
    const networking = buildNetworking(config, cluster, { certPem: mgmt.output("ciliumCaCert"), keyPem: mgmt.output("ciliumCaKey") }, manifests);
    const security = deploySecurity(config, cluster, networking, appPlatformNamespaces());
    const autoscaling = deployAutoscaling(config, cluster, networking, {
        namespaces: config.security.appNamespaces,
        ready: security.appNamespaces ? [security.appNamespaces] : [],
    });
    if (stage === "standalone") {
        return { ...outputs, ...networking.outputs, deployStage: stage };
    }
    const ingest = mgmt.output("observabilityIngest");
    const vaultRootCaPem = mgmt.output("vaultRootCaPem");
    const falco = deployFalco(config, cluster, networking, { clusterName: config.name, lokiPushUrl: ingest.apply((u) => u.lokiPush), vaultRootCaPem });
    const trust = deployAppTrust(config, cluster, networking, {
        vaultAddress: mgmt.output("vaultAddress"),
        vaultServerCaPem: mgmt.output("vaultServerCaPem"),
        vaultRootCaPem,
        vaultOnboardingToken: mgmt.output("vaultOnboardingToken"),
        oidcIssuerUrl: mgmt.output("oidcIssuerUrl"),
    });
    const observability = deployAppObservability(config, cluster, networking, trust, ingest);
    const backup = deployBackup(config, cluster, networking, trust, mgmt.output("s3Endpoint"), {
        namespaces: observability.namespaces,
        after: [observability],
    });
    deployApiServerSettings(config, cluster, trust.roots, [
        ...networking.all,
        ...securityComponents(security, falco),
        ...trust.all,
        observability,
        autoscaling,
        backup.etcd,
        backup.velero,
    ]);
    return {
        ...outputs,
        ...networking.outputs,
        deployStage: stage,
        mgmt: { clusterName: mgmt.output("clusterName"), apiServerEndpoint: mgmt.output("apiServerEndpoint") },
    };
}
