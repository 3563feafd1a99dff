/**
 * Vault's PKI (seed 001 §11.1, §11.3) with @pulumi/vault 7.8.0 (`vault.pkisecret`): root CA in
 * `pki` (10 years) → intermediate in `pki_int` (5 years) → role `k8s-certs` (at most 30 days),
 * plus the KV v2 mount of every platform credential and the onboarding credential of app stacks.
 *
 *   pki:      root/generate/internal ("root-2026") ──signs──┐
 *   pki_int:  intermediate/generate/internal → CSR ─────────┴→ set-signed → issuer "intermediate-2026"
 *             = default issuer → role k8s-certs → pki_int/sign/k8s-certs (cert-manager)
 *
 * TTLs go to Vault in seconds: the provider reads them back as seconds, so "720h" would show a
 * diff on every refresh.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { KV_MOUNT, vaultAuthMount } from "../lib/trust";

const HOUR = 3600;

/** The mounts, their maximum lease and the CA each holds. */
export const PKI = {
    root: { path: "pki", maxLeaseHours: 87600, issuerName: "root-2026", commonName: "Platform Root CA", ttlHours: 87600 },
    intermediate: { path: "pki_int", maxLeaseHours: 43800, issuerName: "intermediate-2026", commonName: "Platform Intermediate CA", ttlHours: 43800 },
} as const;

/** Both CAs' keys: ECDSA P-384, a step above the P-256 leaves they sign. */
export const CA_KEY = { keyType: "ec", keyBits: 384 } as const;

/** The role cert-manager signs through. */
export const PKI_ROLE = "k8s-certs";

/** What `vault-issuer` posts CSRs to. */
export const PKI_SIGN_PATH = `${PKI.intermediate.path}/sign/${PKI_ROLE}`;

/** Seconds, as the Vault provider stores TTLs. */
export function seconds(hours: number): string {
    return String(hours * HOUR);
}

/**
 * The role of seed 001 §11.3: its domains (bare, subdomains and wildcards, for the Gateways'
 * `*.<domain>` certificates), IP SANs (Keycloak and the S3 endpoint are reached by IP), ECDSA
 * P-256 keys as cert-manager requests them, 168 h by default and at most 720 h (the pack's
 * `vault-pki-role-max-ttl` reads `maxTtl`). It signs with the mount's default issuer, so a
 * rotated intermediate takes over by changing the default only.
 */
export function roleArgs(backend: pulumi.Input<string>): vault.pkisecret.SecretBackendRoleArgs {
    return {
        backend,
        name: PKI_ROLE,
        issuerRef: "default",
        allowedDomains: ["local.dev", "mgmt.local", "app.local", "svc.cluster.local"],
        allowSubdomains: true,
        allowBareDomains: true,
        allowWildcardCertificates: true,
        allowIpSans: true,
        keyType: "ec",
        keyBits: 256,
        ttl: seconds(168),
        maxTtl: seconds(720),
    };
}

/** AIA and CRL URLs of a mount, at Vault's address (certificates name where to fetch their issuer and CRL). */
export function urlsArgs(backend: string, address: pulumi.Input<string>): vault.pkisecret.SecretBackendConfigUrlsArgs {
    return {
        backend,
        issuingCertificates: [pulumi.interpolate`${address}/v1/${backend}/ca`],
        crlDistributionPoints: [pulumi.interpolate`${address}/v1/${backend}/crl`],
    };
}

/** Policies the onboarding credential may write: the `platform-` prefix. */
export const ONBOARDING_POLICY_PREFIX = "platform-";

/** The onboarding policy's name. */
export const ONBOARDING_POLICY = `${ONBOARDING_POLICY_PREFIX}onboarding`;

/**
 * What an app stack needs to onboard its cluster without mgmt knowing it: enable, tune and remove
 * its own `kubernetes-<cluster>` auth mount (enabling an auth method needs sudo), configure it and
 * its roles, write `platform-*` policies for those roles, and create the child tokens the Vault
 * provider works with. Mount paths from trust.ts `vaultAuthMount`.
 */
export function onboardingPolicy(): string {
    const mounts = `${vaultAuthMount("")}*`;
    return [
        `# Written by components/vault-pki: the onboarding credential of app stacks.`,
        `path "sys/auth" {\n  capabilities = ["read"]\n}`,
        `path "sys/auth/${mounts}" {\n  capabilities = ["create", "read", "update", "delete", "sudo"]\n}`,
        `path "sys/mounts/auth/${mounts}" {\n  capabilities = ["create", "read", "update", "delete"]\n}`,
        `path "auth/${mounts}" {\n  capabilities = ["create", "read", "update", "delete", "list"]\n}`,
        `path "sys/policies/acl/${ONBOARDING_POLICY_PREFIX}*" {\n  capabilities = ["create", "read", "update", "delete"]\n}`,
        `path "sys/policy/${ONBOARDING_POLICY_PREFIX}*" {\n  capabilities = ["create", "read", "update", "delete"]\n}`,
        `path "auth/token/create" {\n  capabilities = ["create", "update"]\n}`,
        "",
    ].join("\n\n");
}

/**
 * The onboarding token: an orphan (a child of the provider's short-lived token would be revoked
 * with it after 20 minutes), periodic, so it never reaches a maximum TTL while it is renewed.
 * Renewal: the provider renews it on every refresh of the mgmt stack (`pulumi up --refresh`)
 * once less than `renewMinLease` is left; a token left to lapse is found gone on the next refresh
 * and created again, and app stacks read the new one through the StackReference.
 */
