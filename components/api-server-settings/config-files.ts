/**
 * The three files every API server reads for OIDC, audit and Secret encryption, as typed objects,
 * and the flags and mounts that point kube-apiserver at them. Formats are those Kubernetes 1.35
 * serves (kubernetes.io/docs/reference/config-api/apiserver-config.v1, apiserver-audit.v1).
 */
import { stringify } from "yaml";
import { ApiServerConfig } from "../../config/model";
import { Arg, HostPathMount } from "../kubeadm-cluster/kubeadm-config";

/** Root-only files the API server mounts read-only; kept apart from /etc/kubernetes/platform's other files. */
export const SETTINGS_DIR = "/etc/kubernetes/platform/apiserver";
export const AUTHENTICATION_FILE = `${SETTINGS_DIR}/authentication.yaml`;
export const AUDIT_POLICY_FILE = `${SETTINGS_DIR}/audit-policy.yaml`;
export const ENCRYPTION_FILE = `${SETTINGS_DIR}/encryption.yaml`;
export const AUDIT_LOG_DIR = "/var/log/kubernetes/audit";
export const AUDIT_LOG = `${AUDIT_LOG_DIR}/audit.log`;

/** The Keycloak client the API servers accept tokens for. */
export interface OidcIssuer {
    /** https URL of the realm; the `iss` claim of its tokens. */
    issuerUrl: string;
    /** Client id; tokens must carry it in `aud`. */
    clientId: string;
    /** PEM of the CA that signed the issuer's serving certificate (Vault's PKI root). */
    caPem: string;
}

/** apiserver.config.k8s.io/v1 AuthenticationConfiguration, as far as this platform sets it. */
export interface AuthenticationConfiguration {
    apiVersion: "apiserver.config.k8s.io/v1";
    kind: "AuthenticationConfiguration";
    jwt: Array<{
        issuer: { url: string; audiences: string[]; certificateAuthority: string };
        claimMappings: { username: { claim: string; prefix: string }; groups: { claim: string; prefix: string } };
    }>;
}

/**
 * Structured authentication (KEP-3331, GA and served as apiserver.config.k8s.io/v1 since 1.34;
 * kubernetes.io "Authenticating", section "Using Authentication Configuration"). The API server
 * watches this file and reloads it without a restart (same section: "the API server ... reloads the
 * configuration when the file changes"; an invalid file keeps the last good one). Without OIDC the
 * list is empty, which 1.35 accepts ("We allow 0 authenticators ... then authenticators are added later
 * via dynamic config", k8s.io/apiserver pkg/apis/apiserver/validation): turning OIDC on later is then a
 * file change, not a restart. The `oidc:` prefixes keep Keycloak names from ever matching a
 * ServiceAccount or a `system:` group.
 */
export function authenticationConfiguration(oidc: OidcIssuer | undefined): AuthenticationConfiguration {
    return {
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "AuthenticationConfiguration",
        jwt: oidc
            ? [
                  {
                      issuer: { url: oidc.issuerUrl, audiences: [oidc.clientId], certificateAuthority: oidc.caPem },
                      claimMappings: { username: { claim: "preferred_username", prefix: "oidc:" }, groups: { claim: "groups", prefix: "oidc:" } },
                  },
              ]
            : [],
    };
}

/** audit.k8s.io/v1 PolicyRule, as far as this platform sets it. */
export interface AuditRule {
    level: "None" | "Metadata" | "Request" | "RequestResponse";
    users?: string[];
    userGroups?: string[];
    verbs?: string[];
    namespaces?: string[];
    resources?: Array<{ group: string; resources?: string[] }>;
    nonResourceURLs?: string[];
}

/** audit.k8s.io/v1 Policy. */
export interface AuditPolicy {
    apiVersion: "audit.k8s.io/v1";
    kind: "Policy";
    omitStages: string[];
    rules: AuditRule[];
}

/**
 * The audit policy (kubernetes.io "Auditing"; the first matching rule wins). Noise goes first, as in
 * the reference policy the page points to (kubernetes/kubernetes cluster/gce/gci/configure-helper.sh):
 * probes, events, leader election, the kubelets' and the API server's own reads. Then:
 * - Secrets, ConfigMaps and TokenReviews at Metadata only. The issue asks RequestResponse for Secret
 *   changes, but that level writes the request and response bodies, so a Secret's data would sit in
 *   plain text in the log; the reference policy says "Secrets, ConfigMaps, and TokenReviews can contain
 *   sensitive & binary data, so only log at the Metadata level". Who changed which Secret is logged.
 * - RBAC changes with their bodies (RequestResponse): who granted what.
 * - Metadata for everything else. RequestReceived is dropped: each request is logged once it has a response.
 */
