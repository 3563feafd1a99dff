// Platform hygiene: generated passwords (Grafana, MinIO, Keycloak admin...) are long enough to resist guessing.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfTypeToken } from "../lib/type-token";

export const randomPasswordLength: ResourceValidationPolicy = {
    name: "random-password-length",
    description: "Generated random passwords must be at least 20 characters long.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { minLength: { type: "integer", minimum: 1, description: "Shortest allowed password.", default: 20 } },
    },
    validateResource: validateResourceOfTypeToken("random:index/randomPassword:RandomPassword", (args, reportViolation) => {
        const { minLength = 20 } = args.getConfig<{ minLength?: number }>();
        const length = args.props.length;
        if (typeof length !== "number" || length < minLength) {
            reportViolation(`length is ${JSON.stringify(length ?? "unset")}; set it to at least ${minLength}.`);
        }
    }),
};
