/**
 * Keycloak (mgmt only): the platform's OIDC provider. PostgreSQL and Keycloak run in the `keycloak`
 * namespace (PSA restricted) from the objects in `workloads.ts`; their passwords are random, kept
 * in Vault and delivered by ExternalSecrets; HTTPS comes from Vault's PKI through cert-manager.
 * The `platform` realm and its clients (`realm.ts`) are managed through Keycloak's admin API once
 * the server is up, and the Grafana client's secret goes to Vault for the observability stack.
 */
import * as keycloak from "@pulumi/keycloak";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { platformCertificate } from "../lib/certificate";
import { platformExternalSecret } from "../lib/external-secret";
import { namespaceMetadata } from "../lib/psa";
import { KV_MOUNT } from "../lib/trust";
import { ADMIN_GROUP, grafanaClientArgs, groupsMapperArgs, issuerUrl, kubernetesAudienceArgs, kubernetesClientArgs, realmArgs } from "./realm";
import {
    ADMIN_USERNAME,
    credentialJson,
    DB_USERNAME,
    KEYCLOAK_NAMESPACE,
    keycloakCertificate,
    keycloakDeployment,
    keycloakExternalSecrets,
    keycloakKvPaths,
    keycloakService,
    keycloakUrl,
    postgresService,
    postgresStatefulSet,
} from "./workloads";

/** Length of every password the component generates (the pack's `random-password-length` asks for 20 or more). */
export const PASSWORD_LENGTH = 32;

/** Arguments of Keycloak. */
export interface KeycloakArgs {
    /** Cluster name (mgmt): the KV paths, the certificate's DNS name, Grafana's URL. */
    clusterName: string;
    /** The fixed LoadBalancer IP (config `network.serviceIps.keycloak`): the issuer's host, stable across rebuilds. */
    keycloakIp: string;
    /** Provider of the mgmt cluster. */
    provider: k8s.Provider;
    /** Vault's provider, to write the credentials to KV. */
    vaultProvider: vault.Provider;
    /** Vault's PKI root CA (PEM), which signs Keycloak's certificate: what the realm provider trusts. May be unknown in a first preview. */
    vaultRootCaPem: pulumi.Input<string>;
    /**
     * What must be ready first: the CNI, MetalLB's service pool, the `local-path-retain` class,
     * cert-manager's `vault-issuer` and External Secrets' `vault-backend` store. Components do not
     * pass their own dependsOn to children.
     */
    after: pulumi.Resource[];
}

/** Keycloak with its database, the `platform` realm and the OIDC clients. */
export class Keycloak extends pulumi.ComponentResource {
    /** `https://<keycloakIp>`. */
    public readonly url: string;
    /** `https://<keycloakIp>/realms/platform`: the API servers' OIDC issuer. */
    public readonly issuerUrl: string;
    /** The realm's name (`platform`), from the realm resource: consumers wait for it to exist. */
    public readonly realm: pulumi.Output<string>;
    /** Client ID kubelogin and the API servers use (`kubernetes`). */
    public readonly kubernetesClientId: pulumi.Output<string>;
    /** Client ID of Grafana's generic OAuth (`grafana`); ID and secret are in Vault at `platform/<cluster>/grafana-oidc`. */
    public readonly grafanaClientId: pulumi.Output<string>;
    /** The group whose members are cluster-admin (`oidc:platform-admins` on the API servers). */
    public readonly adminGroup: pulumi.Output<string>;

