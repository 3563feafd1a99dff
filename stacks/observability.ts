/**
 * Observability (issue 10): the central stack on mgmt, agents on app clusters that send to mgmt's
 * ingest endpoints, read from mgmt's typed outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { Observability } from "../components/observability";
import { ingestUrls, IngestUrls } from "../components/observability/endpoints";
import { BuiltNetworking } from "./networking";
import { BuiltTrust, MgmtTrustServices } from "./trust";

/** What mgmt exports about observability. */
export interface ObservabilityOutputs {
    /** The endpoints app clusters send metrics, logs and traces to. */
    observabilityIngest: IngestUrls;
    /** Grafana, through main-gateway. */
    grafanaUrl: string;
}

/** The central stack on mgmt. */
export function deployMgmtObservability(
    config: StackConfig,
    cluster: KubeadmCluster,
    networking: BuiltNetworking,
    trust: BuiltTrust,
    services: MgmtTrustServices,
): { outputs: ObservabilityOutputs; component: Observability } {
    const ingestIp = (config.network.serviceIps as { ingest: string }).ingest;
    const { s3, keycloak, vaultPki } = services;
    const component = new Observability(`${config.name}-observability`, {
        clusterName: config.name,
        provider: cluster.provider,
        inputs: {
            mode: "central",
            ingestIp,
            s3: { endpoint: s3.inClusterEndpoint, region: s3.region, credentialPaths: s3.credentialPaths },
            issuer: trust.cluster.certManager.issuer,
            vaultProvider: vaultPki.provider,
            vaultReady: vaultPki.ready,
            oidcIssuerUrl: keycloak.issuerUrl,
            keycloak,
            gateway: networking.gateway,
        },
        vaultRootCaPem: vaultPki.rootCaPem,
        secretStore: trust.cluster.externalSecrets.store,
        storageClass: networking.outputs.defaultStorageClass,
        after: [...networking.ready, s3],
    });
    return { outputs: { observabilityIngest: ingestUrls(ingestIp), grafanaUrl: component.grafanaUrl as string }, component };
}

/** The agents of an app cluster, sending to mgmt's ingest endpoints. */
export function deployAppObservability(
    config: StackConfig,
    cluster: KubeadmCluster,
    networking: BuiltNetworking,
    trust: BuiltTrust,
    ingest: pulumi.Input<IngestUrls>,
): Observability {
    return new Observability(`${config.name}-observability`, {
        clusterName: config.name,
        provider: cluster.provider,
        inputs: { mode: "agent", ingest },
        vaultRootCaPem: trust.roots.vaultRootCaPem,
        secretStore: trust.cluster.externalSecrets.store,
        storageClass: networking.outputs.defaultStorageClass,
        after: networking.ready,
    });
}
