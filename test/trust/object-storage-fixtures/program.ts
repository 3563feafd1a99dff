/**
 * A test program: mgmt's trust add-ons that this folder's specs test, ExternalSecrets and
 * ObjectStorage, wired as the mgmt stack would wire them, on stand-ins for what other components
 * provide (the CNI, Vault's KV mount and mgmt's auth mount, the vault-issuer ClusterIssuer).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { ExternalSecrets } from "../../../components/external-secrets";
import { ObjectStorage } from "../../../components/object-storage";
import { CLUSTER, S3_IP, VAULT_ADDRESS, VAULT_CA_PEM } from "./constants";

const provider = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
const vaultProvider = new vault.Provider("vault", { address: VAULT_ADDRESS, token: pulumi.secret("offline-root-token"), skipChildToken: true });
const cni = new k8s.core.v1.ConfigMap("cni-stand-in", { metadata: { name: "cni-stand-in", namespace: "kube-system" } }, { provider });
const kv = new vault.Mount("kv", { path: "secret", type: "kv", options: { version: "2" } }, { provider: vaultProvider });
const auth = new vault.AuthBackend("auth", { type: "kubernetes", path: "kubernetes-mgmt" }, { provider: vaultProvider });
const issuer = new k8s.apiextensions.CustomResource(
    "issuer",
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "vault-issuer" }, spec: {} },
    { provider },
);

const eso = new ExternalSecrets("eso", {
    clusterName: CLUSTER,
    provider,
    vaultAddress: VAULT_ADDRESS,
    vaultCaPem: VAULT_CA_PEM,
    after: [cni],
    vaultAuth: [auth],
});
const s3 = new ObjectStorage("s3", {
    clusterName: CLUSTER,
    provider,
    vaultProvider,
    s3Ip: S3_IP,
    storageClass: "local-path-retain",
    after: [cni],
    vaultKv: [kv],
    issuer: [issuer],
    secretStore: eso.store,
});

export const storeName = eso.storeName;
export const endpoint = s3.endpoint;
export const inClusterEndpoint = s3.inClusterEndpoint;
export const buckets = s3.buckets;
export const credentialPaths = s3.credentialPaths;
export const region = s3.region;
export const caPemNote = s3.caPemNote;
