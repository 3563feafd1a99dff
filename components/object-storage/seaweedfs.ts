/**
 * The S3 server: SeaweedFS (Apache-2.0), one `weed server -filer -s3` process (master, volume
 * server, filer and S3 gateway) in a one-replica StatefulSet.
 *
 * Why SeaweedFS (the MinIO community edition is archived and its images are gone):
 * - maintained: weekly releases through 2026 (4.47 on 2026-09-15), a decade of history;
 * - single node is one process (`weed server`), no cluster layout step (Garage needs
 *   `garage layout assign/apply` and keys made through its admin API before first use);
 * - static credentials: `-s3.config` reads identities from a JSON file, each scoped to one bucket
 *   by its actions (`Read:<bucket>`...; `weed s3 -h`), so a Secret rendered from Vault is the whole
 *   credential store; RustFS only takes a root user from env and adds others through its admin API;
 * - path-style S3 by default (virtual-host only with `-s3.domainName`), which Thanos, Loki, Tempo
 *   and Velero (`s3ForcePathStyle`) use;
 * - serves TLS itself (`-s3.cert.file`/`-s3.key.file`) and re-reads the files when cert-manager
 *   renews them (pemfile provider, weed/command/s3.go), so renewal needs no restart.
 *
 * Swapping the server: write a module with the same exports (image and ports, `identitiesTemplate`
 * rendering that server's credential file from the same Secret keys, `serverStatefulSet`,
 * `bucketJob` or the server's own bucket config) and import it in index.ts instead. Services,
 * certificate, credentials, Vault paths and every consumer stay as they are.
 */
import type { input as Inputs } from "@pulumi/kubernetes/types";
import { IMAGES } from "../../config/versions";
import { LABEL_DOMAIN } from "../../policy-pack/conventions";
import { resources } from "../lib/pinned-release";
import { bucketOf, S3Consumer, secretKeyOf } from "./consumers";

/** Name of the StatefulSet, its pods and its governing (headless) Service. */
export const SERVER_NAME = "seaweedfs";
/** Image of the server and of the bucket Job (its `weed shell`). */
export const SERVER_IMAGE = IMAGES.seaweedfs;

/** Container ports: S3 (https), and the master and filer with their gRPC ports (http port + 10000, weed's convention). */
export const PORTS = { s3: 8333, master: 9333, masterGrpc: 19333, filer: 8888, filerGrpc: 18888 } as const;

/** The identities file in the identities Secret, and the key carrying the credentials version. */
export const IDENTITIES_FILE = "identities.json";
export const VERSION_FILE = "credentials-version";

/** Pod annotation carrying the credentials version: raising it rolls the pod, which re-reads the identities. */
export const CREDENTIALS_VERSION_ANNOTATION = `${LABEL_DOMAIN}/s3-credentials-version`;

const PATHS = { data: "/data", tls: "/etc/seaweedfs/tls", identities: "/etc/seaweedfs/s3", tmp: "/tmp" };
/** The image's `weed` binary (the upstream chart calls it by this path). */
const WEED = "/usr/bin/weed";
/** Non-root uid/gid the server and the Job run as; the data volume (local-path, mode 0777) and fsGroup-owned Secrets are writable/readable by it. */
const UID = 1000;

/** Actions of one consumer, each limited to its own bucket (`<Action>:<bucket>`); no `Admin`, so no consumer creates or deletes buckets. */
const BUCKET_ACTIONS = ["Read", "Write", "List", "Tagging"];

/** One consumer's identity in the server's config. */
export interface Identity {
    consumer: S3Consumer;
    accessKey: string;
    secretKey: string;
}

/**
 * The `-s3.config` file: one identity per consumer, allowed only on its bucket. There is no
 * `anonymous` identity, so unsigned requests are refused.
 */
export function identitiesConfig(identities: Identity[]): { identities: Array<Record<string, unknown>> } {
    return {
        identities: identities.map((i) => ({
            name: i.consumer,
            credentials: [{ accessKey: i.accessKey, secretKey: i.secretKey }],
            actions: BUCKET_ACTIONS.map((a) => `${a}:${bucketOf(i.consumer)}`),
        })),
    };
}

/** `{{ .key }}`: an ESO template (engine v2, Go text/template) variable. */
function templateVariable(key: string): string {
    return `{{ .${key} }}`;
}

/**
 * The ExternalSecret `target.template` that renders the identities file from the Secret keys
 * `<consumer>_accessKeyId` and `<consumer>_secretAccessKey`. The credentials are alphanumeric
 * (index.ts), so they need no JSON escaping. The version key is what the init container waits for.
 */
export function identitiesTemplate(consumers: readonly S3Consumer[], credentialsVersion: number): Record<string, unknown> {
    const config = identitiesConfig(
        consumers.map((consumer) => ({
            consumer,
            accessKey: templateVariable(secretKeyOf(consumer, "accessKeyId")),
            secretKey: templateVariable(secretKeyOf(consumer, "secretAccessKey")),
        })),
    );
    return {
        engineVersion: "v2",
        type: "Opaque",
        data: { [IDENTITIES_FILE]: JSON.stringify(config), [VERSION_FILE]: String(credentialsVersion) },
    };
}

