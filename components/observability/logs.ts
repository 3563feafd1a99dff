/**
 * Loki on mgmt (grafana-community chart loki 18.11.0, Loki 3.7.6): one Monolithic replica on S3,
 * tsdb schema v13, 7 days' retention enforced by the compactor, single tenant. Also the pieces
 * Loki and Tempo share: the S3 credential ExternalSecret (env variables the server expands into
 * its config, so no key is ever a chart value) and the ConfigMap with Vault's root CA, which the
 * S3 endpoint's certificate and mgmt's ingest certificate chain to.
 *
 * Loki itself speaks plain http inside mgmt; the app clusters reach it through mgmt's Alloy,
 * which terminates TLS on the ingest IP and relays (alloy.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { LOGGING_NAMESPACE, s3Host, S3Target } from "./endpoints";

/** Helm release name; with the chart named `loki` the chart's fullname, so the Monolithic Service, is `loki` too. */
export const LOKI_RELEASE = "loki";
/** Loki's http port (chart `loki.server.http_listen_port`). */
export const LOKI_PORT = 3100;
/** In-cluster query URL of Loki on mgmt, for Grafana's datasource (the gateway is off, so the single-binary Service answers). */
export const LOKI_QUERY_URL = `http://${LOKI_RELEASE}.${LOGGING_NAMESPACE}.svc.cluster.local:${LOKI_PORT}`;
/** In-cluster push URL, for mgmt's own shippers (Alloy, falcosidekick). */
export const LOKI_PUSH_URL = `${LOKI_QUERY_URL}/loki/api/v1/push`;
/** Retention of every stream (seed 001 §7.5: 7 days). */
export const LOKI_RETENTION = "168h";

/** Key of the CA file in the trust ConfigMaps, and where pods mount it. */
export const CA_KEY = "ca.crt";
export const CA_MOUNT_DIR = "/etc/platform-ca";
export const CA_FILE = `${CA_MOUNT_DIR}/${CA_KEY}`;