export const ONBOARDING_TOKEN = {
    period: "768h",
    renewMinLease: 15 * 24 * HOUR,
    renewIncrement: 768 * HOUR,
} as const;

/** Arguments of `createPki`. */
export interface PkiArgs {
    /** The Vault provider (ordered after unseal). */
    provider: vault.Provider;
    /** Vault's address, for the AIA and CRL URLs. */
    address: pulumi.Input<string>;
}

/** What `createPki` made. */
export interface Pki {
    rootCaPem: pulumi.Output<string>;
    intermediateCaPem: pulumi.Output<string>;
    onboardingToken: pulumi.Output<string>;
    /** What a Vault-dependent resource depends on: the role (with its default issuer), the URLs and the KV mount. */
    ready: pulumi.Resource[];
}

/** Mounts, CAs, role, KV mount and onboarding credential, as children `${name}-<role>` of `parent`. */
export function createPki(name: string, args: PkiArgs, parent: pulumi.Resource): Pki {
    const opts = { parent, provider: args.provider };
    const rootMount = new vault.Mount(
        `${name}-pki-mount`,
        { path: PKI.root.path, type: "pki", maxLeaseTtlSeconds: PKI.root.maxLeaseHours * HOUR, description: "Platform root CA" },
        opts,
    );
    const intMount = new vault.Mount(
        `${name}-pki-int-mount`,
        { path: PKI.intermediate.path, type: "pki", maxLeaseTtlSeconds: PKI.intermediate.maxLeaseHours * HOUR, description: "Platform intermediate CA" },
        opts,
    );
    const root = new vault.pkisecret.SecretBackendRootCert(
        `${name}-root-ca`,
        {
            backend: rootMount.path,
            type: "internal",
            commonName: PKI.root.commonName,
            issuerName: PKI.root.issuerName,
            ttl: seconds(PKI.root.ttlHours),
            ...CA_KEY,
        },
        opts,
    );
    const csr = new vault.pkisecret.SecretBackendIntermediateCertRequest(
        `${name}-intermediate-csr`,
        { backend: intMount.path, type: "internal", commonName: PKI.intermediate.commonName, ...CA_KEY },
        opts,
    );
    // issuerRef explicitly: the old provider ignored it (terraform-provider-vault #2148).
    const signed = new vault.pkisecret.SecretBackendRootSignIntermediate(
        `${name}-intermediate-signed`,
        {
            backend: rootMount.path,
            issuerRef: root.issuerId,
            csr: csr.csr,
            commonName: PKI.intermediate.commonName,
            ttl: seconds(PKI.intermediate.ttlHours),
            format: "pem",
        },
        opts,
    );
    // Only the intermediate (format pem), so set-signed imports exactly one issuer and
    // importedIssuers[0] is it. Its chain ends at the intermediate; the trust anchor clients
    // install is the root (`rootCaPem`).
    const setSigned = new vault.pkisecret.SecretBackendIntermediateSetSigned(
        `${name}-intermediate-set-signed`,
        { backend: intMount.path, certificate: signed.certificate },
        opts,
    );
    const intermediateIssuer = setSigned.importedIssuers.apply((ids) => ids[0]);
    // issuer_name on intermediate/generate has no effect (vault #26134): name the issuer here.
    const issuer = new vault.pkisecret.SecretBackendIssuer(
        `${name}-intermediate-issuer`,
        { backend: intMount.path, issuerRef: intermediateIssuer, issuerName: PKI.intermediate.issuerName },
        opts,
    );
    // After set-signed the default issuer may not be the new intermediate (vault #19210): set it, by ID.
    const defaultIssuer = new vault.pkisecret.SecretBackendConfigIssuers(
        `${name}-default-issuer`,
        { backend: intMount.path, default: intermediateIssuer, defaultFollowsLatestIssuer: false },
        { ...opts, dependsOn: [issuer] },
    );
    const rootUrls = new vault.pkisecret.SecretBackendConfigUrls(`${name}-pki-urls`, urlsArgs(PKI.root.path, args.address), {
        ...opts,
        dependsOn: [rootMount],
    });
    const intUrls = new vault.pkisecret.SecretBackendConfigUrls(`${name}-pki-int-urls`, urlsArgs(PKI.intermediate.path, args.address), {
        ...opts,
        dependsOn: [intMount],
    });
    const role = new vault.pkisecret.SecretBackendRole(`${name}-role`, roleArgs(intMount.path), { ...opts, dependsOn: [defaultIssuer] });
    const kv = new vault.Mount(`${name}-kv-mount`, { path: KV_MOUNT, type: "kv", options: { version: "2" }, description: "Platform credentials" }, opts);
    const policy = new vault.Policy(`${name}-onboarding-policy`, { name: ONBOARDING_POLICY, policy: onboardingPolicy() }, opts);
    const token = new vault.Token(
        `${name}-onboarding-token`,
        { displayName: "platform-onboarding", policies: [policy.name], noParent: true, renewable: true, ...ONBOARDING_TOKEN },
        opts,
    );
    return {
        rootCaPem: root.certificate,
        intermediateCaPem: signed.certificate,
        onboardingToken: pulumi.secret(token.clientToken),
        ready: [role, defaultIssuer, rootUrls, intUrls, kv],
    };
}
