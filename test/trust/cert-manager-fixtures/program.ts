/**
 * A test program: one cluster's VaultClusterAuth and CertManager on stand-in providers, run under
 * the offline mocks by cert-manager.spec.ts and vault-cluster-auth.spec.ts (once, shared: run.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { CertManager } from "../../../components/cert-manager";
import { VaultClusterAuth } from "../../../components/vault-cluster-auth";
import { PROGRAM } from "./world";

const provider = new k8s.Provider("app1-k8s", { kubeconfig: pulumi.secret("offline") });
const vaultProvider = new vault.Provider("vault", { address: PROGRAM.vaultAddress, token: pulumi.secret("offline-onboarding-token") });
// Stand-ins for the CNI release and the Gateway's namespace.
const cni = new k8s.core.v1.ConfigMap("app1-cni", { metadata: { name: "cni", namespace: "kube-system" } }, { provider });
const gatewayNamespace = new k8s.core.v1.Namespace("app1-gateway-namespace", { metadata: { name: "gateway-system" } }, { provider });

const auth = new VaultClusterAuth("app1-vault-auth", {
    clusterName: PROGRAM.cluster,
    apiServerEndpoint: PROGRAM.apiServerEndpoint,
    clusterCaPem: PROGRAM.clusterCaPem,
    pkiSignPath: PROGRAM.pkiSignPath,
    vaultProvider,
    provider,
    after: [cni],
});
const certManager = new CertManager("app1-cert-manager", {
    clusterName: PROGRAM.cluster,
    vaultAddress: PROGRAM.vaultAddress,
    pkiSignPath: PROGRAM.pkiSignPath,
    vaultCaPem: PROGRAM.vaultCaPem,
    vaultAuth: auth,
    provider,
    after: [cni],
    gatewayAfter: [gatewayNamespace],
});

export const mountPath = auth.mountPath;
export const certManagerRole = auth.certManagerRole;
export const externalSecretsRole = auth.externalSecretsRole;
export const issuerName = certManager.issuerName;
