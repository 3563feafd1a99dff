/**
 * ObjectStorage (mgmt only): the platform's S3 endpoint, with one bucket and one credential per
 * consumer (Velero, Thanos, Loki, Tempo).
 *
 * - The server is SeaweedFS (seaweedfs.ts says why and how to swap it), as typed resources: no
 *   maintained chart's values could be checked here, and the plan then shows every object.
 * - https on 443 everywhere: a ClusterIP Service for in-cluster clients and a LoadBalancer Service
 *   on the fixed IP `network.serviceIps.s3` for the app clusters, with a certificate from
 *   `vault-issuer`. Clients trust Vault's root CA.
 * - Credentials are random, written to Vault (write-only, `dataJsonWo`), and reach the server only
 *   through an ExternalSecret that renders its identities file: they exist in Vault and, encrypted,
 *   in the Pulumi state, nowhere else.
 * - Rotation: raise `credentialsVersion`. New passwords are generated (keepers), written to Vault
 *   as a new KV version, the ExternalSecret's template changes (ESO re-syncs on a spec change, not
 *   only hourly), and the pod template's annotation rolls the server, whose init container waits
 *   until the refreshed Secret carries the new version. Consumers pick the new keys up within their
 *   own ExternalSecrets' refresh (at most 1 h), so rotate when a short S3 outage is acceptable.
 */
import * as k8s from "@pulumi/kubernetes";
import type { input as Inputs } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { IMAGES } from "../../config/versions";
import { CertificateArgs, platformCertificate } from "../lib/certificate";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { namespaceMetadata } from "../lib/psa";
import { KV_MOUNT } from "../lib/trust";
import { METALLB_ANNOTATIONS, servicePoolName } from "../metallb";
import { bucketOf, CREDENTIAL_FIELDS, credentialPath, S3_CONSUMERS, S3_REGION, S3Consumer, secretKeyOf } from "./consumers";
import { bucketJob, identitiesTemplate, PORTS, SERVER_NAME, serverStatefulSet } from "./seaweedfs";

export { bucketOf, credentialPath, S3_CONSUMERS, S3_REGION } from "./consumers";
export type { S3Consumer } from "./consumers";

/** Namespace of the server. PSS restricted: the server runs non-root with a read-only root and no capabilities. */
export const S3_NAMESPACE = "object-storage";
/** The ClusterIP Service in-cluster clients use. */
export const S3_SERVICE = "s3";
/** The LoadBalancer Service on the fixed IP, for the app clusters. */
export const S3_LB_SERVICE = "s3-lb";
/** cert-manager's TLS Secret the server mounts. */
export const S3_TLS_SECRET = "s3-tls";
/** The Secret (and ExternalSecret) holding the server's identities file. */
export const S3_IDENTITIES_SECRET = "s3-identities";
/** What clients are told about trust: the endpoint's certificate chains to Vault's PKI root. */
export const S3_CA_NOTE =
    "The S3 certificate is issued by cert-manager's vault-issuer from Vault's pki_int; clients trust Vault's root CA (components/vault-pki), not a CA of the S3 server.";

/** Pod selector of the server; the NetworkPolicy admits the admin ports from pods with this `name`. */
const NAME_LABEL = { "app.kubernetes.io/name": SERVER_NAME };

/**
 * Seed 002's label standard (svc, team, region, release_id) plus the component: the cluster is the
 * region (each lab cluster is its own failure domain), the release is the image tag.
 */
export function objectStorageLabels(clusterName: string, component: "server" | "buckets"): Record<string, string> {
    return {
        ...NAME_LABEL,
        "app.kubernetes.io/component": component,
        svc: "s3",
        team: "platform-storage",
        region: clusterName,
        release_id: IMAGES.seaweedfs.split(":").pop() as string,
    };
}

/** The certificate's names: the LoadBalancer IP, the name on the lab's domain, and the in-cluster Service name. */
export function s3CertificateArgs(clusterName: string, s3Ip: string): CertificateArgs {
    return {
        name: S3_TLS_SECRET,
        namespace: S3_NAMESPACE,
        secretName: S3_TLS_SECRET,
        // Only names the `k8s-certs` role allows (seed 001 §11.3: local.dev, svc.cluster.local, ...); `<svc>.<ns>.svc` is not among them.
        dnsNames: [`s3.${clusterName}.local.dev`, inClusterHost()],
        ipAddresses: [s3Ip],
    };
}

/** The ClusterIP Service's fully qualified name. */
function inClusterHost(): string {
    return `${S3_SERVICE}.${S3_NAMESPACE}.svc.cluster.local`;
}

