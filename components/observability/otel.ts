/**
 * The OpenTelemetry Collector (chart opentelemetry-collector 0.182.0, otelcol-k8s 0.165.0) as a
 * DaemonSet on every cluster in `monitoring`: applications send OTLP to their node's collector
 * (4317 gRPC, 4318 http, host ports) or its Service; traces go on to Tempo.
 *
 * - central (mgmt) exports to Tempo in-cluster, and also receives the apps' collectors on a second,
 *   TLS-only OTLP receiver (14317/14318) behind the `otlp-ingest` LoadBalancer Service on the ingest
 *   IP (4317/4318), with the `ingest-tls` certificate of `monitoring` (endpoints.ts).
 * - agent (apps) exports to mgmt's ingest OTLP endpoint, trusting Vault's root CA.
 *
 * Either way the exporter queues on disk (`sending_queue.storage` = the file_storage extension, on
 * a hostPath) and retries without a deadline (`retry_on_failure.max_elapsed_time: 0`), so spans
 * survive a pod restart and wait out an outage of Tempo or mgmt until the queue is full.
 */
import * as k8s from "@pulumi/kubernetes";
import type { input as Inputs } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, IMAGES } from "../../config/versions";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { ingestServiceAnnotations, INGEST_PORTS, INGEST_TLS_SECRET, MONITORING_NAMESPACE } from "./endpoints";
import { CA_FILE, caConfigMap, caVolume } from "./logs";
import { TEMPO_OTLP_GRPC } from "./traces";

/** Helm release name (and fullnameOverride: the Service is `otel-collector`). */
export const OTEL_RELEASE = "otel-collector";
/** In-cluster OTLP endpoints of this cluster's collector, for applications that do not use the host port. */
export const OTEL_OTLP_GRPC = `${OTEL_RELEASE}.${MONITORING_NAMESPACE}.svc.cluster.local:4317`;
export const OTEL_OTLP_HTTP = `http://${OTEL_RELEASE}.${MONITORING_NAMESPACE}.svc.cluster.local:4318`;
/** The LoadBalancer Service that carries the apps' OTLP on mgmt's ingest IP. */
export const OTLP_INGEST_SERVICE = "otlp-ingest";
/** The container ports of central's TLS receiver (the Service maps the ingest ports 4317/4318 onto them). */
export const INGEST_RECEIVER_PORTS = { grpc: 14317, http: 14318 } as const;
/** The persistent queue's directory, a hostPath on every node. */
export const QUEUE_DIR = "/var/lib/otelcol";
/** The exporter's queue length in batches; with the disk queue it bounds how long an outage can be waited out. */
export const QUEUE_SIZE = 5000;
/** The CA ConfigMap agents mount. */
export const OTEL_CA_CONFIGMAP = "otel-collector-ca";
/** The collector image's user (otelcol-k8s Dockerfile `USER 10001`), which must own the queue directory. */
const COLLECTOR_UID = 10001;
const INGEST_TLS_DIR = "/etc/ingest-tls";

