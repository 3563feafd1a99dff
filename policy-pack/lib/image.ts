// Container image references, normalised the way the container runtime resolves them
// (distribution/reference v0.6 normalize.go: `nginx` is `docker.io/library/nginx`,
// `bitnami/redis` is `docker.io/bitnami/redis`, `index.docker.io/x/y` is `docker.io/x/y`).
import { DOCKER_HUB, DOCKER_HUB_LEGACY_HOST, DOCKER_OFFICIAL_NAMESPACE, isRegistryHost } from "../conventions";

export interface ImageRef {
    /** Registry host, e.g. `docker.io`, `harbor.local.dev:5000`. */
    registry: string;
    /** Repository path inside the registry, e.g. `library/nginx`. */
    repository: string;
    tag?: string;
    digest?: string;
}

export function parseImage(image: string): ImageRef {
    let rest = image;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    const slash = rest.indexOf("/");
    const hasRegistry = slash >= 0 && isRegistryHost(rest.slice(0, slash));
    let registry = hasRegistry ? rest.slice(0, slash) : DOCKER_HUB;
    let repository = hasRegistry ? rest.slice(slash + 1) : rest;
    if (registry === DOCKER_HUB_LEGACY_HOST) {
        registry = DOCKER_HUB;
    }
    if (registry === DOCKER_HUB && !repository.includes("/")) {
        repository = `${DOCKER_OFFICIAL_NAMESPACE}/${repository}`;
    }
    return { registry, repository, tag, digest };
}

/** `registry/repository`, the form trusted-registry prefixes and allowed images are matched against. */
export const imageName = (ref: ImageRef) => `${ref.registry}/${ref.repository}`;

/** Whether the image resolves into one of the trusted registries (`host` or `host/path` prefixes). */
export function isTrustedImage(image: string, trustedRegistries: readonly string[]): boolean {
    const name = imageName(parseImage(image));
    return trustedRegistries.some((r) => name.startsWith(`${r.replace(/\/+$/, "")}/`));
}