    constructor(name: string, args: KeycloakArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:trust:Keycloak", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.provider };
        const vaultOpts = { parent: this, provider: args.vaultProvider };
        const paths = keycloakKvPaths(args.clusterName);

        const password = (role: string) => new random.RandomPassword(`${name}-${role}-password`, { length: PASSWORD_LENGTH, special: false }, { parent: this });
        const adminPassword = pulumi.secret(password("admin").result);
        const dbPassword = pulumi.secret(password("db").result);
        const kvEntry = (role: string, path: string, data: pulumi.Output<string>) =>
            new vault.kv.SecretV2(`${name}-${role}-kv`, { mount: KV_MOUNT, name: path, dataJson: pulumi.secret(data) }, vaultOpts);
        const adminKv = kvEntry(
            "admin",
            paths.admin,
            adminPassword.apply((p) => credentialJson(ADMIN_USERNAME, p)),
        );
        const dbKv = kvEntry(
            "db",
            paths.db,
            dbPassword.apply((p) => credentialJson(DB_USERNAME, p)),
        );

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: namespaceMetadata({ name: KEYCLOAK_NAMESPACE, level: "restricted" }) }, k8sOpts);
        const inNamespace = (...more: pulumi.Resource[]) => ({ ...k8sOpts, dependsOn: [ns, ...args.after, ...more] });
        const external = keycloakExternalSecrets(args.clusterName);
        const adminSecret = platformExternalSecret(`${name}-admin-secret`, external.admin, inNamespace(adminKv));
        const dbSecret = platformExternalSecret(`${name}-db-secret`, external.db, inNamespace(dbKv));
        const certificate = platformCertificate(`${name}-certificate`, keycloakCertificate(args.clusterName, args.keycloakIp), inNamespace());

        const pgService = new k8s.core.v1.Service(`${name}-postgres-service`, postgresService(), inNamespace());
        const postgres = new k8s.apps.v1.StatefulSet(`${name}-postgres`, postgresStatefulSet(args.clusterName), inNamespace(dbSecret, pgService));
        // pulumi-kubernetes waits for the Deployment's pods to be ready and for the LoadBalancer's address.
        const server = new k8s.apps.v1.Deployment(
            `${name}-server`,
            keycloakDeployment(args.clusterName, args.keycloakIp),
            inNamespace(postgres, adminSecret, dbSecret, certificate),
        );
        const service = new k8s.core.v1.Service(`${name}-service`, keycloakService(args.clusterName, args.keycloakIp), inNamespace());

        // The admin API through the LoadBalancer, trusting Vault's root. `initialLogin: false` logs in
        // at the first call, so a preview before Keycloak exists (the CA and password unknown) plans.
        // Every realm resource uses this provider, so all of them wait for the server and its address.
        const admin = new keycloak.Provider(
            `${name}-admin`,
            {
                url: keycloakUrl(args.keycloakIp),
                realm: "master",
                clientId: "admin-cli",
                username: ADMIN_USERNAME,
                password: adminPassword,
                // The PEM itself, not a path: terraform-provider-keycloak appends it to the pool (keycloak/keycloak_client.go newHttpClient).
                rootCaCertificate: args.vaultRootCaPem,
                initialLogin: false,
            },
            { parent: this, dependsOn: [server, service] },
        );
        const realmOpts = { parent: this, provider: admin };
        const realm = new keycloak.Realm(`${name}-realm`, realmArgs(), realmOpts);
        const group = new keycloak.Group(`${name}-admins-group`, { realmId: realm.id, name: ADMIN_GROUP }, realmOpts);
        const kubernetes = new keycloak.openid.Client(`${name}-kubernetes-client`, kubernetesClientArgs(realm.id), realmOpts);
        new keycloak.openid.AudienceProtocolMapper(`${name}-kubernetes-audience`, kubernetesAudienceArgs(realm.id, kubernetes.id), realmOpts);
        const grafanaSecret = pulumi.secret(password("grafana-client").result);
        const grafana = new keycloak.openid.Client(`${name}-grafana-client`, grafanaClientArgs(realm.id, args.clusterName, grafanaSecret), realmOpts);
        for (const [role, client] of [
            ["kubernetes", kubernetes],
            ["grafana", grafana],
        ] as const) {
            new keycloak.openid.GroupMembershipProtocolMapper(`${name}-${role}-groups`, groupsMapperArgs(realm.id, client.id), realmOpts);
        }
        // What Keycloak holds, read back from the client, for Grafana's ExternalSecret (issue 10).
        kvEntry(
            "grafana-oidc",
            paths.grafanaOidc,
            pulumi
                .all([grafana.clientId, pulumi.secret(grafana.clientSecret)])
                .apply(([id, secret]) => JSON.stringify({ client_id: id, client_secret: secret })),
        );

        this.url = keycloakUrl(args.keycloakIp);
        this.issuerUrl = issuerUrl(args.keycloakIp);
        this.realm = realm.realm;
        this.kubernetesClientId = kubernetes.clientId;
        this.grafanaClientId = grafana.clientId;
        this.adminGroup = group.name;
        this.registerOutputs({
            url: this.url,
            issuerUrl: this.issuerUrl,
            realm: this.realm,
            kubernetesClientId: this.kubernetesClientId,
            grafanaClientId: this.grafanaClientId,
            adminGroup: this.adminGroup,
        });
    }
}
