/**
 * Observability (issue 10; seed 001 §12, ADR-006, §5.3), one component in two modes.
 *
 * central (mgmt): Prometheus with Alertmanager, Thanos Receive/Query/Store/Compactor on S3, Loki
 * (Monolithic) and Tempo on S3, Grafana with Keycloak login, the platform's alert rules, and on
 * mgmt's ingest IP the endpoints every cluster sends to (remote write, Loki push, OTLP).
 * agent (app clusters): Prometheus in agent mode remote-writing to mgmt, Alloy shipping logs and an
 * OpenTelemetry Collector forwarding traces, each buffering on disk while mgmt is away.
 *
 *   app Prometheus (agent, WAL) ──remote write──┐
 *   app Alloy (positions, WAL) ──Loki push──────┼──▶ mgmt ingest IP ──▶ Thanos Receive │ Alloy → Loki │ OTel → Tempo
 *   app OTel Collector (file queue) ──OTLP──────┘                          ▲
 *                                                   Grafana ── Thanos Query, Loki, Tempo
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { namespaceMetadata } from "../lib/psa";
import { createAlertRules } from "./alerts";
import { createAlloy } from "./alloy";
import { ingestUrls, IngestUrls, S3Target } from "./endpoints";
import { createGrafana } from "./grafana";
import { createLogs } from "./logs";
import { createMetrics } from "./metrics";
import { createOtelCollector } from "./otel";
import { createTraces } from "./traces";

/** Where mgmt's buckets are: ObjectStorage's in-cluster endpoint, its region and the consumers' credential paths. */
export interface ObservabilityS3 {
    /** https endpoint inside mgmt. */
    endpoint: string;
    /** The region clients must name. */
    region: string;
    /** KV path of each consumer's credential. */
    credentialPaths: Record<"thanos" | "loki" | "tempo", string>;
}

/** What mgmt runs the central stack against. */
export interface CentralInputs {
    mode: "central";
    /** mgmt's ingest IP (`network.serviceIps.ingest`). */
    ingestIp: string;
    /** The buckets. */
    s3: ObservabilityS3;
    /** The `vault-issuer` ClusterIssuer. */
    issuer: pulumi.Resource;
    /** Vault's provider, for Grafana's admin credential. */
    vaultProvider: vault.Provider;
    /** What Vault-side writes wait for (the KV mount). */
    vaultReady: pulumi.Resource[];
    /** Keycloak's OIDC issuer; Grafana logs in through it. */
    oidcIssuerUrl: pulumi.Input<string>;
    /** Keycloak, which writes Grafana's OIDC client secret to Vault. */
    keycloak: pulumi.Resource;
    /** main-gateway, which serves Grafana. */
    gateway: pulumi.Resource;
}

/** What an app cluster sends to: mgmt's ingest URLs, from its typed outputs. */
export interface AgentInputs {
    mode: "agent";
    /** mgmt's ingest endpoints (`observabilityIngest`). */
    ingest: pulumi.Input<IngestUrls>;
}

/** Arguments of Observability. */
export interface ObservabilityArgs {
    /** This cluster's name: the `cluster` label on everything it sends. */
    clusterName: string;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** central on mgmt, agent on app clusters, with what each needs. */
    inputs: CentralInputs | AgentInputs;
    /** Vault's PKI root CA (PEM): the ingest and S3 certificates chain to it. */
    vaultRootCaPem: pulumi.Input<string>;
    /** The `vault-backend` ClusterSecretStore. */
    secretStore: pulumi.Resource;
    /** StorageClass of the components' own volumes (the data that matters is in S3 or at mgmt). */
    storageClass: string;
    /** What must be running first: the CNI, MetalLB with mgmt's service pool, the StorageClasses. */
    after: pulumi.Resource[];
}

