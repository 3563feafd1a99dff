/**
 * Grafana on mgmt (grafana-community chart grafana 12.11.1, Grafana 13; values keys from the
 * chart's values.yaml, which ships no schema): the one UI over every cluster (seed 001 §12.2).
 *
 * - Datasources as code, fixed uids: Thanos Query (default), Loki and Tempo, linked both ways
 *   (Tempo's `tracesToLogsV2` to Loki, Loki's `derivedFields` to Tempo), and Alertmanager.
 * - Login through Keycloak (`auth.generic_oauth`): the client's id and secret come from Vault
 *   (`platform/mgmt/grafana-oidc`, written by the Keycloak component) as env variables through an
 *   ExternalSecret; Keycloak's certificate is checked against Vault's root CA; members of
 *   `platform-admins` (the `groups` claim) are Admin, everyone else Viewer.
 * - The break-glass admin's password is random, kept in Vault (`platform/mgmt/grafana-admin`) and
 *   delivered by an ExternalSecret (`admin.existingSecret`); it never is a chart value.
 * - Dashboards from one ConfigMap the program creates (`dashboardsConfigMaps`, read by a file
 *   provider): no sidecar, so no API token and no RBAC in the pod.
 * - Served by main-gateway's https listener at https://grafana.<cluster>.local.dev.
 *
 * State (users, preferences) lives in an emptyDir: everything that matters is code or Keycloak.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { CHARTS } from "../../config/versions";
import { MAIN_GATEWAY } from "../cilium-mesh";
import { PASSWORD_LENGTH } from "../keycloak";
import { ADMIN_GROUP, GROUPS_CLAIM, grafanaUrl } from "../keycloak/realm";
import { credentialJson, keycloakKvPaths } from "../keycloak/workloads";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { KV_MOUNT, kvPath } from "../lib/trust";
import { dashboardFiles } from "./dashboards";
import { DATASOURCES } from "./dashboards/panels";
import { ALERTMANAGER_URL, MONITORING_NAMESPACE, ROOT_CA_CONFIGMAP, ROOT_CA_KEY, THANOS_QUERY_URL } from "./endpoints";
import { LOKI_QUERY_URL } from "./logs";
import { TEMPO_QUERY_URL } from "./traces";

/** Helm release name; the chart's fullname, so its Deployment and Service, are `grafana` too. */
export const GRAFANA_RELEASE = "grafana";
/** The chart's Service port (`service.port`), which the HTTPRoute targets. */
export const GRAFANA_SERVICE_PORT = 80;

/** Object names next to the release. */
export const GRAFANA_NAMES = {
    /** ExternalSecret and Secret of the admin's name and password (`admin.existingSecret`). */
    adminSecret: "grafana-admin",
    /** ExternalSecret and Secret of the OIDC client, as GF_* env variables (`envFromSecret`). */
    oidcSecret: "grafana-oidc",
    /** ConfigMap of the provisioned dashboards. */
    dashboards: "grafana-dashboards-platform",
} as const;

/** The dashboard provider's name: the chart mounts its ConfigMap at /var/lib/grafana/dashboards/<name>. */
const DASHBOARD_PROVIDER = "platform";
/** Where the root-CA ConfigMap is mounted. */
const CA_DIR = "/etc/grafana/platform-ca";

/** Grafana's admin, as the ExternalSecret writes it and the chart reads it (`admin.userKey`/`passwordKey`). */
export const ADMIN_USERNAME = "admin";
const ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;

/** KV path of the admin credential (fields `username`, `password`). */
export function grafanaAdminKvPath(clusterName: string): string {
    return kvPath({ cluster: clusterName }, "grafana-admin");
}

