/**
 * The Kubernetes objects of Keycloak on mgmt, as pure functions: its PostgreSQL (one-replica
 * StatefulSet on `local-path-retain`), the Keycloak Deployment in production mode (`start`) with
 * HTTPS from a cert-manager Certificate, and the LoadBalancer Service on the fixed IP that every
 * API server names in its OIDC issuer. Both pods pass PSS `restricted` with read-only root
 * filesystems; the credentials reach them as ExternalSecrets from Vault.
 */
import type { input as Inputs } from "@pulumi/kubernetes/types";
import { IMAGES } from "../../config/versions";
import { CertificateArgs } from "../lib/certificate";
import { ExternalSecretArgs } from "../lib/external-secret";
import { resources } from "../lib/pinned-release";
import { kvPath } from "../lib/trust";
import { METALLB_ANNOTATIONS, servicePoolName } from "../metallb";

/** Namespace of Keycloak and its database. */
export const KEYCLOAK_NAMESPACE = "keycloak";

/** Object names in the namespace. */
export const NAMES = {
    keycloak: "keycloak",
    postgres: "keycloak-postgres",
    /** cert-manager's TLS Secret (tls.crt with the chain, tls.key). */
    tls: "keycloak-tls",
    /** ExternalSecret and Secret of the bootstrap admin's password. */
    adminSecret: "keycloak-admin",
    /** ExternalSecret and Secret of the database password. */
    dbSecret: "keycloak-db",
} as const;

/** The bootstrap admin of the master realm: the account the realm-as-code provider logs in with. */
export const ADMIN_USERNAME = "admin";
/** Database, role and owner of Keycloak's schema. */
export const DB_NAME = "keycloak";
export const DB_USERNAME = "keycloak";

/** Keycloak's HTTPS port; the LoadBalancer maps 443 to it. */
export const HTTPS_PORT = 8443;
/** Keycloak 26.x serves /health/* on the management interface, port 9000, over the server's TLS (keycloak.org/server/management-interface). */
export const MANAGEMENT_PORT = 9000;
const POSTGRES_PORT = 5432;

/** Where the database lives: the official image's PGDATA for 18+ (`/var/lib/postgresql/18/docker`), below the volume at /var/lib/postgresql. */
const PG_VOLUME = "/var/lib/postgresql";
const PGDATA = `${PG_VOLUME}/18/docker`;
const TLS_DIR = "/etc/keycloak/tls";
/** Quarkus' generated classes: `kc.sh start` re-augments into it when build options (db, health, cache) differ from the image's. */
const QUARKUS_DIR = "/opt/keycloak/lib/quarkus";

/** KV paths below KV_MOUNT of the credentials Keycloak owns. */
export function keycloakKvPaths(clusterName: string): { admin: string; db: string; grafanaOidc: string } {
    const scope = { cluster: clusterName };
    return { admin: kvPath(scope, "keycloak-admin"), db: kvPath(scope, "keycloak-db"), grafanaOidc: kvPath(scope, "grafana-oidc") };
}

/** The base URL: the fixed LoadBalancer IP, https on 443. */
export function keycloakUrl(keycloakIp: string): string {
    return `https://${keycloakIp}`;
}

/** The DNS name users reach Keycloak by, inside the Vault role's allowed `local.dev`. */
export function keycloakHostname(clusterName: string): string {
    return `keycloak.${clusterName}.local.dev`;
}

/**
 * The server certificate: the fixed IP (the issuer every API server and kubelogin dial), the
 * public name, and the Service's in-cluster name. Short names (`keycloak.keycloak.svc`) are left
 * out: the `k8s-certs` role allows only `local.dev`, `mgmt.local`, `app.local` and
 * `svc.cluster.local` and their subdomains (seed 001 §11.3).
 */
export function keycloakCertificate(clusterName: string, keycloakIp: string): CertificateArgs {
    return {
        name: NAMES.keycloak,
        namespace: KEYCLOAK_NAMESPACE,
        secretName: NAMES.tls,
        dnsNames: [keycloakHostname(clusterName), `${NAMES.keycloak}.${KEYCLOAK_NAMESPACE}.svc.cluster.local`],
        ipAddresses: [keycloakIp],
    };
}

/** The ExternalSecrets of the bootstrap admin's and the database's passwords, each from its KV entry. */
export function keycloakExternalSecrets(clusterName: string): { admin: ExternalSecretArgs; db: ExternalSecretArgs } {
    const paths = keycloakKvPaths(clusterName);
    const secret = (name: string, path: string): ExternalSecretArgs => ({
        name,
        namespace: KEYCLOAK_NAMESPACE,
        data: [{ secretKey: "password", path, property: "password" }],
    });
    return { admin: secret(NAMES.adminSecret, paths.admin), db: secret(NAMES.dbSecret, paths.db) };
}

