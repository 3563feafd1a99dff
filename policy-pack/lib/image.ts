// Container image references, normalised the way the container runtime resolves them
// (`nginx` is `docker.io/library/nginx`, `bitnami/redis` is `docker.io/bitnami/redis`).

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
    const parts = rest.split("/");
    const first = parts[0];
    const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
    let registry = hasRegistry ? first : "docker.io";
    let repository = hasRegistry ? parts.slice(1).join("/") : rest;
    if (registry === "index.docker.io") {
        registry = "docker.io";
    }
    if (registry === "docker.io" && !repository.includes("/")) {
        repository = `library/${repository}`;
    }
    return { registry, repository, tag, digest };
}

/** `registry/repository`, the form trusted-registry prefixes are matched against. */
export const imageName = (ref: ImageRef) => `${ref.registry}/${ref.repository}`;