/** The two ExternalSecrets: the admin credential, and the OIDC client as the env variables Grafana maps onto `[auth.generic_oauth]`. */
export function grafanaExternalSecrets(clusterName: string): { admin: ExternalSecretArgs; oidc: ExternalSecretArgs } {
    const admin = grafanaAdminKvPath(clusterName);
    const oidc = keycloakKvPaths(clusterName).grafanaOidc;
    return {
        admin: {
            name: GRAFANA_NAMES.adminSecret,
            namespace: MONITORING_NAMESPACE,
            data: [
                { secretKey: ADMIN_KEYS.user, path: admin, property: "username" },
                { secretKey: ADMIN_KEYS.password, path: admin, property: "password" },
            ],
        },
        oidc: {
            name: GRAFANA_NAMES.oidcSecret,
            namespace: MONITORING_NAMESPACE,
            // GF_<SECTION>_<KEY> overrides grafana.ini, dots in the section name as underscores (grafana.com "Configure Grafana", env variables).
            data: [
                { secretKey: "GF_AUTH_GENERIC_OAUTH_CLIENT_ID", path: oidc, property: "client_id" },
                { secretKey: "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", path: oidc, property: "client_secret" },
            ],
        },
    };
}

/**
 * The provisioned datasources (Grafana provisioning `datasources.yaml`, apiVersion 1). `$$` is a
 * literal `$`: Grafana expands `$VAR` in provisioning files, and the derived field's URL is
 * Grafana's own `${__value.raw}`. Trace IDs are matched as OTel log fields write them
 * (`traceID=`, `trace_id=`, `"traceId":`).
 */
export function grafanaDatasources(): Record<string, unknown>[] {
    return [
        {
            name: "Thanos",
            uid: DATASOURCES.thanos.uid,
            type: DATASOURCES.thanos.type,
            url: THANOS_QUERY_URL,
            access: "proxy",
            isDefault: true,
            editable: false,
            jsonData: { prometheusType: "Thanos", timeInterval: "30s", httpMethod: "POST" },
        },
        {
            name: "Loki",
            uid: DATASOURCES.loki.uid,
            type: DATASOURCES.loki.type,
            url: LOKI_QUERY_URL,
            access: "proxy",
            editable: false,
            jsonData: {
                maxLines: 1000,
                derivedFields: [
                    {
                        name: "TraceID",
                        datasourceUid: DATASOURCES.tempo.uid,
                        matcherRegex: '(?:traceID|trace_id|traceId)["=:]+\\s*"?(\\w+)',
                        url: "$${__value.raw}",
                        urlDisplayLabel: "Open trace",
                    },
                ],
            },
        },
        {
            name: "Tempo",
            uid: DATASOURCES.tempo.uid,
            type: DATASOURCES.tempo.type,
            url: TEMPO_QUERY_URL,
            access: "proxy",
            editable: false,
            jsonData: {
                // Logs of the span's pod around the span, filtered by its trace ID.
                tracesToLogsV2: {
                    datasourceUid: DATASOURCES.loki.uid,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: true,
                    filterBySpanID: false,
                    tags: [
                        { key: "k8s.namespace.name", value: "namespace" },
                        { key: "k8s.pod.name", value: "pod" },
                    ],
                },
                serviceMap: { datasourceUid: DATASOURCES.thanos.uid },
                nodeGraph: { enabled: true },
                lokiSearch: { datasourceUid: DATASOURCES.loki.uid },
            },
        },
        {
            name: "Alertmanager",
            uid: DATASOURCES.alertmanager.uid,
            type: DATASOURCES.alertmanager.type,
            url: ALERTMANAGER_URL,
            access: "proxy",
            editable: false,
            jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
        },
    ];
}

/**
 * `grafana.ini` (Grafana 13 configuration; keys of `[auth.generic_oauth]` as in grafana.com
 * "Configure Generic OAuth authentication" and its Keycloak guide). The endpoints are Keycloak's
 * OIDC endpoints below the issuer; PKCE is on (the Keycloak client asks for S256); the client id
 * and secret come from the environment. Logout ends the Keycloak session too and returns to the
 * login page, the client's one allowed post-logout URI.
 */
