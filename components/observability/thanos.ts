/**
 * Thanos on mgmt (stevehipwell chart thanos 1.24.1, Thanos v0.42.4; the Bitnami chart's images are
 * frozen): Receive (router + one ingestor) takes every cluster's remote write on the ingest IP,
 * Query answers Grafana from Receive (recent) and the Store Gateway (S3), the Compactor
 * downsamples and applies retention. Raw samples 7 d, 5-minute downsamples 30 d, 1-hour
 * downsamples 90 d.
 *
 * - TLS: the router serves remote write with the `ingest-tls` certificate (IP SAN = ingest IP),
 *   through a LoadBalancer Service of its own that exposes port 19291 only; the chart's
 *   Services (gRPC, http) stay ClusterIP.
 * - S3: bucket `thanos` at ObjectStorage's in-cluster endpoint, https verified against Vault's
 *   root CA, path-style. The keys come from Vault (`platform/mgmt/s3-thanos`) through an
 *   ExternalSecret that renders `objstore.yml`, so they never pass through Pulumi inputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { pinnedRelease, resources } from "../lib/pinned-release";
import {
    INGEST_PORTS,
    INGEST_TLS_SECRET,
    ingestServiceAnnotations,
    MONITORING_NAMESPACE,
    ROOT_CA_CONFIGMAP,
    ROOT_CA_KEY,
    s3Host,
    S3Target,
    THANOS_RELEASE,
} from "./endpoints";

/** The Secret (and ExternalSecret) holding Thanos' object-store config. */
export const THANOS_OBJSTORE_SECRET = "thanos-objstore";
/** Its key, the file the chart mounts (`objstoreConfig.key`). */
export const THANOS_OBJSTORE_KEY = "objstore.yml";
/** The LoadBalancer Service on the ingest IP (remote write only). */
export const RECEIVE_INGEST_SERVICE = "thanos-receive-ingest";
/** Compactor retention per resolution (`thanos compact --retention.resolution-*`). */
export const THANOS_RETENTION = { raw: "7d", fiveMinutes: "30d", oneHour: "90d" } as const;
/** How long the ingestor keeps its local TSDB; blocks are in S3 after 2 h, so a day covers a Store Gateway restart. */
export const RECEIVE_LOCAL_RETENTION = "24h";

/** Where the pods mount the root CA and the ingest certificate. */
const CA_DIR = "/etc/thanos/ca";
const TLS_DIR = "/etc/thanos/tls";

/**
 * The objstore.yml template ESO renders (external-secrets v2 template engine). Keys are quoted
 * YAML strings; ObjectStorage generates them alphanumeric. Fields as in Thanos' storage.md (S3).
 */
export function objstoreTemplate(s3: S3Target): string {
    return [
        "type: S3",
        "config:",
        `  bucket: ${s3.bucket}`,
        `  endpoint: ${s3Host(s3.endpoint)}`,
        `  region: ${s3.region}`,
        '  access_key: "{{ .accessKeyId }}"',
        '  secret_key: "{{ .secretAccessKey }}"',
        "  insecure: false",
        "  bucket_lookup_type: path",
        "  http_config:",
        "    tls_config:",
        `      ca_file: ${CA_DIR}/${ROOT_CA_KEY}`,
        "",
    ].join("\n");
}

/** The ExternalSecret that writes `thanos-objstore` from Vault. */
export function objstoreExternalSecretArgs(s3: S3Target): ExternalSecretArgs {
    return {
        name: THANOS_OBJSTORE_SECRET,
        namespace: MONITORING_NAMESPACE,
        data: (["accessKeyId", "secretAccessKey"] as const).map((field) => ({ secretKey: field, path: s3.credentialPath, property: field })),
        template: { engineVersion: "v2", data: { [THANOS_OBJSTORE_KEY]: objstoreTemplate(s3) } },
    };
}

/** Requests and limits of each Thanos workload, sized for the mgmt worker (the CHART_WORKLOADS table reads these paths). */
export const THANOS_RESOURCES = {
    query: resources("20m", "64Mi", "250m", "256Mi"),
    router: resources("20m", "64Mi", "250m", "256Mi"),
    ingestor: resources("50m", "256Mi", "500m", "768Mi"),
    storeGateway: resources("20m", "128Mi", "250m", "512Mi"),
    compact: resources("20m", "128Mi", "500m", "512Mi"),
};

/** A volume from the root-CA ConfigMap and its mount, for the pods that talk to S3. */
function caVolume(): { extraVolumes: unknown[]; extraVolumeMounts: unknown[] } {
    return {
        extraVolumes: [{ name: "vault-root-ca", configMap: { name: ROOT_CA_CONFIGMAP } }],
        extraVolumeMounts: [{ name: "vault-root-ca", mountPath: CA_DIR, readOnly: true }],
    };
}

