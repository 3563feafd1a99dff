/**
 * Velero on every cluster (seed 001 §15.1-15.2): resources and, with kopia file-system backup,
 * local-path volumes, to mgmt's S3 endpoint (bucket `velero`, one prefix per cluster).
 *
 * - The AWS object-store plugin (IMAGES.veleroPluginForAws) against `https://<serviceIps.s3>`:
 *   path-style, region us-east-1, trusting Vault's root CA (`caCert`), which the endpoint's
 *   certificate chains to.
 * - The credential (Vault `platform/shared/s3-velero`, shared by the clusters) reaches Velero only
 *   as the AWS credentials file an ExternalSecret renders into `velero-credentials` (`cloud` key,
 *   the chart's `existingSecret`): no Pulumi input carries it.
 * - No volume snapshots (local-path has none); every pod volume goes through the node agent with
 *   kopia (`defaultVolumesToFsBackup`; Restic is deprecated in Velero 1.15+).
 * - Schedules: daily at 02:00 kept 30 days (all namespaces but kube-system, whose state the etcd
 *   snapshots hold, and velero itself; seed 001 §15.2), hourly kept 7 days for the critical
 *   namespaces that exist on this cluster.
 * - The Schedules and the BackupStorageLocation are the chart's (values `schedules`,
 *   `configuration.backupStorageLocation`); `renderedSchedules`/`renderedBackupStorageLocation`
 *   render them as chart 12.1.0's templates do, so the tests check them against the Velero CRDs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, IMAGES } from "../../config/versions";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { namespaceMetadata } from "../lib/psa";
import { bucketOf, CREDENTIAL_FIELDS, credentialPath, S3_REGION } from "../object-storage/consumers";

export const VELERO_TYPE = "platform:backup:Velero";
/** The namespace (privileged: the node agent mounts the kubelet's pod volumes through hostPath). */
export const VELERO_NAMESPACE = PRIVILEGED_NAMESPACES.velero.namespace;
/** Helm's release name; with the chart named velero too, the chart's fullname is also `velero`. */
export const RELEASE_NAME = "velero";
/** The Secret with the AWS credentials file, key `cloud` (the key the chart mounts for `existingSecret`). */
export const CREDENTIALS_SECRET = "velero-credentials";
/** The one BackupStorageLocation. */
export const STORAGE_LOCATION = "default";
/** Namespaces the hourly schedule covers where they exist (seed 001 §15.2). */
export const CRITICAL_NAMESPACES = ["vault", "keycloak", "monitoring"] as const;

/**
 * Requests and limits: the server, the node agent (one per worker; kopia hashes and compresses), the
 * plugin copy, the upgrade-CRDs hook Job and kopia's repository maintenance Jobs.
 */
export const VELERO_RESOURCES = {
    server: resources("100m", "128Mi", "1", "512Mi"),
    nodeAgent: resources("100m", "256Mi", "1", "1Gi"),
    plugin: resources("50m", "64Mi", "200m", "128Mi"),
    job: resources("50m", "64Mi", "200m", "256Mi"),
    maintenance: resources("50m", "256Mi", "500m", "1Gi"),
};

/** The AWS credentials file the ExternalSecret renders (velero-plugin-for-aws README, "Set permissions for Velero"). */
export function credentialsExternalSecretArgs(clusterName: string): ExternalSecretArgs {
    return {
        name: CREDENTIALS_SECRET,
        namespace: VELERO_NAMESPACE,
        data: CREDENTIAL_FIELDS.map((field) => ({ secretKey: field, path: credentialPath(clusterName, "velero"), property: field })),
        template: {
            engineVersion: "v2",
            type: "Opaque",
            data: { cloud: "[default]\naws_access_key_id={{ .accessKeyId }}\naws_secret_access_key={{ .secretAccessKey }}\n" },
        },
    };
}

/** A chart schedule: the cron line and the Backup template. */
export interface ScheduleValues {
    schedule: string;
    template: Record<string, unknown>;
}

