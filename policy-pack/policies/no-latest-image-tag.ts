// Seed 002 supply chain: images are pinned, so a deploy is reproducible and scanned images are the ones run.
import { containersOf } from "../lib/k8s";
import { parseImage } from "../lib/image";
import { workloadPolicy } from "../lib/workload-policy";

export const noLatestImageTag = workloadPolicy({
    name: "no-latest-image-tag",
    description: "Container images must be pinned to an explicit tag other than latest, or to a digest.",
    enforcementLevel: "mandatory",
    validate: (pod, _args, reportViolation) => {
        for (const c of containersOf(pod)) {
            const image = c.container.image;
            if (typeof image !== "string" || image === "") {
                continue; // An empty image is reported by trusted-image-registries.
            }
            const ref = parseImage(image);
            if (ref.digest) {
                continue;
            }
            if (ref.tag === undefined) {
                reportViolation(`${c.path}.image ${JSON.stringify(image)} has no tag; pin it to a version tag or a digest.`);
            } else if (ref.tag === "latest") {
                reportViolation(`${c.path}.image ${JSON.stringify(image)} uses the "latest" tag; pin it to a version tag or a digest.`);
            }
        }
    },
});