/**
 * Init container script: wait until the mounted identities Secret carries the credentials version
 * of this pod template. After a rotation the pod rolls at once, while ESO writes the new Secret and
 * the kubelet refreshes the volume a little later; starting before would load the old identities.
 */
export function waitForIdentitiesScript(): string {
    return [
        "set -euo pipefail",
        "for attempt in $(seq 1 120); do",
        '    have="$(cat "$VERSION_PATH" 2>/dev/null || true)"',
        '    if [ "$have" = "$CREDENTIALS_VERSION" ]; then',
        '        echo "identities at credentials version $have"',
        "        exit 0",
        "    fi",
        '    echo "attempt $attempt: identities at version ${have:-none}, waiting for $CREDENTIALS_VERSION"',
        "    sleep 5",
        "done",
        'echo "identities never reached credentials version $CREDENTIALS_VERSION; check the ExternalSecret that writes them" >&2',
        "exit 1",
        "",
    ].join("\n");
}

/**
 * The bucket Job's script: list, create only what is missing, list again and fail unless every
 * bucket exists, so it is safe to re-run. `weed shell` (on the image's PATH) reads commands on stdin (as the upstream
 * chart's bucket hook runs it); `timeout` bounds a server that does not answer.
 */
export function bucketScript(buckets: readonly string[]): string {
    return [
        "set -euo pipefail",
        "weed_shell() {",
        `    printf '%s\\n' "$1" | timeout 60 weed shell -master="$MASTER" -filer="$FILER"`,
        "}",
        "# s3.bucket.list prints one line per bucket: the name after blanks (and, on stdin, maybe a prompt), a tab, size:...",
        "has_bucket() {",
        `    printf '%s\\n' "$1" | grep -Eq "(^|[[:space:]])$2[[:space:]]+size:"`,
        "}",
        'listing=""',
        "for attempt in $(seq 1 30); do",
        '    if listing="$(weed_shell s3.bucket.list)"; then',
        "        break",
        "    fi",
        '    echo "attempt $attempt: SeaweedFS does not answer yet" >&2',
        "    sleep 5",
        "done",
        `for bucket in ${buckets.join(" ")}; do`,
        '    if has_bucket "$listing" "$bucket"; then',
        '        echo "bucket $bucket exists"',
        "    else",
        '        weed_shell "s3.bucket.create -name $bucket"',
        "    fi",
        "done",
        'listing="$(weed_shell s3.bucket.list)"',
        "missing=0",
        `for bucket in ${buckets.join(" ")}; do`,
        '    if ! has_bucket "$listing" "$bucket"; then',
        '        echo "bucket $bucket is missing after create" >&2',
        "        missing=1",
        "    fi",
        "done",
        'exit "$missing"',
        "",
    ].join("\n");
}

/** Pod security of the server and the Job: PSS restricted (non-root, no capabilities, RuntimeDefault seccomp), read-only root. */
const POD_SECURITY = { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: "RuntimeDefault" } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
/** Writable scratch (weed's unix sockets, shell history) on the read-only root. */
const TMP = { volume: { name: "tmp", emptyDir: { sizeLimit: "256Mi" } }, mount: { name: "tmp", mountPath: PATHS.tmp } };

/** Arguments of `serverStatefulSet`. */
export interface ServerArgs {
    /** Namespace of the StatefulSet. */
    namespace: string;
    /** Labels of the StatefulSet and its pods (seed 002's standard plus `selector`). */
    labels: Record<string, string>;
    /** The pod selector, a subset of `labels`. */
    selector: Record<string, string>;
    /** StorageClass of the data volume (`local-path-retain`: the data outlives the claim). */
    storageClass: string;
    /** Size of the data volume. */
    storageSize: string;
    /** The TLS Secret cert-manager writes (tls.crt, tls.key). */
    tlsSecret: string;
    /** The identities Secret the ExternalSecret writes. */
    identitiesSecret: string;
    /** Credentials version: the init container waits for the identities to carry it. */
    credentialsVersion: number;
}