export function grafanaIni(clusterName: string, oidcIssuerUrl: string): Record<string, Record<string, unknown>> {
    const root = grafanaUrl(clusterName);
    const oidc = `${oidcIssuerUrl}/protocol/openid-connect`;
    const logout = `${oidc}/logout?post_logout_redirect_uri=${encodeURIComponent(`${root}/login`)}`;
    return {
        server: { domain: new URL(root).host, root_url: root },
        security: { cookie_secure: true, disable_gravatar: true },
        analytics: { check_for_updates: false, check_for_plugin_updates: false, reporting_enabled: false },
        users: { allow_sign_up: false },
        "auth.generic_oauth": {
            enabled: true,
            name: "Keycloak",
            allow_sign_up: true,
            scopes: "openid profile email",
            auth_url: `${oidc}/auth`,
            token_url: `${oidc}/token`,
            api_url: `${oidc}/userinfo`,
            signout_redirect_url: logout,
            use_pkce: true,
            use_refresh_token: true,
            email_attribute_path: "email",
            login_attribute_path: "preferred_username",
            name_attribute_path: "name",
            groups_attribute_path: GROUPS_CLAIM,
            role_attribute_path: `contains(${GROUPS_CLAIM}[*], '${ADMIN_GROUP}') && 'Admin' || 'Viewer'`,
            role_attribute_strict: false,
            tls_client_ca: `${CA_DIR}/${ROOT_CA_KEY}`,
            tls_skip_verify_insecure: false,
        },
    };
}

/** Arguments of `grafanaValues`. */
export interface GrafanaValuesArgs {
    /** mgmt's name: the public URL. */
    clusterName: string;
    /** Keycloak's issuer, `https://<keycloakIp>/realms/platform`. */
    oidcIssuerUrl: string;
}

/**
 * Chart values. One container (no sidecars, no init containers: persistence is off, so the chown
 * init container is not rendered; no Helm test pod); requests and limits from seed 001 §16.3.
 * Nothing secret: the admin and OIDC credentials are Secrets the pod reads by name.
 */
export function grafanaValues(args: GrafanaValuesArgs): Record<string, unknown> {
    return {
        replicas: 1,
        // Without the sidecars the pod never talks to the API server.
        rbac: { create: false },
        serviceAccount: { create: true, automountServiceAccountToken: false },
        automountServiceAccountToken: false,
        testFramework: { enabled: false },
        resources: resources("100m", "128Mi", "500m", "512Mi"),
        admin: { existingSecret: GRAFANA_NAMES.adminSecret, userKey: ADMIN_KEYS.user, passwordKey: ADMIN_KEYS.password },
        envFromSecret: GRAFANA_NAMES.oidcSecret,
        extraConfigmapMounts: [{ name: "platform-ca", mountPath: CA_DIR, configMap: ROOT_CA_CONFIGMAP, readOnly: true }],
        datasources: { "datasources.yaml": { apiVersion: 1, datasources: grafanaDatasources() } },
        dashboardProviders: {
            "dashboardproviders.yaml": {
                apiVersion: 1,
                providers: [
                    {
                        name: DASHBOARD_PROVIDER,
                        orgId: 1,
                        folder: "Platform",
                        type: "file",
                        disableDeletion: true,
                        allowUiUpdates: false,
                        options: { path: `/var/lib/grafana/dashboards/${DASHBOARD_PROVIDER}` },
                    },
                ],
            },
        },
        dashboardsConfigMaps: { [DASHBOARD_PROVIDER]: GRAFANA_NAMES.dashboards },
        "grafana.ini": grafanaIni(args.clusterName, args.oidcIssuerUrl),
    };
}

/** The ConfigMap of the dashboards, `<uid>.json` each. */
export function dashboardsConfigMap(): { metadata: { name: string; namespace: string }; data: Record<string, string> } {
    return { metadata: { name: GRAFANA_NAMES.dashboards, namespace: MONITORING_NAMESPACE }, data: dashboardFiles() };
}