/** The ExternalSecret that writes the server's identities from the four credentials in Vault. */
export function identitiesExternalSecretArgs(clusterName: string, credentialsVersion: number): ExternalSecretArgs {
    return {
        name: S3_IDENTITIES_SECRET,
        namespace: S3_NAMESPACE,
        data: S3_CONSUMERS.flatMap((consumer) =>
            CREDENTIAL_FIELDS.map((field) => ({ secretKey: secretKeyOf(consumer, field), path: credentialPath(clusterName, consumer), property: field })),
        ),
        template: identitiesTemplate(S3_CONSUMERS, credentialsVersion),
    };
}

/** The three Services: governing (headless, master and filer for the bucket Job), in-cluster https, LoadBalancer https on the fixed IP. */
export function s3Services(
    clusterName: string,
    s3Ip: string,
): { headless: Inputs.core.v1.Service; cluster: Inputs.core.v1.Service; lb: Inputs.core.v1.Service } {
    const https = [{ name: "https", port: 443, targetPort: "s3", protocol: "TCP" }];
    return {
        headless: {
            metadata: { name: SERVER_NAME, namespace: S3_NAMESPACE },
            spec: {
                clusterIP: "None",
                selector: NAME_LABEL,
                ports: [
                    { name: "master", port: PORTS.master, targetPort: "master" },
                    { name: "master-grpc", port: PORTS.masterGrpc, targetPort: "master-grpc" },
                    { name: "filer", port: PORTS.filer, targetPort: "filer" },
                    { name: "filer-grpc", port: PORTS.filerGrpc, targetPort: "filer-grpc" },
                ],
            },
        },
        cluster: { metadata: { name: S3_SERVICE, namespace: S3_NAMESPACE }, spec: { type: "ClusterIP", selector: NAME_LABEL, ports: https } },
        lb: {
            metadata: {
                name: S3_LB_SERVICE,
                namespace: S3_NAMESPACE,
                annotations: { [METALLB_ANNOTATIONS.ips]: s3Ip, [METALLB_ANNOTATIONS.pool]: servicePoolName(clusterName) },
            },
            spec: { type: "LoadBalancer", selector: NAME_LABEL, ports: https },
        },
    };
}

/**
 * Ingress to the server: S3 from anywhere (in-cluster clients and the LoadBalancer), everything
 * else (master, filer, volume server) only from pods of the server itself and the bucket Job. The
 * filer answers without credentials, so nothing else may reach it.
 */
export function s3NetworkPolicy(): Inputs.networking.v1.NetworkPolicy {
    return {
        metadata: { name: SERVER_NAME, namespace: S3_NAMESPACE },
        spec: {
            podSelector: { matchLabels: { ...NAME_LABEL, "app.kubernetes.io/component": "server" } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ protocol: "TCP", port: PORTS.s3 }] }, { from: [{ podSelector: { matchLabels: NAME_LABEL } }] }],
        },
    };
}

/** Arguments of ObjectStorage. */
export interface ObjectStorageArgs {
    /** Cluster name (mgmt): the region label, the KV path of the mgmt-only credentials, the MetalLB service pool. */
    clusterName: string;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** Provider of mgmt's Vault (components/vault-pki), which the credentials are written to. */
    vaultProvider: vault.Provider;
    /** The fixed LoadBalancer IP of the endpoint (`network.serviceIps.s3`). */
    s3Ip: string;
    /** StorageClass of the data volume: `local-path-retain`, so deleting the claim keeps the data. */
    storageClass: string;
    /** Size of the data volume (local-path does not enforce it; it is what the claim asks for). Default 50Gi (seed 001 §7.5). */
    storageSize?: string;
    /** Generation of the credentials; raising it by one rotates all four (see the module comment). Default 1. */
    credentialsVersion?: number;
    /** What must be running first: the CNI, the StorageClass and MetalLB's service pool. Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /** What must exist in Vault before credentials are written: the KV v2 mount `secret`. */
    vaultKv: pulumi.Resource[];
    /** The ClusterIssuer `vault-issuer`. */
    issuer: pulumi.Resource[];
    /** The `vault-backend` ClusterSecretStore of this cluster (ExternalSecrets.store). */
    secretStore: pulumi.Resource;
}

