/**
 * A test program: the metrics builders as the lead's Observability component would call them, on
 * mgmt (central, with Thanos) and on an app cluster (agent), over stand-ins for the CNI, the
 * vault-issuer ClusterIssuer and the vault-backend ClusterSecretStore.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceMetadata } from "../../../components/lib/psa";
import { ingestUrls } from "../../../components/observability/endpoints";
import { createMetrics } from "../../../components/observability/metrics";
import { PRIVILEGED_NAMESPACES } from "../../../policy-pack/conventions";
import { AGENT_REMOTE_WRITE_URL, APP, INGEST_IP, MGMT, ROOT_CA_PEM, S3 } from "./constants";

function cluster(name: string): { provider: k8s.Provider; parent: pulumi.ComponentResource; namespace: k8s.core.v1.Namespace; cni: k8s.core.v1.ConfigMap } {
    const provider = new k8s.Provider(`${name}-cluster`, { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const parent = new pulumi.ComponentResource("platform:observability:Observability", `${name}-observability`);
    const cni = new k8s.core.v1.ConfigMap(`${name}-cni`, { metadata: { name: "cni-stand-in", namespace: "kube-system" } }, { provider });
    const namespace = new k8s.core.v1.Namespace(
        `${name}-metrics-namespace`,
        { metadata: namespaceMetadata({ privileged: PRIVILEGED_NAMESPACES.monitoring }) },
        { parent, provider },
    );
    return { provider, parent, namespace, cni };
}

const mgmt = cluster(MGMT);
const issuer = new k8s.apiextensions.CustomResource(
    "issuer",
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "vault-issuer" }, spec: {} },
    { provider: mgmt.provider },
);
const store = new k8s.apiextensions.CustomResource(
    "store",
    { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: "vault-backend" }, spec: {} },
    { provider: mgmt.provider },
);
createMetrics(
    `${MGMT}-metrics`,
    {
        mode: "central",
        clusterName: MGMT,
        provider: mgmt.provider,
        namespace: mgmt.namespace,
        remoteWriteUrl: ingestUrls(INGEST_IP).remoteWrite,
        rootCaPem: ROOT_CA_PEM,
        storageClass: "local-path",
        after: [mgmt.cni],
        ingestIp: INGEST_IP,
        s3: S3,
        issuer: [issuer],
        secretStore: store,
    },
    mgmt.parent,
);

const app = cluster(APP);
createMetrics(
    `${APP}-metrics`,
    {
        mode: "agent",
        clusterName: APP,
        provider: app.provider,
        namespace: app.namespace,
        // As a StackReference output would arrive.
        remoteWriteUrl: pulumi.output(AGENT_REMOTE_WRITE_URL),
        rootCaPem: pulumi.output(ROOT_CA_PEM),
        storageClass: "local-path",
        after: [app.cni],
    },
    app.parent,
);
