/**
 * Upstream manifests applied as typed resources: fetched at program start from the URLs pinned in
 * config/versions.ts, checked against the pin, then registered one resource per object. Every
 * object is then visible to `pulumi preview`, the policy pack and the offline plan, and a preview
 * needs no reachable cluster: a `yaml/v2` component would render in the provider's Construct,
 * which fails once the kubeconfig is known and the cluster is down (pulumi-kubernetes
 * provider_construct.go, issue #3027).
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { parseAllDocuments } from "yaml";
import { ManifestPin, PinnedFile } from "../../config/versions";
import { MANIFEST_API_VERSIONS } from "./manifest-kinds";

/** One Kubernetes object of a manifest, as parsed. */
export interface ManifestObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; [key: string]: unknown };
    [key: string]: unknown;
}

type Create = (name: string, object: ManifestObject, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed resource each kind of MANIFEST_API_VERSIONS becomes, and its name prefix. */
const KINDS: Record<string, { prefix: string; create: Create }> = {
    CustomResourceDefinition: {
        prefix: "crd",
        create: (name, o, opts) =>
            new k8s.apiextensions.v1.CustomResourceDefinition(name, o as unknown as k8s.apiextensions.v1.CustomResourceDefinitionArgs, opts),
    },
    ValidatingAdmissionPolicy: {
        prefix: "vap",
        create: (name, o, opts) =>
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(name, o as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs, opts),
    },
    ValidatingAdmissionPolicyBinding: {
        prefix: "vapb",
        create: (name, o, opts) =>
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                name,
                o as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs,
                opts,
            ),
    },
};

/**
 * What the real program runs on the machine that runs Pulumi, for one file. The bytes travel as
 * base64 because the command provider trims the trailing newline of stdout, and the digest is
 * over the exact bytes.
 */
export const FETCH_SCRIPT = 'set -euo pipefail\ncurl -fsSL --retry 3 --max-time 120 "$PINNED_URL" | base64';

/** Fetches one pinned file (an invoke: it runs on every preview and update). */
export async function fetchPinnedFile(file: PinnedFile): Promise<Buffer> {
    const result = await command.local.run({ command: FETCH_SCRIPT, interpreter: ["/bin/bash", "-c"], environment: { PINNED_URL: file.url }, logging: "none" });
    return Buffer.from(result.stdout, "base64");
}

/** `<kind>/<name>`, the form pins list objects in. */
export function objectId(object: { kind?: unknown; metadata?: { name?: unknown } }): string {
    return `${String(object.kind)}/${String(object.metadata?.name)}`;
}

/**
 * Checks fetched bytes against their pin and parses them: the digest when the pin has one, then
 * exactly the pinned objects, each of a kind this module can apply with the right apiVersion.
 */
export function checkPinnedFile(file: PinnedFile, bytes: Buffer): ManifestObject[] {
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (file.sha256 !== undefined && digest !== file.sha256) {
        throw new pulumi.RunError(
            `${file.url}: sha256 is ${digest}, the pin in config/versions.ts says ${file.sha256}; review the upstream change, then update the pin`,
        );
    }
    const docs = parseAllDocuments(bytes.toString("utf8"));
    const broken = docs.find((d) => d.errors.length > 0);
    if (broken) {
        throw new pulumi.RunError(`${file.url} is not valid YAML: ${broken.errors[0].message}`);
    }
    const objects = docs.map((d) => d.toJS() as ManifestObject | null).filter((o): o is ManifestObject => o !== null);
    const ids = objects.map(objectId);
    if (ids.join("\n") !== file.objects.join("\n")) {
        throw new pulumi.RunError(
            `${file.url} holds [${ids.join(", ")}], the pin in config/versions.ts lists [${file.objects.join(", ")}]; ` +
                "review the upstream change, then update the pin",
        );
    }
    for (const o of objects) {
        const expected = MANIFEST_API_VERSIONS[o.kind];
        if (expected === undefined || o.apiVersion !== expected) {
            const allowed = Object.entries(MANIFEST_API_VERSIONS).map(([kind, apiVersion]) => `${apiVersion} ${kind}`);
            throw new pulumi.RunError(`${file.url}: ${objectId(o)} is ${o.apiVersion}; pinned manifests may hold only ${allowed.join(", ")}`);
        }
    }
    return objects;
}

/** Fetches and checks every file of a pinned manifest; call it before creating any resource. */
export async function fetchPinnedManifest(pin: ManifestPin): Promise<ManifestObject[]> {
    const files = await Promise.all(pin.files.map(async (file) => checkPinnedFile(file, await fetchPinnedFile(file))));
    return files.flat();
}

/** One typed resource per object, named `${name}-<kind prefix>-<object name>`. */
export function manifestResources(name: string, objects: ManifestObject[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
    return objects.map((o) => {
        const kind = KINDS[o.kind];
        return kind.create(`${name}-${kind.prefix}-${o.metadata.name}`, o, opts);
    });
}