/** The S3 endpoint on mgmt. */
export class ObjectStorage extends pulumi.ComponentResource {
    /** https://<s3Ip>: what app clusters use. */
    public readonly endpoint: string;
    /** https://s3.object-storage.svc.cluster.local: what mgmt's own clients use. */
    public readonly inClusterEndpoint: string;
    /** The buckets, one per consumer. */
    public readonly buckets: string[];
    /** Each consumer's KV path (fields `accessKeyId`, `secretAccessKey`) below the `secret` mount. */
    public readonly credentialPaths: Record<S3Consumer, string>;
    /** The region clients must sign with. */
    public readonly region: string;
    /** Which CA clients trust. */
    public readonly caPemNote: string;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:trust:ObjectStorage", name, {}, opts);
        const version = args.credentialsVersion ?? 1;
        const k8sOpts = { parent: this, provider: args.provider };
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: namespaceMetadata({ name: S3_NAMESPACE, level: "restricted" }) }, k8sOpts);
        const inNamespace = { ...k8sOpts, dependsOn: [ns] };

        // Alphanumeric, so the identities file needs no escaping; 20 and 40 characters as AWS keys are.
        // The keepers regenerate both when the version is raised.
        const keepers = { credentialsVersion: String(version) };
        const credentials = S3_CONSUMERS.map((consumer) => {
            const accessKey = new random.RandomPassword(
                `${name}-${consumer}-access-key`,
                { length: 20, lower: false, upper: true, numeric: true, special: false, keepers },
                { parent: this },
            );
            const secretKey = new random.RandomPassword(`${name}-${consumer}-secret-key`, { length: 40, special: false, keepers }, { parent: this });
            const data = pulumi.secret(
                pulumi.all([accessKey.result, secretKey.result]).apply(([accessKeyId, secretAccessKey]) => JSON.stringify({ accessKeyId, secretAccessKey })),
            );
            // Write-only: the provider sends the data and keeps none of it in its state; the version tells it when to write again.
            return new vault.kv.SecretV2(
                `${name}-${consumer}-credential`,
                { mount: KV_MOUNT, name: credentialPath(args.clusterName, consumer), dataJsonWo: data, dataJsonWoVersion: version, deleteAllVersions: true },
                { parent: this, provider: args.vaultProvider, dependsOn: args.vaultKv },
            );
        });

        // ESO reads the four entries, so they must be written first.
        const identities = platformExternalSecret(`${name}-identities`, identitiesExternalSecretArgs(args.clusterName, version), {
            ...k8sOpts,
            dependsOn: [ns, args.secretStore, ...credentials],
        });
        const certificate = platformCertificate(`${name}-certificate`, s3CertificateArgs(args.clusterName, args.s3Ip), {
            ...k8sOpts,
            dependsOn: [ns, ...args.issuer],
        });
        const services = s3Services(args.clusterName, args.s3Ip);
        const headless = new k8s.core.v1.Service(`${name}-headless`, services.headless, inNamespace);
        new k8s.core.v1.Service(`${name}-service`, services.cluster, inNamespace);
        // MetalLB must run with its service pool before the address can be assigned.
        new k8s.core.v1.Service(`${name}-lb`, services.lb, { ...k8sOpts, dependsOn: [ns, ...args.after] });
        new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, s3NetworkPolicy(), inNamespace);

        // The pod mounts the certificate's and the ExternalSecret's Secrets; Pulumi waits until it is ready.
        const server = new k8s.apps.v1.StatefulSet(
            `${name}-server`,
            serverStatefulSet({
                namespace: S3_NAMESPACE,
                labels: objectStorageLabels(args.clusterName, "server"),
                selector: NAME_LABEL,
                storageClass: args.storageClass,
                storageSize: args.storageSize ?? "50Gi",
                tlsSecret: S3_TLS_SECRET,
                identitiesSecret: S3_IDENTITIES_SECRET,
                credentialsVersion: version,
            }),
            { ...k8sOpts, dependsOn: [...args.after, headless, certificate, identities] },
        );
        this.buckets = S3_CONSUMERS.map(bucketOf);
        // A Job's pod template is immutable: a change of buckets replaces the Job, which runs again (it is idempotent).
        new k8s.batch.v1.Job(
            `${name}-buckets`,
            bucketJob({ name: "s3-buckets", namespace: S3_NAMESPACE, labels: objectStorageLabels(args.clusterName, "buckets"), buckets: this.buckets }),
            { ...k8sOpts, dependsOn: [server] },
        );

        this.endpoint = `https://${args.s3Ip}`;
        this.inClusterEndpoint = `https://${inClusterHost()}`;
        this.credentialPaths = Object.fromEntries(S3_CONSUMERS.map((c) => [c, credentialPath(args.clusterName, c)])) as Record<S3Consumer, string>;
        this.region = S3_REGION;
        this.caPemNote = S3_CA_NOTE;
        this.registerOutputs({
            endpoint: this.endpoint,
            inClusterEndpoint: this.inClusterEndpoint,
            buckets: this.buckets,
            credentialPaths: this.credentialPaths,
            region: this.region,
            caPemNote: this.caPemNote,
        });
    }
}