/** The server: `weed server` with filer and S3 over TLS, identities from the Secret, data on a retained local volume. */
export function serverStatefulSet(args: ServerArgs): Inputs.apps.v1.StatefulSet {
    const version = String(args.credentialsVersion);
    return {
        metadata: { name: SERVER_NAME, namespace: args.namespace, labels: args.labels },
        spec: {
            replicas: 1,
            serviceName: SERVER_NAME,
            selector: { matchLabels: args.selector },
            template: {
                metadata: { labels: args.labels, annotations: { [CREDENTIALS_VERSION_ANNOTATION]: version } },
                spec: {
                    // The server never talks to the Kubernetes API.
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    terminationGracePeriodSeconds: 60,
                    securityContext: { ...POD_SECURITY, fsGroupChangePolicy: "OnRootMismatch" },
                    initContainers: [
                        {
                            name: "wait-for-identities",
                            image: SERVER_IMAGE,
                            command: ["/bin/sh", "-c", waitForIdentitiesScript()],
                            env: [
                                { name: "VERSION_PATH", value: `${PATHS.identities}/${VERSION_FILE}` },
                                { name: "CREDENTIALS_VERSION", value: version },
                            ],
                            volumeMounts: [{ name: "identities", mountPath: PATHS.identities, readOnly: true }],
                            resources: resources("10m", "16Mi", "50m", "32Mi"),
                            securityContext: CONTAINER_SECURITY,
                        },
                    ],
                    containers: [
                        {
                            name: "seaweedfs",
                            image: SERVER_IMAGE,
                            command: [WEED],
                            args: [
                                "server",
                                `-dir=${PATHS.data}`,
                                // Advertise the pod IP (as the upstream chart does); listen on all addresses so the bucket Job reaches master and filer.
                                "-ip=$(POD_IP)",
                                "-ip.bind=0.0.0.0",
                                // Each bucket is a collection of its own volumes: small volumes keep four buckets within one disk (wiki "Amazon S3 API").
                                "-master.volumeSizeLimitMB=1024",
                                "-volume.max=0",
                                "-filer",
                                "-s3",
                                `-s3.port=${PORTS.s3}`,
                                `-s3.config=${PATHS.identities}/${IDENTITIES_FILE}`,
                                // With a key file and no -s3.port.https, the S3 port serves https only.
                                `-s3.cert.file=${PATHS.tls}/tls.crt`,
                                `-s3.key.file=${PATHS.tls}/tls.key`,
                            ],
                            env: [
                                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                                { name: "HOME", value: PATHS.tmp },
                            ],
                            ports: [
                                { name: "s3", containerPort: PORTS.s3 },
                                { name: "master", containerPort: PORTS.master },
                                { name: "master-grpc", containerPort: PORTS.masterGrpc },
                                { name: "filer", containerPort: PORTS.filer },
                                { name: "filer-grpc", containerPort: PORTS.filerGrpc },
                            ],
                            // Up once the S3 listener accepts; alive while the master answers its status page (the chart's master probe).
                            startupProbe: { tcpSocket: { port: "s3" }, periodSeconds: 5, failureThreshold: 60 },
                            readinessProbe: { tcpSocket: { port: "s3" }, periodSeconds: 10, failureThreshold: 3 },
                            livenessProbe: { httpGet: { path: "/cluster/status", port: "master" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                            resources: resources("100m", "256Mi", "1000m", "1Gi"),
                            securityContext: CONTAINER_SECURITY,
                            volumeMounts: [
                                { name: "data", mountPath: PATHS.data },
                                { name: "tls", mountPath: PATHS.tls, readOnly: true },
                                { name: "identities", mountPath: PATHS.identities, readOnly: true },
                                TMP.mount,
                            ],
                        },
                    ],
                    volumes: [
                        { name: "tls", secret: { secretName: args.tlsSecret, defaultMode: 0o440 } },
                        { name: "identities", secret: { secretName: args.identitiesSecret, defaultMode: 0o440 } },
                        TMP.volume,
                    ],
                },
            },
            volumeClaimTemplates: [
                {
                    metadata: { name: "data" },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.storageClass, resources: { requests: { storage: args.storageSize } } },
                },
            ],
        },
    };
}

/** Arguments of `bucketJob`. */
export interface BucketJobArgs {
    /** Name of the Job. */
    name: string;
    /** Namespace of the Job (the server's). */
    namespace: string;
    /** Labels of the Job and its pod; the server's NetworkPolicy admits the admin ports from pods with the server's `name` label. */
    labels: Record<string, string>;
    /** The buckets to ensure. */
    buckets: readonly string[];
}

/** The Job that ensures the buckets through master and filer on the headless Service; re-running it changes nothing. */
export function bucketJob(args: BucketJobArgs): Inputs.batch.v1.Job {
    const host = `${SERVER_NAME}.${args.namespace}.svc.cluster.local`;
    return {
        metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
        spec: {
            backoffLimit: 6,
            activeDeadlineSeconds: 900,
            template: {
                metadata: { labels: args.labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    securityContext: POD_SECURITY,
                    containers: [
                        {
                            name: "buckets",
                            image: SERVER_IMAGE,
                            command: ["/bin/sh", "-c", bucketScript(args.buckets)],
                            env: [
                                { name: "MASTER", value: `${host}:${PORTS.master}` },
                                { name: "FILER", value: `${host}:${PORTS.filer}` },
                                { name: "HOME", value: PATHS.tmp },
                            ],
                            resources: resources("50m", "64Mi", "200m", "128Mi"),
                            securityContext: CONTAINER_SECURITY,
                            volumeMounts: [TMP.mount],
                        },
                    ],
                    volumes: [TMP.volume],
                },
            },
        },
    };
}
