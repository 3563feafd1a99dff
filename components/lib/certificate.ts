/**
 * The one shape of a certificate the platform asks cert-manager for: signed by Vault's `pki_int`
 * through `vault-issuer`, ECDSA P-256, 720 h, renewed 360 h before expiry (seed 001 §11.4; the
 * `k8s-certs` role allows at most 30 days).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { VAULT_ISSUER } from "./trust";

/** Lifetime of every platform certificate. */
export const CERTIFICATE_DURATION = "720h";
/** When cert-manager renews it. */
export const CERTIFICATE_RENEW_BEFORE = "360h";

/** Arguments of `certificateSpec`. */
export interface CertificateArgs {
    /** Name of the Certificate. */
    name: string;
    /** Its namespace; the Secret is written there. */
    namespace: string;
    /** The TLS Secret cert-manager writes. */
    secretName: string;
    /** DNS names; the first is the common name. */
    dnsNames: string[];
    /** IP SANs, for services reached by address (Keycloak as the OIDC issuer, the S3 endpoint). */
    ipAddresses?: string[];
}

/** The cert-manager.io/v1 Certificate; a pure function so tests validate it against the upstream CRD. */
export function certificateSpec(args: CertificateArgs): Record<string, any> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: args.name, namespace: args.namespace },
        spec: {
            secretName: args.secretName,
            issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: VAULT_ISSUER },
            commonName: args.dnsNames[0],
            dnsNames: args.dnsNames,
            ...(args.ipAddresses && args.ipAddresses.length > 0 ? { ipAddresses: args.ipAddresses } : {}),
            duration: CERTIFICATE_DURATION,
            renewBefore: CERTIFICATE_RENEW_BEFORE,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
    };
}

/** Creates the Certificate `name`; pass the issuer in `opts.dependsOn`. */
export function platformCertificate(name: string, args: CertificateArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, certificateSpec(args) as k8s.apiextensions.CustomResourceArgs, opts);
}
