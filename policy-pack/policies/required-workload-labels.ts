// Seed 002 §C label standard: svc, team, region, release_id on every workload.
import { workloadPolicy } from "../lib/workload-policy";

const DEFAULT_REQUIRED_LABELS = ["svc", "team", "region", "release_id"];

export const requiredWorkloadLabels = workloadPolicy({
    name: "required-workload-labels",
    description: "Pods and workloads should carry the standard labels svc, team, region and release_id.",
    enforcementLevel: "advisory",
    options: {
        labels: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Label keys every workload must set in metadata.labels.",
            default: DEFAULT_REQUIRED_LABELS,
        },
    },
    validate: (_pod, args, reportViolation) => {
        const { labels = DEFAULT_REQUIRED_LABELS } = args.getConfig<{ labels?: string[] }>();
        const present = args.props?.metadata?.labels ?? {};
        const missing = labels.filter((l) => typeof present[l] !== "string" || present[l] === "");
        if (missing.length > 0) {
            reportViolation(`metadata.labels is missing ${missing.map((l) => JSON.stringify(l)).join(", ")}; add them (label standard: ${labels.join(", ")}).`);
        }
    },
});
