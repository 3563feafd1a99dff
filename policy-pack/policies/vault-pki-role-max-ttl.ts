// Platform hygiene (seed 001 §11.3 sets max_ttl=720h): short-lived leaf certificates limit the
// damage of a leaked key; cert-manager renews them long before expiry.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfTypeToken } from "../lib/type-token";
import { parseDurationSeconds } from "../lib/units";

const THIRTY_DAYS = 30 * 24 * 3600;

export const vaultPkiRoleMaxTtl: ResourceValidationPolicy = {
    name: "vault-pki-role-max-ttl",
    description: "Vault PKI roles must set a maximum certificate TTL of at most 30 days.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxTtlSeconds: { type: "integer", minimum: 1, description: "Largest allowed maxTtl, in seconds.", default: THIRTY_DAYS },
        },
    },
    validateResource: validateResourceOfTypeToken("vault:pkiSecret/secretBackendRole:SecretBackendRole", (args, reportViolation) => {
        const { maxTtlSeconds = THIRTY_DAYS } = args.getConfig<{ maxTtlSeconds?: number }>();
        const raw = args.props.maxTtl;
        const seconds = parseDurationSeconds(raw);
        if (raw === undefined || raw === null || raw === "") {
            reportViolation(`maxTtl is not set, so the mount's maximum applies; set maxTtl to at most ${maxTtlSeconds} seconds.`);
        } else if (seconds === undefined) {
            reportViolation(`maxTtl ${JSON.stringify(raw)} is not a duration; give it in seconds, e.g. "${maxTtlSeconds}".`);
        } else if (seconds > maxTtlSeconds) {
            reportViolation(`maxTtl ${JSON.stringify(raw)} is ${seconds} seconds, above the ${maxTtlSeconds}-second limit; lower it.`);
        }
    }),
};
