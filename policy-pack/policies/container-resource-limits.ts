// Seed 003 "every container sets resource limits" and seed 001 §13.2 (CPU and memory limits).
import { containersOf } from "../lib/k8s";
import { parseQuantity } from "../lib/units";
import { workloadPolicy } from "../lib/workload-policy";

const RESOURCES = ["cpu", "memory"];

export const containerResourceLimits = workloadPolicy({
    name: "container-resource-limits",
    description: "Every container and init container must set CPU and memory limits, and requests must not exceed limits.",
    enforcementLevel: "mandatory",
    validate: (pod, _args, reportViolation) => {
        // Ephemeral containers are left out: the API forbids resources on them.
        for (const c of containersOf(pod, ["initContainers", "containers"])) {
            const limits = c.container.resources?.limits ?? {};
            const requests = c.container.resources?.requests ?? {};
            for (const r of RESOURCES) {
                const path = `${c.path}.resources`;
                const limit = parseQuantity(limits[r]);
                if (limits[r] === undefined || limits[r] === null) {
                    reportViolation(`${path}.limits.${r} is not set; set a ${r} limit.`);
                    continue;
                }
                if (limit === undefined) {
                    reportViolation(`${path}.limits.${r} ${JSON.stringify(limits[r])} is not a valid quantity; use e.g. "500m" or "256Mi".`);
                    continue;
                }
                const request = parseQuantity(requests[r]);
                if (request !== undefined && request > limit) {
                    reportViolation(
                        `${path}.requests.${r} ${JSON.stringify(requests[r])} exceeds limits.${r} ${JSON.stringify(limits[r])}; ` +
                            "lower the request or raise the limit.",
                    );
                }
            }
        }
    },
});