/** The chart's pod selector (`opentelemetry-collector.selectorLabels`: the chart name and the release). */
export const OTEL_SELECTOR = { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": OTEL_RELEASE };

/** Arguments of `otelCollectorConfig`. */
export interface OtelConfigArgs {
    /** central or agent. */
    mode: "central" | "agent";
    /** agent: mgmt's ingest OTLP gRPC endpoint, host:port. */
    otlpEndpoint?: string;
}

/** OTLP receiver protocols on the pod IP (the chart's convention), optionally with TLS. */
function otlpProtocols(grpcPort: number, httpPort: number, tls?: Record<string, string>): Record<string, unknown> {
    const t = tls ? { tls } : {};
    return { protocols: { grpc: { endpoint: `\${env:MY_POD_IP}:${grpcPort}`, ...t }, http: { endpoint: `\${env:MY_POD_IP}:${httpPort}`, ...t } } };
}

/**
 * The collector configuration, as the chart's `config` (merged over its defaults: Helm drops keys
 * set to null, here the chart's jaeger/zipkin/prometheus receivers and its logs and metrics
 * pipelines; only traces are collected). `otlp_grpc` is the exporter's name since collector
 * v0.144.0 (`otlp` is a deprecated alias; open-telemetry/opentelemetry-collector#14403).
 */
export function otelCollectorConfig(args: OtelConfigArgs): Record<string, unknown> {
    const central = args.mode === "central";
    if (!central && !args.otlpEndpoint) {
        throw new Error("OTel Collector agent: otlpEndpoint (mgmt's ingest OTLP gRPC endpoint) is required");
    }
    const exporter = central ? "otlp_grpc/tempo" : "otlp_grpc/mgmt";
    const receivers = central ? ["otlp", "otlp/ingest"] : ["otlp"];
    return {
        receivers: {
            jaeger: null,
            zipkin: null,
            prometheus: null,
            otlp: otlpProtocols(4317, 4318),
            ...(central
                ? {
                      "otlp/ingest": otlpProtocols(INGEST_RECEIVER_PORTS.grpc, INGEST_RECEIVER_PORTS.http, {
                          cert_file: `${INGEST_TLS_DIR}/tls.crt`,
                          key_file: `${INGEST_TLS_DIR}/tls.key`,
                      }),
                  }
                : {}),
        },
        extensions: {
            "file_storage/queue": { directory: QUEUE_DIR, timeout: "1s", compaction: { on_start: true, on_rebound: true, directory: QUEUE_DIR } },
        },
        exporters: {
            [exporter]: {
                endpoint: central ? TEMPO_OTLP_GRPC : args.otlpEndpoint,
                tls: central ? { insecure: true } : { ca_file: CA_FILE },
                // exporterhelper: a persistent queue on the file_storage extension, retried until it succeeds.
                sending_queue: { enabled: true, num_consumers: 4, queue_size: QUEUE_SIZE, storage: "file_storage/queue" },
                retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "5m", max_elapsed_time: 0 },
            },
        },
        service: {
            extensions: ["health_check", "file_storage/queue"],
            pipelines: {
                logs: null,
                metrics: null,
                traces: { receivers, processors: ["memory_limiter", "batch"], exporters: [exporter] },
            },
        },
    };
}

/** Values (opentelemetry-collector chart values.yaml keys): the DaemonSet, its image, config, ports, volumes and resources. */
export function otelCollectorValues(args: OtelConfigArgs): Record<string, unknown> {
    const central = args.mode === "central";
    const [repository, tag] = IMAGES.otelCollector.split(/:(?=[^:]+$)/);
    const queue = { name: "otel-queue", hostPath: { path: QUEUE_DIR, type: "DirectoryOrCreate" } };
    const ca = caVolume(OTEL_CA_CONFIGMAP);
    const trust = central
        ? {
              volume: { name: "ingest-tls", secret: { secretName: INGEST_TLS_SECRET } },
              mount: { name: "ingest-tls", mountPath: INGEST_TLS_DIR, readOnly: true },
          }
        : ca;
    const off = { enabled: false };
    return {
        fullnameOverride: OTEL_RELEASE,
        mode: "daemonset",
        image: { repository, tag },
        command: { name: "otelcol-k8s" },
        config: otelCollectorConfig(args),
        ports: {
            "jaeger-compact": off,
            "jaeger-thrift": off,
            "jaeger-grpc": off,
            zipkin: off,
            ...(central
                ? {
                      "otlp-ingest": { enabled: true, containerPort: INGEST_RECEIVER_PORTS.grpc, servicePort: INGEST_RECEIVER_PORTS.grpc, protocol: "TCP" },
                      "otlp-http-ingest": {
                          enabled: true,
                          containerPort: INGEST_RECEIVER_PORTS.http,
                          servicePort: INGEST_RECEIVER_PORTS.http,
                          protocol: "TCP",
                      },
                  }
                : {}),
        },
        resources: resources("50m", "128Mi", "500m", "512Mi"),
        extraVolumes: [queue, trust.volume],
        extraVolumeMounts: [{ name: "otel-queue", mountPath: QUEUE_DIR }, trust.mount],
        // A hostPath directory is created root-owned; the collector runs as 10001.
        initContainers: [
            {
                name: "queue-owner",
                image: IMAGES.otelQueueInit,
                command: ["sh", "-c", `chown ${COLLECTOR_UID}:${COLLECTOR_UID} ${QUEUE_DIR}`],
                securityContext: {
                    runAsUser: 0,
                    runAsNonRoot: false,
                    readOnlyRootFilesystem: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"], add: ["CHOWN"] },
                },
                volumeMounts: [{ name: "otel-queue", mountPath: QUEUE_DIR }],
                resources: resources("10m", "16Mi", "100m", "64Mi"),
            },
        ],
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
    };
}

