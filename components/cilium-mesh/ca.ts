/**
 * The one Cilium CA of the mesh. Every cluster passes it as the chart's `tls.ca`, so the
 * clustermesh-apiserver server certs and the "remote" client certs of all three clusters chain to
 * the same root, and `clustermesh.config.clusters[].tls` can be left out (chart values.yaml,
 * Cilium 1.20: "can (and should) be omitted in case the CA is shared across clusters").
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** The shared CA as PEM text; the key is a secret. */
export interface MeshCa {
    /** CA certificate, PEM. */
    certPem: pulumi.Input<string>;
    /** CA private key, PEM (secret). */
    keyPem: pulumi.Input<string>;
}

/** Ten years: the CA is only rotated deliberately (new key, all clusters upgraded together). */
export const MESH_CA_VALIDITY_HOURS = 10 * 365 * 24;

/**
 * Generates the CA once, in the mgmt stack. It lives in that stack's state, so later updates
 * reuse it and the Cilium releases see no diff.
 */
export function createMeshCa(name: string, opts?: pulumi.CustomResourceOptions): { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } {
    const key = new tls.PrivateKey(
        `${name}-key`,
        { algorithm: "RSA", rsaBits: 4096 },
        { ...opts, additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] },
    );
    const cert = new tls.SelfSignedCert(
        `${name}-cert`,
        {
            privateKeyPem: key.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: "Cilium Mesh CA", organization: "platform" },
            validityPeriodHours: MESH_CA_VALIDITY_HOURS,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
        },
        opts,
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
}
