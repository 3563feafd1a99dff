/**
 * A test program: logs, traces and Falco events on mgmt (central) and app1 (agent), wired as the
 * stacks would wire them, on stand-ins for what other components provide (namespaces, the CNI, the
 * secret store, the issuer, O1's ingest certificate). The app side's ingest URLs are stack outputs,
 * as a StackReference gives them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Falco } from "../../../components/falco";
import { createAlloy } from "../../../components/observability/alloy";
import { ALERTMANAGER_URL, ingestUrls, LOGGING_NAMESPACE, MONITORING_NAMESPACE } from "../../../components/observability/endpoints";
import { createLogs, LOKI_PUSH_URL } from "../../../components/observability/logs";
import { createOtelCollector } from "../../../components/observability/otel";
import { createTraces } from "../../../components/observability/traces";
import { APP, INGEST_IP, MGMT, ROOT_CA_PEM, S3_ENDPOINT } from "./constants";

class Stand extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:observability:Stand", name, {}, {});
        this.registerOutputs({});
    }
}

function cluster(name: string) {
    const provider = new k8s.Provider(`${name}-cluster`, { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const cni = new k8s.core.v1.ConfigMap(`${name}-cni`, { metadata: { name: "cni-stand-in", namespace: "kube-system" } }, { provider });
    const ns = (n: string) => new k8s.core.v1.Namespace(`${name}-ns-${n}`, { metadata: { name: n } }, { provider });
    return { provider, cni, logging: ns(LOGGING_NAMESPACE), monitoring: ns(MONITORING_NAMESPACE), parent: new Stand(`${name}-observability`) };
}

// Outputs, as the app stack reads them from mgmt through its StackReference.
const rootCa = pulumi.output(ROOT_CA_PEM);
const mgmt = cluster(MGMT);
const store = new k8s.apiextensions.CustomResource(
    "store",
    { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: "vault-backend" }, spec: {} },
    { provider: mgmt.provider },
);
const issuer = new k8s.apiextensions.CustomResource(
    "issuer",
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "vault-issuer" }, spec: {} },
    { provider: mgmt.provider },
);
const monitoringCert = new k8s.core.v1.ConfigMap(
    "ingest-tls-monitoring-stand-in",
    { metadata: { name: "x", namespace: MONITORING_NAMESPACE } },
    { provider: mgmt.provider },
);
const s3 = (bucket: string) => ({ endpoint: S3_ENDPOINT, region: "us-east-1", bucket, credentialPath: `platform/mgmt/s3-${bucket}` });

const logs = createLogs(
    "mgmt-obs",
    { provider: mgmt.provider, s3: s3("loki"), vaultRootCaPem: ROOT_CA_PEM, storageClass: "local-path", secretStore: store, after: [mgmt.cni, mgmt.logging] },
    mgmt.parent,
);
const traces = createTraces(
    "mgmt-obs",
    {
        provider: mgmt.provider,
        s3: s3("tempo"),
        vaultRootCaPem: ROOT_CA_PEM,
        storageClass: "local-path",
        secretStore: store,
        after: [mgmt.cni, mgmt.monitoring],
    },
    mgmt.parent,
);
const centralAlloy = createAlloy(
    "mgmt-obs",
    {
        clusterName: MGMT,
        provider: mgmt.provider,
        target: { mode: "central", ingestIp: INGEST_IP, issuer: [issuer] },
        after: [mgmt.cni, mgmt.logging, logs.release],
    },
    mgmt.parent,
);
createOtelCollector(
    "mgmt-obs",
    {
        clusterName: MGMT,
        provider: mgmt.provider,
        target: { mode: "central", ingestIp: INGEST_IP },
        after: [mgmt.cni, mgmt.monitoring, traces.release, monitoringCert],
    },
    mgmt.parent,
);
new Falco("mgmt-falco", {
    provider: mgmt.provider,
    after: [mgmt.cni],
    events: { clusterName: MGMT, lokiPushUrl: LOKI_PUSH_URL, alertmanagerUrl: ALERTMANAGER_URL },
    eventsAfter: [logs.release],
});

const app = cluster(APP);
const urls = pulumi.output(INGEST_IP).apply(ingestUrls);
createAlloy(
    "app1-obs",
    { clusterName: APP, provider: app.provider, target: { mode: "agent", lokiPushUrl: urls.lokiPush, vaultRootCaPem: rootCa }, after: [app.cni, app.logging] },
    app.parent,
);
createOtelCollector(
    "app1-obs",
    {
        clusterName: APP,
        provider: app.provider,
        target: { mode: "agent", otlpEndpoint: urls.otlpGrpc, vaultRootCaPem: rootCa },
        after: [app.cni, app.monitoring],
    },
    app.parent,
);
new Falco("app1-falco", { provider: app.provider, after: [app.cni], events: { clusterName: APP, lokiPushUrl: urls.lokiPush, vaultRootCaPem: rootCa } });

export const lokiRelease = logs.release.name;
export const alloyRelease = centralAlloy.release.name;