/** mgmt's LoadBalancer Service for the apps' OTLP: the ingest IP's 4317/4318 onto the TLS receiver. */
export function otlpIngestService(clusterName: string, ingestIp: string): Inputs.core.v1.Service {
    return {
        metadata: { name: OTLP_INGEST_SERVICE, namespace: MONITORING_NAMESPACE, annotations: ingestServiceAnnotations(clusterName, ingestIp) },
        spec: {
            type: "LoadBalancer",
            externalTrafficPolicy: "Cluster",
            selector: OTEL_SELECTOR,
            ports: [
                { name: "otlp-grpc", port: INGEST_PORTS.otlpGrpc, targetPort: INGEST_RECEIVER_PORTS.grpc, protocol: "TCP" },
                { name: "otlp-http", port: INGEST_PORTS.otlpHttp, targetPort: INGEST_RECEIVER_PORTS.http, protocol: "TCP" },
            ],
        },
    };
}

/** Where this collector exports: Tempo on mgmt (and the ingest listener), or mgmt's ingest endpoint. */
export type OtelTarget =
    | {
          /** mgmt. */
          mode: "central";
          /** mgmt's ingest IP. */
          ingestIp: string;
      }
    | {
          /** An app cluster. */
          mode: "agent";
          /** mgmt's ingest OTLP gRPC endpoint (`ingestUrls(ingestIp).otlpGrpc` from mgmt's outputs). */
          otlpEndpoint: pulumi.Input<string>;
          /** Vault's PKI root CA (PEM), which the ingest certificate chains to. */
          vaultRootCaPem: pulumi.Input<string>;
      };

/** Arguments of `createOtelCollector`. */
export interface OtelCollectorArgs {
    /** This cluster's name (mgmt's MetalLB pool). */
    clusterName: string;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** central (mgmt) or agent (apps). */
    target: OtelTarget;
    /**
     * What must exist first: the `monitoring` Namespace and the CNI; on mgmt also Tempo, MetalLB's
     * pool and the `ingest-tls` Certificate of `monitoring` (endpoints.ts `ingestCertificate`), which
     * central's pods mount.
     */
    after: pulumi.Resource[];
}

/** What `createOtelCollector` made. */
export interface OtelCollector {
    /** The collector release. */
    release: k8s.helm.v3.Release;
}

/** The collector on one cluster: `${name}-otel-release`; on mgmt also `${name}-otel-ingest` (Service), on apps `${name}-otel-ca`. */
export function createOtelCollector(name: string, args: OtelCollectorArgs, parent: pulumi.Resource): OtelCollector {
    const opts = { parent, provider: args.provider, dependsOn: args.after };
    const target = args.target;
    const mounted: pulumi.Resource[] = [];
    let values: pulumi.Input<Record<string, unknown>>;
    if (target.mode === "central") {
        new k8s.core.v1.Service(`${name}-otel-ingest`, otlpIngestService(args.clusterName, target.ingestIp), opts);
        values = otelCollectorValues({ mode: "central" });
    } else {
        mounted.push(caConfigMap(`${name}-otel-ca`, OTEL_CA_CONFIGMAP, MONITORING_NAMESPACE, target.vaultRootCaPem, opts));
        values = pulumi.output(target.otlpEndpoint).apply((otlpEndpoint) => otelCollectorValues({ mode: "agent", otlpEndpoint }));
    }
    const { release } = pinnedRelease(
        `${name}-otel`,
        {
            chart: CHARTS.otelCollector,
            releaseName: OTEL_RELEASE,
            namespace: { existing: MONITORING_NAMESPACE },
            values,
            provider: args.provider,
            after: [...args.after, ...mounted],
        },
        parent,
    );
    return { release };
}
