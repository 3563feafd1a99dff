/**
 * Who uses the S3 endpoint, and where each consumer's credential lives in Vault. Independent of
 * the S3 server: swapping the server (seaweedfs.ts) changes none of this, so no consumer changes.
 */
import { kvPath } from "../lib/trust";

/** The consumers, one bucket and one credential each (issues 10 and 11). */
export const S3_CONSUMERS = ["velero", "thanos", "loki", "tempo"] as const;
export type S3Consumer = (typeof S3_CONSUMERS)[number];

/** The KV fields of a credential; clients read them by these names. */
export const CREDENTIAL_FIELDS = ["accessKeyId", "secretAccessKey"] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

/**
 * The region clients must sign with. The server ignores it, but SigV4 signs the region into every
 * request, so every client (Thanos, Loki, Tempo, Velero's `region`) must pass the same one.
 */
export const S3_REGION = "us-east-1";

/** A consumer's bucket: named after it, so a credential's scope reads at a glance. */
export function bucketOf(consumer: S3Consumer): string {
    return consumer;
}

/**
 * A consumer's KV path below the mount. Velero runs on every cluster and reads one shared
 * credential (each cluster writes under its own prefix); the others run only on `clusterName` (mgmt).
 */
export function credentialPath(clusterName: string, consumer: S3Consumer): string {
    return consumer === "velero" ? kvPath("shared", "s3-velero") : kvPath({ cluster: clusterName }, `s3-${consumer}`);
}

/** Key of one credential field in the identities Secret the ExternalSecret writes (Secret keys and template variables allow `_`). */
export function secretKeyOf(consumer: S3Consumer, field: CredentialField): string {
    return `${consumer}_${field}`;
}
