// Seed 001 §5.3 degraded mode: when mgmt (Vault) is down, app clusters keep their Secrets
// (deletionPolicy Retain) and pick up rotations within an hour (refreshInterval <= 1h).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { exemptNamespacesSchema, skipExemptNamespace } from "../lib/k8s";
import { validateResourceOfTypeToken } from "../lib/type-token";
import { parseDurationSeconds } from "../lib/units";

const ONE_HOUR = 3600;

export const externalSecretLifecycle: ResourceValidationPolicy = {
    name: "external-secret-lifecycle",
    description: "ExternalSecrets must use external-secrets.io/v1, set target.deletionPolicy to Retain and refresh at least every hour.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptNamespaces: exemptNamespacesSchema(),
            maxRefreshSeconds: { type: "integer", minimum: 1, description: "Longest allowed refreshInterval, in seconds.", default: ONE_HOUR },
        },
    },
    validateResource: [
        validateResourceOfTypeToken("kubernetes:external-secrets.io/v1:ExternalSecret", (args, reportViolation) => {
            skipExemptNamespace(args);
            const { maxRefreshSeconds = ONE_HOUR } = args.getConfig<{ maxRefreshSeconds?: number }>();
            const spec = args.props.spec ?? {};
            const deletionPolicy = spec.target?.deletionPolicy;
            if (deletionPolicy !== "Retain") {
                reportViolation(
                    `spec.target.deletionPolicy is ${JSON.stringify(deletionPolicy ?? "unset")}; set it to "Retain" so the Secret survives a Vault outage.`,
                );
            }
            const raw = spec.refreshInterval;
            const seconds = parseDurationSeconds(raw);
            if (raw === undefined) {
                reportViolation(`spec.refreshInterval is not set; set it explicitly, e.g. "1h".`);
            } else if (seconds === undefined || seconds === 0 || seconds > maxRefreshSeconds) {
                reportViolation(
                    `spec.refreshInterval is ${JSON.stringify(raw)}; set a refresh of at most ${maxRefreshSeconds} seconds, e.g. "1h" ("0" never refreshes).`,
                );
            }
        }),
        validateResourceOfTypeToken("kubernetes:external-secrets.io/v1beta1:ExternalSecret", (_args, reportViolation) => {
            reportViolation("apiVersion external-secrets.io/v1beta1 is no longer served since ESO v0.17.0; use external-secrets.io/v1.");
        }),
    ],
};
