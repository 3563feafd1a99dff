/**
 * The certificate of Vault's own listener, made by Pulumi (@pulumi/tls): a CA and a server
 * certificate signed by it, into a Kubernetes TLS Secret the chart mounts. The key outputs are
 * secret by the SDK itself (@pulumi/tls 5.6.1 PrivateKey: privateKeyPem, privateKeyOpenssh,
 * privateKeyPemPkcs8).
 *
 * This replaces the seed's phase-1 self-signed ClusterIssuer (seed 001 §11.0, ADR-004). Vault
 * needs a certificate before any issuer could sign through Vault, and Pulumi makes it without a
 * cluster-side bootstrap issuer, so cert-manager never needs a bootstrap issuer and there is none
 * to retire: the chicken-and-egg ADR-004 solves in two phases does not arise.
 *
 * Rotation: both certificates carry `earlyRenewalHours`, so the first `pulumi up` inside that
 * window replaces them (the server certificate every year, 30 days ahead; the CA 1 year before its
 * 10). The Secret is updated in place; Vault reads the new files on SIGHUP, without sealing:
 * `kubectl -n vault exec vault-0 -- kill -HUP 1`. A new CA also changes the `serverCaPem` output
 * that the Vault provider, app stacks and External Secrets stores trust, so after a CA renewal run
 * the mgmt `up`, the SIGHUP, then the app stacks' `up`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { VAULT_SERVICE } from "../lib/trust";
import { VAULT_RELEASE, VAULT_TLS_SECRET } from "./values";

/** The listener CA: 10 years, renewed in its last year. */
export const LISTENER_CA_VALIDITY = { validityPeriodHours: 10 * 365 * 24, earlyRenewalHours: 365 * 24 };

/** The server certificate: 1 year, renewed 30 days ahead. */
export const LISTENER_CERT_VALIDITY = { validityPeriodHours: 365 * 24, earlyRenewalHours: 30 * 24 };

/** Names the server certificate covers. */
export interface ListenerSans {
    dnsNames: string[];
    ipAddresses: string[];
}

/**
 * The Vault IP (the provider, the steps, other clusters), 127.0.0.1 (the in-pod CLI and readiness
 * probe), and the chart's Service names in the namespace (vault-helm 0.34.1: `vault`,
 * `vault-active`, the headless `vault-internal` with the pod `vault-0`).
 */
export function listenerSans(vaultIp: string): ListenerSans {
    const { name, namespace } = VAULT_SERVICE;
    return {
        dnsNames: [
            name,
            `${name}.${namespace}`,
            `${name}.${namespace}.svc`,
            `${name}.${namespace}.svc.cluster.local`,
            `${VAULT_RELEASE}-0.${VAULT_RELEASE}-internal`,
            `${VAULT_RELEASE}-0.${VAULT_RELEASE}-internal.${namespace}.svc`,
            `${VAULT_RELEASE}-active.${namespace}.svc`,
        ],
        ipAddresses: [vaultIp, "127.0.0.1"],
    };
}

/** What `listenerTls` made. */
export interface ListenerTls {
    /** The listener CA certificate (PEM, public). */
    caPem: pulumi.Output<string>;
    /** The TLS Secret the chart mounts. */
    secret: k8s.core.v1.Secret;
}

/** Creates `${name}-tls-ca-key`, `${name}-tls-ca`, `${name}-tls-key`, `${name}-tls-csr`, `${name}-tls-cert` and the Secret `${name}-tls-secret`. */
export function listenerTls(name: string, vaultIp: string, namespace: k8s.core.v1.Namespace, provider: k8s.Provider, parent: pulumi.Resource): ListenerTls {
    const opts = { parent };
    const caKey = new tls.PrivateKey(`${name}-tls-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, opts);
    const ca = new tls.SelfSignedCert(
        `${name}-tls-ca`,
        {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: "Platform Vault Listener CA", organization: "platform" },
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            ...LISTENER_CA_VALIDITY,
        },
        opts,
    );
    const key = new tls.PrivateKey(`${name}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
    const sans = listenerSans(vaultIp);
    const csr = new tls.CertRequest(
        `${name}-tls-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: `${VAULT_SERVICE.name}.${VAULT_SERVICE.namespace}.svc`, organization: "platform" },
            ...sans,
        },
        opts,
    );
    const cert = new tls.LocallySignedCert(
        `${name}-tls-cert`,
        {
            certRequestPem: csr.certRequestPem,
            caPrivateKeyPem: caKey.privateKeyPem,
            caCertPem: ca.certPem,
            allowedUses: ["digital_signature", "server_auth"],
            ...LISTENER_CERT_VALIDITY,
        },
        opts,
    );
    const secret = new k8s.core.v1.Secret(
        `${name}-tls-secret`,
        {
            metadata: { name: VAULT_TLS_SECRET, namespace: namespace.metadata.name },
            type: "kubernetes.io/tls",
            // Secret as a whole: the Secret's SDK wraps `stringData` in pulumi.secret.
            stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem, "ca.crt": ca.certPem },
        },
        { parent, provider },
    );
    return { caPem: ca.certPem, secret };
}