/** `schedules` values: daily for the cluster, hourly for `critical` (none when empty). */
export function veleroSchedules(critical: readonly string[]): Record<string, ScheduleValues> {
    const daily: ScheduleValues = {
        schedule: "0 2 * * *",
        template: {
            ttl: "720h",
            storageLocation: STORAGE_LOCATION,
            includedNamespaces: ["*"],
            excludedNamespaces: ["kube-system", VELERO_NAMESPACE],
            excludedResources: ["events", "events.events.k8s.io"],
            includeClusterResources: true,
        },
    };
    const hourly: ScheduleValues = {
        schedule: "0 * * * *",
        template: { ttl: "168h", storageLocation: STORAGE_LOCATION, includedNamespaces: [...critical] },
    };
    return critical.length > 0 ? { daily, "hourly-critical": hourly } : { daily };
}

/** The resolved inputs of the values. */
export interface VeleroValuesArgs {
    clusterName: string;
    /** https://<serviceIps.s3>. */
    s3Endpoint: string;
    /** Vault's root CA (PEM). */
    rootCaPem: string;
    /** The critical namespaces that exist on this cluster. */
    criticalNamespaces: readonly string[];
}

/** The BackupStorageLocation entry of `configuration.backupStorageLocation` (velero-plugin-for-aws BackupStorageLocation config). */
export function backupStorageLocation(args: VeleroValuesArgs): Record<string, unknown> {
    return {
        name: STORAGE_LOCATION,
        provider: "aws",
        bucket: bucketOf("velero"),
        prefix: args.clusterName,
        caCert: Buffer.from(args.rootCaPem).toString("base64"),
        default: true,
        config: {
            region: S3_REGION,
            s3ForcePathStyle: "true",
            s3Url: args.s3Endpoint.replace(/\/+$/, ""),
            // The plugin (aws-sdk-go-v2) adds CRC32 checksum headers by default, which S3-compatible
            // servers often reject (XAmzContentSHA256Mismatch); "" sends none.
            checksumAlgorithm: "",
        },
    };
}

/** Chart values (velero 12.1.0 values.yaml). */
export function veleroValues(args: VeleroValuesArgs): Record<string, unknown> {
    return {
        initContainers: [
            {
                name: "velero-plugin-for-aws",
                image: IMAGES.veleroPluginForAws,
                imagePullPolicy: "IfNotPresent",
                volumeMounts: [{ mountPath: "/target", name: "plugins" }],
                resources: VELERO_RESOURCES.plugin,
            },
        ],
        resources: VELERO_RESOURCES.server,
        // The upgrade-CRDs hook Job: its velero init container and its kubectl container.
        upgradeJobResources: VELERO_RESOURCES.job,
        kubectl: { resources: VELERO_RESOURCES.job },
        configuration: {
            backupStorageLocation: [backupStorageLocation(args)],
            volumeSnapshotLocation: [],
            uploaderType: "kopia",
            defaultVolumesToFsBackup: true,
            // values.yaml's commented `global.podResources` (the kopia maintenance Jobs).
            repositoryMaintenanceJob: {
                repositoryConfigData: {
                    global: {
                        podResources: {
                            cpuRequest: VELERO_RESOURCES.maintenance.requests.cpu,
                            cpuLimit: VELERO_RESOURCES.maintenance.limits.cpu,
                            memoryRequest: VELERO_RESOURCES.maintenance.requests.memory,
                            memoryLimit: VELERO_RESOURCES.maintenance.limits.memory,
                        },
                    },
                },
            },
        },
        credentials: { useSecret: true, existingSecret: CREDENTIALS_SECRET },
        snapshotsEnabled: false,
        deployNodeAgent: true,
        nodeAgent: { resources: VELERO_RESOURCES.nodeAgent },
        schedules: veleroSchedules(args.criticalNamespaces),
    };
}

/** Labels chart 12.1.0 puts on its objects (templates/_helpers.tpl). */
function chartLabels(): Record<string, string> {
    return {
        "app.kubernetes.io/name": "velero",
        "app.kubernetes.io/instance": RELEASE_NAME,
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": `velero-${CHARTS.velero.version}`,
    };
}

