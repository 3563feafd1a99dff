// Seed 003 "only images from trusted registries"; the list is seed 001 §13.2.
import { containersOf } from "../lib/k8s";
import { imageName, parseImage } from "../lib/image";
import { workloadPolicy } from "../lib/workload-policy";

const DEFAULT_TRUSTED_REGISTRIES = ["harbor.local.dev", "gcr.io", "docker.io/library"];

export const trustedImageRegistries = workloadPolicy({
    name: "trusted-image-registries",
    description: "Container images must come from one of the configured trusted registries.",
    enforcementLevel: "mandatory",
    options: {
        trustedRegistries: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Registry hosts or path prefixes, e.g. \"harbor.local.dev\" or \"docker.io/library\".",
            default: DEFAULT_TRUSTED_REGISTRIES,
        },
    },
    validate: (pod, args, reportViolation) => {
        const { trustedRegistries = DEFAULT_TRUSTED_REGISTRIES } = args.getConfig<{ trustedRegistries?: string[] }>();
        const prefixes = trustedRegistries.map(r => r.replace(/\/+$/, ""));
        for (const c of containersOf(pod)) {
            const image = c.container.image;
            if (typeof image !== "string" || image === "") {
                reportViolation(`${c.path}.image is not set; set an image from a trusted registry (${prefixes.join(", ")}).`);
                continue;
            }
            const name = imageName(parseImage(image));
            if (!prefixes.some(p => name.startsWith(`${p}/`))) {
                reportViolation(`${c.path}.image ${JSON.stringify(image)} resolves to ${name}, which is not in a trusted registry; use one of ${prefixes.join(", ")}.`);
            }
        }
    },
});