/** Metrics, logs, traces and alerts of one cluster. */
export class Observability extends pulumi.ComponentResource {
    /** The `monitoring` and `logging` namespaces. */
    public readonly namespaces: string[];
    /** What ServiceMonitors, PodMonitors and PrometheusRules wait for (the prometheus-operator CRDs). */
    public readonly monitoringCrds: pulumi.Resource;
    /** mgmt only: Grafana's URL through main-gateway. */
    public readonly grafanaUrl?: string;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Observability", name, {}, opts);
        const { clusterName, provider, inputs } = args;
        const childOpts = { parent: this, provider };
        // node-exporter and the OTel agent need the node (monitoring); Alloy reads every pod's logs (logging).
        const [monitoring, logging] = [PRIVILEGED_NAMESPACES.monitoring, PRIVILEGED_NAMESPACES.logging].map(
            (privileged) => new k8s.core.v1.Namespace(`${name}-${privileged.namespace}-namespace`, { metadata: namespaceMetadata({ privileged }) }, childOpts),
        );
        this.namespaces = [PRIVILEGED_NAMESPACES.monitoring.namespace, PRIVILEGED_NAMESPACES.logging.namespace];
        const after = args.after;
        if (inputs.mode === "central") {
            const s3 = (bucket: "thanos" | "loki" | "tempo"): S3Target => ({
                endpoint: inputs.s3.endpoint,
                region: inputs.s3.region,
                bucket,
                credentialPath: inputs.s3.credentialPaths[bucket],
            });
            const metrics = createMetrics(
                name,
                {
                    mode: "central",
                    clusterName,
                    provider,
                    namespace: monitoring,
                    remoteWriteUrl: ingestUrls(inputs.ingestIp).remoteWrite,
                    rootCaPem: args.vaultRootCaPem,
                    storageClass: args.storageClass,
                    after,
                    ingestIp: inputs.ingestIp,
                    s3: s3("thanos"),
                    issuer: [inputs.issuer],
                    secretStore: args.secretStore,
                },
                this,
            );
            this.monitoringCrds = metrics.release;
            const storage = { provider, vaultRootCaPem: args.vaultRootCaPem, storageClass: args.storageClass, secretStore: args.secretStore };
            const logs = createLogs(name, { ...storage, s3: s3("loki"), after: [...after, logging] }, this);
            const traces = createTraces(name, { ...storage, s3: s3("tempo"), after: [...after, monitoring] }, this);
            createAlloy(
                name,
                {
                    clusterName,
                    provider,
                    target: { mode: "central", ingestIp: inputs.ingestIp, issuer: [inputs.issuer] },
                    after: [...after, logging, logs.release],
                },
                this,
            );
            // The collector serves OTLP with the `ingest-tls` certificate the metrics builder made in `monitoring`.
            createOtelCollector(
                name,
                {
                    clusterName,
                    provider,
                    target: { mode: "central", ingestIp: inputs.ingestIp },
                    after: [...after, monitoring, traces.release, ...metrics.ready],
                },
                this,
            );
            const grafana = createGrafana(
                `${name}-grafana`,
                {
                    clusterName,
                    provider,
                    vaultProvider: inputs.vaultProvider,
                    vaultReady: inputs.vaultReady,
                    oidcIssuerUrl: inputs.oidcIssuerUrl,
                    secretStore: args.secretStore,
                    after: [...after, metrics.release, inputs.keycloak, inputs.gateway],
                },
                this,
            );
            createAlertRules(`${name}-alerts`, { provider, after: [metrics.release] }, this);
            this.grafanaUrl = grafana.url;
        } else {
            const ingest = pulumi.output(inputs.ingest);
            const metrics = createMetrics(
                name,
                {
                    mode: "agent",
                    clusterName,
                    provider,
                    namespace: monitoring,
                    remoteWriteUrl: ingest.remoteWrite,
                    rootCaPem: args.vaultRootCaPem,
                    storageClass: args.storageClass,
                    after,
                },
                this,
            );
            this.monitoringCrds = metrics.release;
            createAlloy(
                name,
                {
                    clusterName,
                    provider,
                    target: { mode: "agent", lokiPushUrl: ingest.lokiPush, vaultRootCaPem: args.vaultRootCaPem },
                    after: [...after, logging],
                },
                this,
            );
            createOtelCollector(
                name,
                {
                    clusterName,
                    provider,
                    target: { mode: "agent", otlpEndpoint: ingest.otlpGrpc, vaultRootCaPem: args.vaultRootCaPem },
                    after: [...after, monitoring],
                },
                this,
            );
        }
        this.registerOutputs({ namespaces: this.namespaces, grafanaUrl: this.grafanaUrl });
    }
}
