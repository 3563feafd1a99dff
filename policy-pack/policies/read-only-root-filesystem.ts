// Seed 002 §C lists readOnlyRootFilesystem among the required settings; advisory until workloads are ready.
import { containersOf } from "../lib/k8s";
import { workloadPolicy } from "../lib/workload-policy";

export const readOnlyRootFilesystem = workloadPolicy({
    name: "read-only-root-filesystem",
    description: "Containers should mount their root filesystem read-only and write only to volumes.",
    enforcementLevel: "advisory",
    validate: (pod, _args, reportViolation) => {
        for (const c of containersOf(pod)) {
            if (c.container.securityContext?.readOnlyRootFilesystem !== true) {
                reportViolation(
                    `${c.path}.securityContext.readOnlyRootFilesystem is not true; set it to true and mount an emptyDir where the container writes.`,
                );
            }
        }
    },
});
