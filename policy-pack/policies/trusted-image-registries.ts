// Seed 003 "only images from trusted registries"; the list is seed 001 §13.2. A platform image from
// outside the list is admitted only by its exact name, with the reason (conventions.ts ALLOWED_IMAGES).
import { AllowedImage, ALLOWED_IMAGES, DEFAULT_TRUSTED_REGISTRIES } from "../conventions";
import { containersOf } from "../lib/k8s";
import { imageName, isTrustedImage, parseImage } from "../lib/image";
import { workloadPolicy } from "../lib/workload-policy";

/**
 * An image name without tag, digest or wildcard: an optional `host[:port]`, then `/`-separated
 * path components (RE2 syntax, as the engine validates pack config in Go).
 */
const EXACT_IMAGE_NAME = "^[^\\s*?@:/]+(:[0-9]+)?(/[^\\s*?@:/]+)+$";

export const trustedImageRegistries = workloadPolicy({
    name: "trusted-image-registries",
    description: "Container images must come from one of the configured trusted registries, or be allowed by their exact name with a reason.",
    enforcementLevel: "mandatory",
    options: {
        trustedRegistries: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: 'Registry hosts or path prefixes, e.g. "harbor.local.dev" or "docker.io/library".',
            default: [...DEFAULT_TRUSTED_REGISTRIES],
        },
        allowedImages: {
            type: "array",
            description: "Images allowed from outside the trusted registries, each by its exact name (no tag, no wildcard) with the reason.",
            items: {
                type: "object",
                properties: { image: { type: "string", pattern: EXACT_IMAGE_NAME }, reason: { type: "string", minLength: 1 } },
                required: ["image", "reason"],
                additionalProperties: false,
            },
            default: ALLOWED_IMAGES.map((a) => ({ ...a })),
        },
    },
    validate: (pod, args, reportViolation) => {
        const { trustedRegistries = [...DEFAULT_TRUSTED_REGISTRIES], allowedImages = [] } = args.getConfig<{
            trustedRegistries?: string[];
            allowedImages?: AllowedImage[];
        }>();
        const prefixes = trustedRegistries.map((r) => r.replace(/\/+$/, ""));
        const allowed = new Set(allowedImages.map((a) => imageName(parseImage(a.image))));
        for (const c of containersOf(pod)) {
            const image = c.container.image;
            if (typeof image !== "string" || image === "") {
                reportViolation(`${c.path}.image is not set; set an image from a trusted registry (${prefixes.join(", ")}).`);
                continue;
            }
            const name = imageName(parseImage(image));
            if (!isTrustedImage(image, prefixes) && !allowed.has(name)) {
                reportViolation(
                    `${c.path}.image ${JSON.stringify(image)} resolves to ${name}, which is not in a trusted registry; use one of ${prefixes.join(", ")}, ` +
                        `or list ${name} in this policy's allowedImages with the reason.`,
                );
            }
        }
    },
});