/** The env variables the S3 credential Secret holds; the servers expand them in their config (`-config.expand-env=true`). */
export const S3_ENV = { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY" } as const;

/** The ExternalSecret that writes a consumer's S3 keys as the two env variables of S3_ENV. */
export function s3CredentialsExternalSecretArgs(name: string, namespace: string, credentialPath: string): ExternalSecretArgs {
    return {
        name,
        namespace,
        data: [
            { secretKey: S3_ENV.accessKeyId, path: credentialPath, property: "accessKeyId" },
            { secretKey: S3_ENV.secretAccessKey, path: credentialPath, property: "secretAccessKey" },
        ],
    };
}

/** A ConfigMap holding Vault's root CA (public) under CA_KEY, for pods that mount it at CA_MOUNT_DIR. */
export function caConfigMap(
    name: string,
    configMapName: string,
    namespace: string,
    pem: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(name, { metadata: { name: configMapName, namespace }, data: { [CA_KEY]: pem } }, opts);
}

/** The volume and mount of a CA ConfigMap, as chart `extraVolumes`/`extraVolumeMounts` take them. */
export function caVolume(configMapName: string): { volume: Record<string, unknown>; mount: Record<string, unknown> } {
    return {
        volume: { name: "platform-ca", configMap: { name: configMapName } },
        mount: { name: "platform-ca", mountPath: CA_MOUNT_DIR, readOnly: true },
    };
}

/** Names of the objects next to the release. */
export const LOKI_S3_SECRET = "loki-s3";
export const LOKI_CA_CONFIGMAP = "loki-ca";

/** Arguments of `lokiValues`. */
export interface LokiValuesArgs {
    /** Bucket, endpoint and region (the credential comes from LOKI_S3_SECRET). */
    s3: S3Target;
    /** StorageClass of the volume holding the ingester WAL and the tsdb index cache. */
    storageClass: string;
}

/**
 * Values (loki 18.11.0 values.yaml; validated against its values.schema.json merged over the
 * defaults): Monolithic (`deploymentMode`; SimpleScalable is deprecated), the scalable targets at
 * zero, everything a laptop cannot afford off (gateway, canary, Helm test, memcached caches,
 * rules sidecar; the bundled MinIO stays off: 17.0 fails on `minio.enabled`).
 */
export function lokiValues(args: LokiValuesArgs): Record<string, unknown> {
    const ca = caVolume(LOKI_CA_CONFIGMAP);
    return {
        deploymentMode: "Monolithic",
        loki: {
            // One tenant: the push and query paths carry no X-Scope-OrgID (Loki's tenant is then "fake").
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            storage: {
                type: "s3",
                bucketNames: { chunks: args.s3.bucket, ruler: args.s3.bucket, admin: args.s3.bucket },
                s3: {
                    endpoint: s3Host(args.s3.endpoint),
                    region: args.s3.region,
                    // Expanded from the Secret's env at start (-config.expand-env); the chart never sees a key.
                    accessKeyId: `\${${S3_ENV.accessKeyId}}`,
                    secretAccessKey: `\${${S3_ENV.secretAccessKey}}`,
                    s3ForcePathStyle: true,
                    insecure: false,
                    // The S3 certificate comes from vault-issuer (Loki s3_storage_config http_config.ca_file).
                    http_config: { ca_file: CA_FILE },
                },
            },
            schemaConfig: {
                configs: [{ from: "2026-11-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "index_", period: "24h" } }],
            },
            limits_config: { retention_period: LOKI_RETENTION },
            // Retention is the compactor's job in Loki 3 (the table manager is gone for tsdb); deletes need a store.
            compactor: { retention_enabled: true, delete_request_store: "s3", working_directory: "/var/loki/compactor" },
        },
        singleBinary: {
            replicas: 1,
            resources: resources("250m", "256Mi", "1000m", "1Gi"),
            extraArgs: ["-config.expand-env=true"],
            extraEnvFrom: [{ secretRef: { name: LOKI_S3_SECRET } }],
            extraVolumes: [ca.volume],
            extraVolumeMounts: [ca.mount],
            sidecar: false,
            // Seed 001 §7.5: 30Gi on local-path (the chunks themselves are in S3).
            persistence: { size: "30Gi", storageClass: args.storageClass },
        },
        write: { replicas: 0 },
        read: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        minio: { enabled: false },
    };
}

/** Arguments of `createLogs`. */
export interface LogsArgs {
    /** Provider of mgmt. */
    provider: k8s.Provider;
    /** Loki's bucket and credential on ObjectStorage (`platform/mgmt/s3-loki`). */
    s3: S3Target;
    /** Vault's PKI root CA (PEM), which the S3 certificate chains to. */
    vaultRootCaPem: pulumi.Input<string>;
    /** StorageClass of Loki's volume (`local-path`: the data that matters is in S3). */
    storageClass: string;
    /** The `vault-backend` ClusterSecretStore (ExternalSecrets.store). */
    secretStore: pulumi.Resource;
    /** What must exist first: the `logging` Namespace, the CNI, the S3 endpoint. Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** What `createLogs` made. */
export interface Logs {
    /** The Loki release. */
    release: k8s.helm.v3.Release;
}

/** Loki on mgmt: `${name}-loki-s3` (ExternalSecret), `${name}-loki-ca` (ConfigMap), `${name}-loki-release`. */
export function createLogs(name: string, args: LogsArgs, parent: pulumi.Resource): Logs {
    const opts = { parent, provider: args.provider, dependsOn: args.after };
    const credentials = platformExternalSecret(`${name}-loki-s3`, s3CredentialsExternalSecretArgs(LOKI_S3_SECRET, LOGGING_NAMESPACE, args.s3.credentialPath), {
        ...opts,
        dependsOn: [...args.after, args.secretStore],
    });
    const ca = caConfigMap(`${name}-loki-ca`, LOKI_CA_CONFIGMAP, LOGGING_NAMESPACE, args.vaultRootCaPem, opts);
    // The pod reads both at start, so both come first.
    const { release } = pinnedRelease(
        `${name}-loki`,
        {
            chart: CHARTS.loki,
            releaseName: LOKI_RELEASE,
            namespace: { existing: LOGGING_NAMESPACE },
            values: lokiValues({ s3: args.s3, storageClass: args.storageClass }),
            provider: args.provider,
            after: [...args.after, credentials, ca],
        },
        parent,
    );
    return { release };
}
