/**
 * The one shape of an ExternalSecret the platform creates: external-secrets.io/v1 from the
 * `vault-backend` ClusterSecretStore, refreshed hourly, and Retain on deletion, so a Vault outage
 * never removes a Secret a workload runs on (seed 001 §5.3 degraded mode; the pack's
 * `external-secret-lifecycle` rule checks all three).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_SECRET_STORE } from "./trust";

/** How often the operator re-reads Vault. */
export const REFRESH_INTERVAL = "1h";

/** One key of the target Secret and the Vault field it comes from. */
export interface SecretKeyFrom {
    /** Key in the Kubernetes Secret. */
    secretKey: string;
    /** KV path below the mount (`kvPath`). */
    path: string;
    /** Field of the KV entry. */
    property: string;
}

/** Arguments of `externalSecretSpec`. */
export interface ExternalSecretArgs {
    /** Name of the ExternalSecret and of the Secret it writes. */
    name: string;
    /** Namespace of both. */
    namespace: string;
    /** The keys of the Secret. */
    data: SecretKeyFrom[];
    /** Optional template of the Secret (external-secrets.io/v1 `target.template`), e.g. to render a config file from the keys. */
    template?: Record<string, unknown>;
}

/** The ExternalSecret object; a pure function so tests validate it against the upstream CRD. */
export function externalSecretSpec(args: ExternalSecretArgs): Record<string, any> {
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: args.name, namespace: args.namespace },
        spec: {
            refreshInterval: REFRESH_INTERVAL,
            secretStoreRef: { kind: "ClusterSecretStore", name: CLUSTER_SECRET_STORE },
            target: { name: args.name, creationPolicy: "Owner", deletionPolicy: "Retain", ...(args.template ? { template: args.template } : {}) },
            // The v2 engine's paths are given without `data/`; the provider adds it (ESO vault provider docs, "version: v2").
            data: args.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.path, property: d.property } })),
        },
    };
}

/** Creates the ExternalSecret `name` once `after` (the operator and its store) is ready. */
export function platformExternalSecret(name: string, args: ExternalSecretArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, externalSecretSpec(args) as k8s.apiextensions.CustomResourceArgs, opts);
}
