/**
 * A test program: the Keycloak component on its own, run under the offline mocks by
 * test/trust/keycloak.spec.ts. Stand-ins for what the stack passes: the mgmt cluster's provider,
 * Vault's provider (the token a secret, as the VaultPki step yields it) and a dependency that
 * stands for the CNI, the issuer and the secret store. Config `test:keycloakIp`, `test:vaultRootCaPem`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { Keycloak } from "../../../components/keycloak";

const config = new pulumi.Config("test");

const provider = new k8s.Provider("mgmt", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
const vaultProvider = new vault.Provider("vault", { address: "https://192.168.64.201:8200", token: pulumi.secret("offline-plan-placeholder-token") });
const prerequisites = new k8s.core.v1.Namespace("prerequisites", { metadata: { name: "prerequisites" } }, { provider });

const kc = new Keycloak("keycloak", {
    clusterName: "mgmt",
    keycloakIp: config.require("keycloakIp"),
    provider,
    vaultProvider,
    vaultRootCaPem: config.require("vaultRootCaPem"),
    after: [prerequisites],
});

export const url = kc.url;
export const issuerUrl = kc.issuerUrl;
export const realm = kc.realm;
export const kubernetesClientId = kc.kubernetesClientId;
export const grafanaClientId = kc.grafanaClientId;
export const adminGroup = kc.adminGroup;