/** Grafana behind main-gateway's HTTPS listener (the pack's `httproute-https-only`: never the HTTP one). */
export function grafanaRoute(clusterName: string): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: GRAFANA_RELEASE, namespace: MONITORING_NAMESPACE },
        spec: {
            parentRefs: [{ name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace, sectionName: MAIN_GATEWAY.https }],
            hostnames: [new URL(grafanaUrl(clusterName)).host],
            rules: [{ backendRefs: [{ name: GRAFANA_RELEASE, port: GRAFANA_SERVICE_PORT }] }],
        },
    };
}

/** Arguments of `createGrafana`. */
export interface GrafanaArgs {
    /** mgmt's name: the KV paths and the public URL. */
    clusterName: string;
    /** Provider of mgmt. */
    provider: k8s.Provider;
    /** Vault's provider, to write the admin credential. */
    vaultProvider: vault.Provider;
    /** What Vault-side writes wait for (VaultPki.ready: the KV mount). */
    vaultReady: pulumi.Resource[];
    /** Keycloak's issuer (Keycloak.issuerUrl). */
    oidcIssuerUrl: pulumi.Input<string>;
    /** The `vault-backend` ClusterSecretStore (ExternalSecrets.store). */
    secretStore: pulumi.Resource;
    /**
     * What must exist first: the `monitoring` Namespace and its `vault-root-ca` ConfigMap (the
     * metrics release waits for both), the Keycloak component (it writes `grafana-oidc` to Vault),
     * and main-gateway. Components do not pass their own dependsOn to children.
     */
    after: pulumi.Resource[];
}

/** What `createGrafana` made. */
export interface Grafana {
    /** The Helm release. */
    release: k8s.helm.v3.Release;
    /** `https://grafana.<cluster>.local.dev`. */
    url: string;
}

/**
 * `${name}-admin-password`, `${name}-admin-kv`, `${name}-admin-secret`, `${name}-oidc-secret`,
 * `${name}-dashboards`, `${name}-release` and `${name}-route` under `parent`.
 */
export function createGrafana(name: string, args: GrafanaArgs, parent: pulumi.Resource): Grafana {
    const opts = { parent, provider: args.provider, dependsOn: args.after };
    const password = new random.RandomPassword(`${name}-admin-password`, { length: PASSWORD_LENGTH, special: false }, { parent });
    const adminKv = new vault.kv.SecretV2(
        `${name}-admin-kv`,
        {
            mount: KV_MOUNT,
            name: grafanaAdminKvPath(args.clusterName),
            dataJson: pulumi.secret(password.result.apply((p) => credentialJson(ADMIN_USERNAME, p))),
        },
        { parent, provider: args.vaultProvider, dependsOn: args.vaultReady },
    );
    const external = grafanaExternalSecrets(args.clusterName);
    const inNamespace = (...more: pulumi.Resource[]) => ({ ...opts, dependsOn: [...args.after, args.secretStore, ...more] });
    const adminSecret = platformExternalSecret(`${name}-admin-secret`, external.admin, inNamespace(adminKv));
    const oidcSecret = platformExternalSecret(`${name}-oidc-secret`, external.oidc, inNamespace());
    const dashboards = new k8s.core.v1.ConfigMap(`${name}-dashboards`, dashboardsConfigMap(), opts);
    // The pod mounts or reads all three at start, so all three come first.
    const { release } = pinnedRelease(
        name,
        {
            chart: CHARTS.grafana,
            releaseName: GRAFANA_RELEASE,
            namespace: { existing: MONITORING_NAMESPACE },
            values: pulumi.output(args.oidcIssuerUrl).apply((oidcIssuerUrl) => grafanaValues({ clusterName: args.clusterName, oidcIssuerUrl })),
            provider: args.provider,
            after: [...args.after, adminSecret, oidcSecret, dashboards],
        },
        parent,
    );
    new k8s.apiextensions.CustomResource(`${name}-route`, grafanaRoute(args.clusterName) as k8s.apiextensions.CustomResourceArgs, {
        ...opts,
        dependsOn: [...args.after, release],
    });
    return { release, url: grafanaUrl(args.clusterName) };
}