/** Values of the thanos chart (keys as in its values.yaml 1.24.1). */
export function thanosValues(storageClass: string): Record<string, unknown> {
    return {
        // The ExternalSecret writes the Secret; the chart only mounts it.
        objstoreConfig: { create: false, name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY },
        // kube-prometheus-stack's Prometheus scrapes Thanos (its CRDs are installed first).
        serviceMonitor: { enabled: true },
        query: { enabled: true, replicas: 1, resources: THANOS_RESOURCES.query },
        queryFrontend: { enabled: false },
        rule: { enabled: false },
        storeGateway: { enabled: true, replicas: 1, resources: THANOS_RESOURCES.storeGateway, ...caVolume() },
        compact: {
            enabled: true,
            resources: THANOS_RESOURCES.compact,
            extraArgs: [
                `--retention.resolution-raw=${THANOS_RETENTION.raw}`,
                `--retention.resolution-5m=${THANOS_RETENTION.fiveMinutes}`,
                `--retention.resolution-1h=${THANOS_RETENTION.oneHour}`,
            ],
            ...caVolume(),
        },
        receive: {
            enabled: true,
            replicationFactor: 1,
            retention: RECEIVE_LOCAL_RETENTION,
            ingestor: {
                replicas: 1,
                resources: THANOS_RESOURCES.ingestor,
                // Samples not yet in a block live here; a claim keeps them over a restart.
                persistence: { enabled: true, storageClass, size: "10Gi" },
                ...caVolume(),
            },
            router: {
                replicas: 1,
                resources: THANOS_RESOURCES.router,
                extraArgs: [`--remote-write.server-tls-cert=${TLS_DIR}/tls.crt`, `--remote-write.server-tls-key=${TLS_DIR}/tls.key`],
                extraVolumes: [{ name: "ingest-tls", secret: { secretName: INGEST_TLS_SECRET } }],
                extraVolumeMounts: [{ name: "ingest-tls", mountPath: TLS_DIR, readOnly: true }],
            },
        },
    };
}

/** Pod labels of the receive router (chart `thanos.receive.router.selectorLabels`, release `thanos`). */
export const RECEIVE_ROUTER_SELECTOR = {
    "app.kubernetes.io/name": "thanos",
    "app.kubernetes.io/instance": THANOS_RELEASE,
    "app.kubernetes.io/component": "receive-router",
} as const;

/** The LoadBalancer Service of remote write on the shared ingest IP. */
export function receiveIngestService(clusterName: string, ingestIp: string): Record<string, any> {
    return {
        metadata: { name: RECEIVE_INGEST_SERVICE, namespace: MONITORING_NAMESPACE, annotations: ingestServiceAnnotations(clusterName, ingestIp) },
        spec: {
            type: "LoadBalancer",
            // Cluster, as MetalLB requires of Services sharing an IP with different selectors.
            externalTrafficPolicy: "Cluster",
            selector: RECEIVE_ROUTER_SELECTOR,
            ports: [{ name: "remote-write", port: INGEST_PORTS.remoteWrite, targetPort: INGEST_PORTS.remoteWrite, protocol: "TCP" }],
        },
    };
}

/** Arguments of `createThanos`. */
export interface ThanosArgs {
    /** mgmt's name: the service pool of the ingest IP. */
    clusterName: string;
    /** Provider of mgmt. */
    provider: k8s.Provider;
    /** mgmt's ingest IP (`network.serviceIps.ingest`). */
    ingestIp: string;
    /** StorageClass of the ingestor's claim. */
    storageClass: string;
    /** Where blocks go. */
    s3: S3Target;
    /** What the pods mount and the release waits for: the namespace, the root-CA ConfigMap, the ingest Certificate, Prometheus' CRDs, MetalLB. */
    after: pulumi.Resource[];
    /** The `vault-backend` ClusterSecretStore. */
    secretStore: pulumi.Resource;
}

/** What `createThanos` made. */
export interface Thanos {
    /** The Helm release. */
    release: k8s.helm.v3.Release;
    /** The remote-write LoadBalancer Service. */
    ingestService: k8s.core.v1.Service;
}

/** `${name}-objstore` (ExternalSecret), `${name}-release`, `${name}-receive-ingest` under `parent`. */
export function createThanos(name: string, args: ThanosArgs, parent: pulumi.Resource): Thanos {
    const opts = { parent, provider: args.provider };
    const objstore = platformExternalSecret(`${name}-objstore`, objstoreExternalSecretArgs(args.s3), { ...opts, dependsOn: [...args.after, args.secretStore] });
    const { release } = pinnedRelease(
        name,
        {
            chart: CHARTS.thanos,
            releaseName: THANOS_RELEASE,
            namespace: { existing: MONITORING_NAMESPACE },
            values: thanosValues(args.storageClass),
            provider: args.provider,
            after: [...args.after, objstore],
        },
        parent,
    );
    const ingestService = new k8s.core.v1.Service(`${name}-receive-ingest`, receiveIngestService(args.clusterName, args.ingestIp), {
        ...opts,
        dependsOn: [...args.after, release],
    });
    return { release, ingestService };
}