/** The Schedules the chart renders from `schedules` (templates/schedule.yaml: `<fullname>-<key>`, spec.schedule and spec.template). */
export function renderedSchedules(values: Record<string, any>): Record<string, any>[] {
    return Object.entries(values.schedules as Record<string, ScheduleValues>).map(([key, s]) => ({
        apiVersion: "velero.io/v1",
        kind: "Schedule",
        metadata: { name: `${RELEASE_NAME}-${key}`, namespace: VELERO_NAMESPACE, labels: chartLabels() },
        spec: { schedule: s.schedule, template: s.template },
    }));
}

/** The BackupStorageLocation the chart renders from the values' entry (templates/backupstoragelocation.yaml). */
export function renderedBackupStorageLocation(values: Record<string, any>): Record<string, any> {
    const bsl = values.configuration.backupStorageLocation[0];
    return {
        apiVersion: "velero.io/v1",
        kind: "BackupStorageLocation",
        metadata: { name: bsl.name, namespace: VELERO_NAMESPACE, labels: chartLabels() },
        spec: {
            provider: bsl.provider,
            default: bsl.default,
            accessMode: "ReadWrite",
            objectStorage: { bucket: bsl.bucket, prefix: bsl.prefix, caCert: bsl.caCert },
            config: bsl.config,
        },
    };
}

/** Arguments of Velero. */
export interface VeleroArgs {
    /** `cluster.name`: the prefix of this cluster's backups in the bucket. */
    clusterName: string;
    /** Provider of this cluster. */
    provider: k8s.Provider;
    /** mgmt's S3 endpoint, https://<serviceIps.s3>. */
    s3Endpoint: pulumi.Input<string>;
    /** Vault's PKI root CA (PEM): the S3 certificate chains to it. */
    rootCaPem: pulumi.Input<string>;
    /** This cluster's `vault-backend` ClusterSecretStore (ExternalSecrets.store). */
    secretStore: pulumi.Resource;
    /** The critical namespaces on this cluster (from CRITICAL_NAMESPACES): vault, keycloak, monitoring on mgmt; monitoring on app clusters. */
    criticalNamespaces: readonly string[];
    /** What must be running first (the CNI; the S3 endpoint on mgmt). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Velero with the AWS plugin, kopia node agent, and the daily and hourly schedules. */
export class Velero extends pulumi.ComponentResource {
    /** The release's namespace. */
    public readonly namespace: string;
    /** Where this cluster's backups go: s3://velero/<cluster>/. */
    public readonly backupLocation: string;

    constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
        super(VELERO_TYPE, name, {}, opts);
        const unknown = args.criticalNamespaces.filter((n) => !(CRITICAL_NAMESPACES as readonly string[]).includes(n));
        if (unknown.length > 0) {
            throw new Error(`Velero ${name}: ${unknown.join(", ")} not among the critical namespaces (${CRITICAL_NAMESPACES.join(", ")})`);
        }
        const k8sOpts = { parent: this, provider: args.provider };
        // Created here rather than by pinnedRelease: the credentials Secret must exist in it before the release.
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: namespaceMetadata({ privileged: PRIVILEGED_NAMESPACES.velero }) },
            k8sOpts,
        );
        const credentials = platformExternalSecret(`${name}-credentials`, credentialsExternalSecretArgs(args.clusterName), {
            ...k8sOpts,
            dependsOn: [namespace, args.secretStore],
        });
        const values = pulumi
            .all([args.s3Endpoint, args.rootCaPem])
            .apply(([s3Endpoint, rootCaPem]) =>
                veleroValues({ clusterName: args.clusterName, s3Endpoint, rootCaPem, criticalNamespaces: args.criticalNamespaces }),
            );
        pinnedRelease(
            name,
            {
                chart: CHARTS.velero,
                releaseName: RELEASE_NAME,
                namespace: { existing: VELERO_NAMESPACE },
                values,
                provider: args.provider,
                after: [...args.after, namespace, credentials],
            },
            this,
        );
        this.namespace = VELERO_NAMESPACE;
        this.backupLocation = `s3://${bucketOf("velero")}/${args.clusterName}/`;
        this.registerOutputs({ namespace: this.namespace, backupLocation: this.backupLocation });
    }
}
