/**
 * A test program: Grafana and the alert rules on their own, under one stand-in parent component,
 * run under the offline mocks by test/observability/grafana.spec.ts. Stand-ins for what the
 * observability component passes: mgmt's provider, Vault's provider, the secret store and one
 * dependency for the namespace, the root-CA ConfigMap, Keycloak and main-gateway.
 * Config `test:oidcIssuerUrl`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { createAlertRules } from "../../../components/observability/alerts";
import { createGrafana } from "../../../components/observability/grafana";

const config = new pulumi.Config("test");

const provider = new k8s.Provider("mgmt", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
const vaultProvider = new vault.Provider("vault", { address: "https://192.168.64.201:8200", token: pulumi.secret("offline-plan-placeholder-token") });
const prerequisites = new k8s.core.v1.Namespace("prerequisites", { metadata: { name: "prerequisites" } }, { provider });
const secretStore = new k8s.core.v1.Namespace("secret-store", { metadata: { name: "secret-store" } }, { provider });
const vaultKv = new k8s.core.v1.Namespace("vault-kv", { metadata: { name: "vault-kv" } }, { provider });

class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("platform:test:Observability", name, {}, {});
        this.registerOutputs({});
    }
}
const parent = new Parent("observability");

const grafana = createGrafana(
    "observability-grafana",
    {
        clusterName: "mgmt",
        provider,
        vaultProvider,
        vaultReady: [vaultKv],
        // An output, as Keycloak's issuer reaches the component through the stack.
        oidcIssuerUrl: pulumi.output(config.require("oidcIssuerUrl")),
        secretStore,
        after: [prerequisites],
    },
    parent,
);
createAlertRules("observability-alerts", { provider, after: [prerequisites] }, parent);

export const grafanaUrl = grafana.url;