/** What a KV entry of a credential holds; the username travels with the password for whoever reads it. */
export function credentialJson(username: string, password: string): string {
    return JSON.stringify({ username, password });
}

/** Seed 002's label standard: the app, the owning team, the cluster as the region, the image tag as the release. */
function standardLabels(svc: string, clusterName: string, image: string): Record<string, string> {
    return { svc, team: "platform-security", region: clusterName, release_id: image.slice(image.lastIndexOf(":") + 1) };
}

const selector = (component: string) => ({ "app.kubernetes.io/name": component, "app.kubernetes.io/part-of": "keycloak" });

/** Pod-level security of both pods: non-root with the image's own uid, RuntimeDefault seccomp, volumes group-owned. */
function podSecurity(uid: number): Inputs.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level security that PSS `restricted` asks for, with the root filesystem read-only. */
const containerSecurity: Inputs.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

const secretEnv = (name: string, secret: string): Inputs.core.v1.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key: "password" } } });

/**
 * PostgreSQL: one replica, data on `local-path-retain` (the volume outlives its claim, seed 001
 * §7.5). The Debian image's `postgres` user is uid 999; the entrypoint runs initdb as that user
 * once, from POSTGRES_USER/DB/PASSWORD. Read-only root: only the data volume, the socket
 * directory and /tmp are written.
 */
export function postgresStatefulSet(clusterName: string): Inputs.apps.v1.StatefulSet {
    const labels = { ...selector(NAMES.postgres), ...standardLabels(NAMES.postgres, clusterName, IMAGES.keycloakPostgres) };
    const ready = ["pg_isready", "-h", "127.0.0.1", "-p", String(POSTGRES_PORT), "-U", DB_USERNAME, "-d", DB_NAME];
    return {
        metadata: { name: NAMES.postgres, namespace: KEYCLOAK_NAMESPACE, labels },
        spec: {
            replicas: 1,
            serviceName: NAMES.postgres,
            selector: { matchLabels: selector(NAMES.postgres) },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: podSecurity(999),
                    containers: [
                        {
                            name: "postgres",
                            image: IMAGES.keycloakPostgres,
                            ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                            env: [
                                { name: "POSTGRES_DB", value: DB_NAME },
                                { name: "POSTGRES_USER", value: DB_USERNAME },
                                secretEnv("POSTGRES_PASSWORD", NAMES.dbSecret),
                                { name: "PGDATA", value: PGDATA },
                            ],
                            resources: resources("100m", "128Mi", "500m", "512Mi"),
                            readinessProbe: { exec: { command: ready }, periodSeconds: 10, timeoutSeconds: 5 },
                            livenessProbe: { exec: { command: ready }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                            securityContext: containerSecurity,
                            volumeMounts: [
                                { name: "data", mountPath: PG_VOLUME },
                                { name: "run", mountPath: "/var/run/postgresql" },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "run", emptyDir: {} },
                        { name: "tmp", emptyDir: {} },
                    ],
                },
            },
            volumeClaimTemplates: [
                {
                    metadata: { name: "data" },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: "local-path-retain", resources: { requests: { storage: "2Gi" } } },
                },
            ],
        },
    };
}

/** The database's in-cluster Service; only Keycloak connects to it. */
export function postgresService(): Inputs.core.v1.Service {
    return {
        metadata: { name: NAMES.postgres, namespace: KEYCLOAK_NAMESPACE },
        spec: { type: "ClusterIP", selector: selector(NAMES.postgres), ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: "postgres" }] },
    };
}

/**
 * Keycloak in production mode (`kc.sh start`), configured by environment (keycloak.org/server/all-config):
 * - `KC_HOSTNAME` the full URL `https://<fixed IP>` (hostname v2), so the issuer is the same
 *   whichever address a client came in by;
 * - HTTPS from cert-manager's PEM files; Keycloak re-reads them hourly (`https-certificates-reload-period`),
 *   well inside the 360 h renewal window;
 * - `KC_BOOTSTRAP_ADMIN_USERNAME`/`_PASSWORD`, which replaced `KEYCLOAK_ADMIN`/`_PASSWORD` in 26.0
 *   (keycloak.org/server/bootstrap-admin-recovery); they act only when the master realm is created;
 * - local caches: one replica, nothing to cluster with (`Recreate` keeps it to one server).
 * `start` without `--optimized` re-augments Quarkus when build options differ from the image's,
 * writing lib/quarkus; with a read-only root that directory and /opt/keycloak/data are emptyDirs
 * (the only writable paths Keycloak needs, keycloak/keycloak#41550), the first seeded by an init
 * container from the image, timestamps kept so the rebuild check sees the image's build. The uid
 * is the image's `keycloak` user, 1000.
 */
