/**
 * Tempo on mgmt (grafana-community chart tempo 2.2.4, Tempo 2.10.8, monolithic): one replica,
 * blocks on S3 (bucket `tempo`), OTLP in from the collectors (otel.ts), 7 days' retention like
 * Loki so a trace and its logs age out together. Tempo lives in `monitoring` next to the
 * collector that feeds it; its WAL sits on a local-path volume so a restart loses no spans.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { platformExternalSecret } from "../lib/external-secret";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { MONITORING_NAMESPACE } from "./endpoints";
import { s3Host, S3Target } from "./endpoints";
import { CA_FILE, caConfigMap, caVolume, LogsArgs, S3_ENV, s3CredentialsExternalSecretArgs } from "./logs";

/** Helm release name; the chart's fullname, so its Service, is `tempo`. */
export const TEMPO_RELEASE = "tempo";
const TEMPO_HOST = `${TEMPO_RELEASE}.${MONITORING_NAMESPACE}.svc.cluster.local`;
/** In-cluster query URL (chart `tempo.server.http_listen_port` 3200), for Grafana's datasource. */
export const TEMPO_QUERY_URL = `http://${TEMPO_HOST}:3200`;
/** In-cluster OTLP gRPC endpoint (host:port, as OTLP exporters take it), for mgmt's collector. */
export const TEMPO_OTLP_GRPC = `${TEMPO_HOST}:4317`;
/** How long blocks are kept (compactor `block_retention`). */
export const TEMPO_RETENTION = "168h";

/** Names of the objects next to the release. */
export const TEMPO_S3_SECRET = "tempo-s3";
export const TEMPO_CA_CONFIGMAP = "tempo-ca";

/** Arguments of `tempoValues`. */
export interface TempoValuesArgs {
    /** Bucket, endpoint and region (the credential comes from TEMPO_S3_SECRET). */
    s3: S3Target;
    /** StorageClass of the WAL volume. */
    storageClass: string;
}

/** Values (tempo 2.2.4 values.yaml): S3 backend with the Vault root CA, OTLP receivers only, WAL on a volume. */
export function tempoValues(args: TempoValuesArgs): Record<string, unknown> {
    const ca = caVolume(TEMPO_CA_CONFIGMAP);
    return {
        replicas: 1,
        tempo: {
            resources: resources("100m", "256Mi", "500m", "1Gi"),
            retention: TEMPO_RETENTION,
            reportingEnabled: false,
            // `-config.expand-env=true`: the keys reach Tempo as env from the ExternalSecret, never as chart values.
            extraArgs: { "config.expand-env": "true" },
            extraEnvFrom: [{ secretRef: { name: TEMPO_S3_SECRET } }],
            extraVolumeMounts: [ca.mount],
            storage: {
                trace: {
                    backend: "s3",
                    // Tempo storage.trace.s3 (Tempo 2.10 configuration docs): host only, https unless `insecure`.
                    s3: {
                        bucket: args.s3.bucket,
                        endpoint: s3Host(args.s3.endpoint),
                        region: args.s3.region,
                        access_key: `\${${S3_ENV.accessKeyId}}`,
                        secret_key: `\${${S3_ENV.secretAccessKey}}`,
                        insecure: false,
                        forcepathstyle: true,
                        tls_ca_path: CA_FILE,
                    },
                    local: null,
                    wal: { path: "/var/tempo/wal" },
                },
            },
            // OTLP only: the collectors translate anything else; Helm drops the chart's jaeger receivers on null.
            receivers: {
                jaeger: null,
                otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } },
            },
        },
        extraVolumes: [ca.volume],
        persistence: { enabled: true, storageClassName: args.storageClass, size: "10Gi" },
    };
}

/** Arguments of `createTraces`: Loki's, for Tempo's bucket (`platform/mgmt/s3-tempo`) and WAL volume; `after` holds the `monitoring` Namespace. */
export type TracesArgs = LogsArgs;

/** What `createTraces` made. */
export interface Traces {
    /** The Tempo release. */
    release: k8s.helm.v3.Release;
}

/** Tempo on mgmt: `${name}-tempo-s3` (ExternalSecret), `${name}-tempo-ca` (ConfigMap), `${name}-tempo-release`. */
export function createTraces(name: string, args: TracesArgs, parent: pulumi.Resource): Traces {
    const opts = { parent, provider: args.provider, dependsOn: args.after };
    const credentials = platformExternalSecret(
        `${name}-tempo-s3`,
        s3CredentialsExternalSecretArgs(TEMPO_S3_SECRET, MONITORING_NAMESPACE, args.s3.credentialPath),
        { ...opts, dependsOn: [...args.after, args.secretStore] },
    );
    const ca = caConfigMap(`${name}-tempo-ca`, TEMPO_CA_CONFIGMAP, MONITORING_NAMESPACE, args.vaultRootCaPem, opts);
    const { release } = pinnedRelease(
        `${name}-tempo`,
        {
            chart: CHARTS.tempo,
            releaseName: TEMPO_RELEASE,
            namespace: { existing: MONITORING_NAMESPACE },
            values: tempoValues({ s3: args.s3, storageClass: args.storageClass }),
            provider: args.provider,
            after: [...args.after, credentials, ca],
        },
        parent,
    );
    return { release };
}
