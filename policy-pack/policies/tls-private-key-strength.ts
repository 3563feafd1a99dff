// Platform hygiene: the tls provider defaults ECDSA to P224, below today's minimum.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfTypeToken } from "../lib/type-token";

const DEFAULT_CURVES = ["P256", "P384", "P521"];

export const tlsPrivateKeyStrength: ResourceValidationPolicy = {
    name: "tls-private-key-strength",
    description: "TLS private keys must be ED25519, ECDSA on P-256 or larger, or RSA with at least 2048 bits.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRsaBits: { type: "integer", minimum: 1024, description: "Smallest allowed RSA key size.", default: 2048 },
            allowedEcdsaCurves: { type: "array", items: { type: "string", enum: ["P224", "P256", "P384", "P521"] }, default: DEFAULT_CURVES },
            allowEd25519: { type: "boolean", description: "Whether ED25519 keys (used for node SSH keys) are allowed.", default: true },
        },
    },
    validateResource: validateResourceOfTypeToken("tls:index/privateKey:PrivateKey", (args, reportViolation) => {
        const {
            minRsaBits = 2048,
            allowedEcdsaCurves = DEFAULT_CURVES,
            allowEd25519 = true,
        } = args.getConfig<{ minRsaBits?: number; allowedEcdsaCurves?: string[]; allowEd25519?: boolean }>();
        const { algorithm, rsaBits = 2048, ecdsaCurve = "P224" } = args.props; // provider defaults
        if (algorithm === "RSA") {
            if (rsaBits < minRsaBits) {
                reportViolation(`rsaBits is ${rsaBits}; use at least ${minRsaBits}, or ECDSA P256 / ED25519.`);
            }
        } else if (algorithm === "ECDSA") {
            if (!allowedEcdsaCurves.includes(ecdsaCurve)) {
                const defaulted = args.props.ecdsaCurve === undefined ? " (the provider default)" : "";
                reportViolation(`ecdsaCurve is ${JSON.stringify(ecdsaCurve)}${defaulted}; set it to one of ${allowedEcdsaCurves.join(", ")}.`);
            }
        } else if (algorithm === "ED25519") {
            if (!allowEd25519) {
                reportViolation(`algorithm ED25519 is not allowed by this policy's config; use ECDSA or RSA.`);
            }
        } else {
            reportViolation(`algorithm ${JSON.stringify(algorithm)} is not one of RSA, ECDSA, ED25519; pick a supported algorithm.`);
        }
    }),
};