export function keycloakDeployment(clusterName: string, keycloakIp: string): Inputs.apps.v1.Deployment {
    const labels = { ...selector(NAMES.keycloak), ...standardLabels(NAMES.keycloak, clusterName, IMAGES.keycloak) };
    const health = (path: string) => ({ httpGet: { path, port: "management", scheme: "HTTPS" } });
    return {
        metadata: { name: NAMES.keycloak, namespace: KEYCLOAK_NAMESPACE, labels },
        spec: {
            replicas: 1,
            strategy: { type: "Recreate" },
            selector: { matchLabels: selector(NAMES.keycloak) },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: podSecurity(1000),
                    initContainers: [
                        {
                            name: "seed-quarkus",
                            image: IMAGES.keycloak,
                            command: ["/bin/bash", "-c", `set -euo pipefail\ncp -R --preserve=mode,timestamps ${QUARKUS_DIR}/. /seed/`],
                            resources: resources("50m", "32Mi", "200m", "64Mi"),
                            securityContext: containerSecurity,
                            volumeMounts: [{ name: "quarkus", mountPath: "/seed" }],
                        },
                    ],
                    containers: [
                        {
                            name: "keycloak",
                            image: IMAGES.keycloak,
                            args: ["start"],
                            env: [
                                { name: "KC_DB", value: "postgres" },
                                { name: "KC_DB_URL_HOST", value: `${NAMES.postgres}.${KEYCLOAK_NAMESPACE}.svc.cluster.local` },
                                { name: "KC_DB_URL_PORT", value: String(POSTGRES_PORT) },
                                { name: "KC_DB_URL_DATABASE", value: DB_NAME },
                                { name: "KC_DB_USERNAME", value: DB_USERNAME },
                                secretEnv("KC_DB_PASSWORD", NAMES.dbSecret),
                                { name: "KC_BOOTSTRAP_ADMIN_USERNAME", value: ADMIN_USERNAME },
                                secretEnv("KC_BOOTSTRAP_ADMIN_PASSWORD", NAMES.adminSecret),
                                { name: "KC_HOSTNAME", value: keycloakUrl(keycloakIp) },
                                { name: "KC_HTTPS_PORT", value: String(HTTPS_PORT) },
                                { name: "KC_HTTPS_CERTIFICATE_FILE", value: `${TLS_DIR}/tls.crt` },
                                { name: "KC_HTTPS_CERTIFICATE_KEY_FILE", value: `${TLS_DIR}/tls.key` },
                                { name: "KC_HEALTH_ENABLED", value: "true" },
                                { name: "KC_CACHE", value: "local" },
                            ],
                            ports: [
                                { name: "https", containerPort: HTTPS_PORT },
                                { name: "management", containerPort: MANAGEMENT_PORT },
                            ],
                            resources: resources("250m", "768Mi", "2", "1536Mi"),
                            // The first start re-augments and creates the schema: up to 5 minutes on a laptop.
                            startupProbe: { ...health("/health/started"), periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
                            readinessProbe: { ...health("/health/ready"), periodSeconds: 10, timeoutSeconds: 5 },
                            livenessProbe: { ...health("/health/live"), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                            securityContext: containerSecurity,
                            volumeMounts: [
                                { name: "tls", mountPath: TLS_DIR, readOnly: true },
                                { name: "quarkus", mountPath: QUARKUS_DIR },
                                { name: "data", mountPath: "/opt/keycloak/data" },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        // 0440 with fsGroup: the key is readable by the keycloak user's group only.
                        { name: "tls", secret: { secretName: NAMES.tls, defaultMode: 0o440 } },
                        { name: "quarkus", emptyDir: {} },
                        { name: "data", emptyDir: {} },
                        { name: "tmp", emptyDir: {} },
                    ],
                },
            },
        },
    };
}

/**
 * The one Service: LoadBalancer on the fixed IP from mgmt's service pool (MetalLB hands that pool
 * only to a Service that names it), 443 to Keycloak's 8443. Its ClusterIP and in-cluster name are
 * on the certificate too.
 */
export function keycloakService(clusterName: string, keycloakIp: string): Inputs.core.v1.Service {
    return {
        metadata: {
            name: NAMES.keycloak,
            namespace: KEYCLOAK_NAMESPACE,
            annotations: { [METALLB_ANNOTATIONS.pool]: servicePoolName(clusterName), [METALLB_ANNOTATIONS.ips]: keycloakIp },
        },
        spec: { type: "LoadBalancer", selector: selector(NAMES.keycloak), ports: [{ name: "https", port: 443, targetPort: "https" }] },
    };
}