export function auditPolicy(): AuditPolicy {
    return {
        apiVersion: "audit.k8s.io/v1",
        kind: "Policy",
        omitStages: ["RequestReceived"],
        rules: [
            { level: "None", nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"] },
            {
                level: "None",
                resources: [
                    { group: "", resources: ["events"] },
                    { group: "events.k8s.io", resources: ["events"] },
                ],
            },
            {
                level: "None",
                users: ["system:kube-controller-manager", "system:kube-scheduler"],
                verbs: ["get", "update"],
                namespaces: ["kube-system"],
                resources: [{ group: "coordination.k8s.io", resources: ["leases"] }],
            },
            { level: "None", userGroups: ["system:nodes"], verbs: ["get"], resources: [{ group: "", resources: ["nodes", "nodes/status"] }] },
            {
                level: "None",
                users: ["system:apiserver"],
                verbs: ["get"],
                resources: [{ group: "", resources: ["namespaces", "namespaces/status", "namespaces/finalize"] }],
            },
            {
                level: "Metadata",
                resources: [
                    { group: "", resources: ["secrets", "configmaps"] },
                    { group: "authentication.k8s.io", resources: ["tokenreviews"] },
                ],
            },
            {
                level: "RequestResponse",
                verbs: ["create", "update", "patch", "delete", "deletecollection"],
                resources: [{ group: "rbac.authorization.k8s.io" }],
            },
            { level: "Metadata" },
        ],
    };
}

/** One generation of the Secret encryption key: base64 of 32 random bytes. */
export interface EncryptionKey {
    generation: number;
    /** base64 of the key (secret). */
    secret: string;
}

/** The key name a generation has in the EncryptionConfiguration (and in every value it wrote to etcd). */
export const keyName = (generation: number) => `key-${generation}`;

/** What encrypts new writes: a key, or nothing (identity). */
export type WriteKey = ReturnType<typeof keyName> | "identity";

/** The first line of every encryption file: which key writes, for the step scripts to read back. */
export const WRITES_WITH = "# platform: encrypts with ";

type EncryptionProvider = { secretbox: { keys: Array<{ name: string; secret: string }> } } | { identity: Record<string, never> };

/** apiserver.config.k8s.io/v1 EncryptionConfiguration. */
export interface EncryptionConfiguration {
    apiVersion: "apiserver.config.k8s.io/v1";
    kind: "EncryptionConfiguration";
    resources: Array<{ resources: string[]; providers: EncryptionProvider[] }>;
}

/** The key generations a config for generation `g` holds: `g` and the one before it. */
export function keyGenerations(g: number): number[] {
    return g > 1 ? [g, g - 1] : [g];
}

/**
 * Secret encryption at rest (kubernetes.io "Encrypting Confidential Data at Rest"). The provider is
 * `secretbox` (XSalsa20-Poly1305, 32-byte key): the docs' table rates aescbc weak (CBC padding
 * oracles) and aesgcm safe only with rotation every 200k writes; kms v2 is stronger but needs a KMS
 * plugin, and the key must exist only as a Pulumi secret (on mgmt Vault itself runs in the cluster).
 * The first provider and first key encrypt; all of them decrypt, in order. So:
 * - `final`: the current key first (writes), the previous one second (still reads), identity last
 *   (reads what was stored before encryption was on);
 * - `transitional` (rotating with several API servers): the previous writer first, the new key only
 *   reading, so no API server writes with a key another one cannot read yet (the docs' "Rotate a
 *   decryption key", steps 1-2). From no encryption the previous writer is identity.
 */
export function encryptionConfiguration(
    keys: EncryptionKey[],
    g: number,
    phase: "final" | "transitional",
): { writesWith: WriteKey; config: EncryptionConfiguration } {
    const byGeneration = new Map(keys.map((k) => [k.generation, k]));
    const secretbox = (gens: number[]): EncryptionProvider => ({
        secretbox: {
            keys: gens.map((n) => {
                const key = byGeneration.get(n);
                if (!key) {
                    throw new Error(`encryption key generation ${n} is missing`);
                }
                return { name: keyName(n), secret: key.secret };
            }),
        },
    });
    const identity: EncryptionProvider = { identity: {} };
    const gens = keyGenerations(g);
    let providers: EncryptionProvider[];
    let writesWith: WriteKey;
    if (phase === "final") {
        providers = [secretbox(gens), identity];
        writesWith = keyName(g);
    } else if (g === 1) {
        providers = [identity, secretbox([1])];
        writesWith = "identity";
    } else {
        providers = [secretbox([g - 1, g]), identity];
        writesWith = keyName(g - 1);
    }
    return {
        writesWith,
        config: { apiVersion: "apiserver.config.k8s.io/v1", kind: "EncryptionConfiguration", resources: [{ resources: ["secrets"], providers }] },
    };
}

/** The encryption file's content: the `WRITES_WITH` line, then the YAML. */
export function renderEncryptionFile(rendered: { writesWith: WriteKey; config: EncryptionConfiguration }): string {
    return `${WRITES_WITH}${rendered.writesWith}\n${stringify(rendered.config, { lineWidth: 0 })}`;
}

/** A config object as a YAML file. */
export function renderYaml(doc: object): string {
    return stringify(doc, { lineWidth: 0 });
}

/**
 * The kube-apiserver flags (kubernetes.io "kube-apiserver" reference, 1.35) and mounts for the three
 * files. `--encryption-provider-config-automatic-reload` (since 1.26) makes the API server poll the
 * encryption file and swap in a changed one without a restart; the step still restarts on a change,
 * so the moment the new key is in force is known before the next node or the rewrite goes on.
 */
export function apiServerExtras(audit: ApiServerConfig["audit"]): { extraArgs: Arg[]; extraVolumes: HostPathMount[] } {
    return {
        extraArgs: [
            { name: "authentication-config", value: AUTHENTICATION_FILE },
            { name: "audit-policy-file", value: AUDIT_POLICY_FILE },
            { name: "audit-log-path", value: AUDIT_LOG },
            { name: "audit-log-maxage", value: String(audit.maxAgeDays) },
            { name: "audit-log-maxbackup", value: String(audit.maxBackups) },
            { name: "audit-log-maxsize", value: String(audit.maxSizeMiB) },
            { name: "encryption-provider-config", value: ENCRYPTION_FILE },
            { name: "encryption-provider-config-automatic-reload", value: "true" },
        ],
        extraVolumes: [
            { name: "platform-apiserver", hostPath: SETTINGS_DIR, mountPath: SETTINGS_DIR, readOnly: true, pathType: "DirectoryOrCreate" },
            { name: "audit-log", hostPath: AUDIT_LOG_DIR, mountPath: AUDIT_LOG_DIR, readOnly: false, pathType: "DirectoryOrCreate" },
        ],
    };
}
