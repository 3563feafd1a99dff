// Upstream manifests as typed resources: the fetched files are checked against their pins (digest,
// objects, kinds), every pinned object is one resource in the plan, and the plan says plainly which
// objects it registered without reading their content.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { checkPinnedFile, FETCH_SCRIPT, objectId } from "../../components/lib/pinned-manifest";
import { MANIFESTS, PinnedFile } from "../../config/versions";
import { OFFLINE_UNREAD_ANNOTATION } from "../../tools/offline/mocks";
import { shellcheck } from "../support/validators";
import { PlannedStack, planShipped, requireTool } from "../support/offline";
import { providerBuiltComponents, requireSchemas } from "./helpers";

const GATEWAY_API_COPIES = "crds/gateway-api";
const gatewaysFile = MANIFESTS.gatewayApi.files.find((f) => f.url.endsWith("_gateways.yaml")) as PinnedFile;

/** The upstream copy of a pinned file in ../shared/schemas, when there is one. */
function sharedCopy(schemas: string, file: PinnedFile): Buffer | undefined {
    const copy = path.join(schemas, GATEWAY_API_COPIES, path.basename(file.url));
    return fs.existsSync(copy) ? fs.readFileSync(copy) : undefined;
}

describe("pinned manifests: the check of a fetched file", () => {
    it("accepts the tag's bytes, with their digest and objects", function () {
        const bytes = sharedCopy(requireSchemas(this), gatewaysFile)!;
        const objects = checkPinnedFile(gatewaysFile, bytes);
        assert.deepEqual(objects.map(objectId), ["CustomResourceDefinition/gateways.gateway.networking.k8s.io"]);
        assert.equal((objects[0].metadata.annotations as Record<string, string>)["gateway.networking.k8s.io/bundle-version"], MANIFESTS.gatewayApi.version);
    });

    it("refuses bytes whose sha256 differs from the pin, naming both digests", function () {
        const bytes = sharedCopy(requireSchemas(this), gatewaysFile)!;
        const altered = Buffer.concat([bytes, Buffer.from("# appended\n")]);
        assert.throws(
            () => checkPinnedFile(gatewaysFile, altered),
            new RegExp(`sha256 is [0-9a-f]{64}, the pin in config/versions.ts says ${gatewaysFile.sha256}`),
        );
    });

    const unpinned: PinnedFile = { url: "https://example.invalid/x.yaml", objects: ["CustomResourceDefinition/xs.example.io"] };
    const crd = (name: string, extra: object = {}) =>
        stringify({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name }, ...extra });

    it("refuses a file that holds other objects than the pin lists", () => {
        assert.deepEqual(checkPinnedFile(unpinned, Buffer.from(crd("xs.example.io"))).map(objectId), unpinned.objects);
        assert.throws(
            () => checkPinnedFile(unpinned, Buffer.from(`${crd("xs.example.io")}---\n${crd("ys.example.io")}`)),
            /holds \[.*ys\.example\.io\], the pin .* lists \[/,
        );
        assert.throws(() => checkPinnedFile(unpinned, Buffer.from(crd("zs.example.io"))), /holds \[CustomResourceDefinition\/zs\.example\.io\]/);
    });

    it("refuses a kind or apiVersion the module does not apply", () => {
        const wrongVersion = stringify({ apiVersion: "apiextensions.k8s.io/v1beta1", kind: "CustomResourceDefinition", metadata: { name: "xs.example.io" } });
        assert.throws(() => checkPinnedFile(unpinned, Buffer.from(wrongVersion)), /is apiextensions\.k8s\.io\/v1beta1; pinned manifests may hold only/);
        const deployment: PinnedFile = { ...unpinned, objects: ["Deployment/x"] };
        assert.throws(
            () => checkPinnedFile(deployment, Buffer.from(stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } }))),
            /pinned manifests may hold only/,
        );
    });

    it("refuses broken YAML", () => {
        assert.throws(() => checkPinnedFile(unpinned, Buffer.from("kind: [")), /is not valid YAML/);
    });

    it("fetches with a script that passes shellcheck, fails on HTTP errors and keeps every byte", function () {
        requireTool(this, "shellcheck");
        assert.equal(shellcheck(`#!/bin/bash\n${FETCH_SCRIPT}\n`), "");
        assert.match(FETCH_SCRIPT, /set -euo pipefail/);
        assert.match(FETCH_SCRIPT, /curl -fsSL/);
        assert.match(FETCH_SCRIPT, /\| base64$/);
    });
});

describe("pinned manifests: Gateway API v1.6.1 standard channel", function () {
    this.timeout(180_000);
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });

    it("pins the standard-channel files of the tag, each by its tag URL", () => {
        const files = MANIFESTS.gatewayApi.files.map((f) => path.basename(f.url));
        assert.equal(MANIFESTS.gatewayApi.version, "v1.6.1");
        const crds = [
            "backendtlspolicies",
            "gatewayclasses",
            "gateways",
            "grpcroutes",
            "httproutes",
            "listenersets",
            "referencegrants",
            "tcproutes",
            "tlsroutes",
            "udproutes",
        ];
        assert.deepEqual(
            [...files].sort(),
            [...crds.map((c) => `gateway.networking.k8s.io_${c}.yaml`), "gateway.networking.k8s.io_vap_safeupgrades.yaml"].sort(),
        );
        for (const f of MANIFESTS.gatewayApi.files) {
            assert.match(f.url, /^https:\/\/raw\.githubusercontent\.com\/kubernetes-sigs\/gateway-api\/v1\.6\.1\/config\/crd\/standard\//);
        }
    });

    it("every pin with a copy in ../shared carries that copy's digest", function () {
        const schemas = requireSchemas(this);
        let checked = 0;
        for (const f of MANIFESTS.gatewayApi.files) {
            const bytes = sharedCopy(schemas, f);
            if (bytes) {
                assert.doesNotThrow(() => checkPinnedFile(f, bytes), f.url);
                assert.ok(f.sha256, `${f.url} has a copy in ../shared but no digest in its pin`);
                checked++;
            }
        }
        assert.equal(checked, 3, "GatewayClass, Gateway and HTTPRoute have upstream copies");
    });

    it("registers every pinned object as its own typed resource in every stack, before Cilium", () => {
        const pinned = MANIFESTS.gatewayApi.files.flatMap((f) => f.objects);
        for (const planned of stacks) {
            const registered = planned.resources
                .filter((r) =>
                    [
                        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
                        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
                    ].includes(r.type),
                )
                .map((r) => objectId(r.inputs as any));
            assert.deepEqual([...registered].sort(), [...pinned].sort(), planned.stack);
        }
    });

    it("shows the objects it read in full and marks the ones it could not read", function () {
        const schemas = requireSchemas(this);
        for (const planned of stacks) {
            for (const f of MANIFESTS.gatewayApi.files) {
                for (const id of f.objects) {
                    const r = planned.resources.find((x) => x.type.endsWith(`:${id.split("/")[0]}`) && objectId(x.inputs as any) === id);
                    assert.ok(r, `${planned.stack}: ${id}`);
                    const annotations = ((r.inputs.metadata as any).annotations ?? {}) as Record<string, string>;
                    if (sharedCopy(schemas, f)) {
                        assert.equal(annotations[OFFLINE_UNREAD_ANNOTATION], undefined, id);
                        assert.equal(annotations["gateway.networking.k8s.io/bundle-version"], "v1.6.1", id);
                        assert.ok((r.inputs.spec as any).versions.length > 0, `${id} has its schema`);
                    } else {
                        assert.match(annotations[OFFLINE_UNREAD_ANNOTATION], /^not read: the offline plan has no copy of https:/, id);
                        assert.deepEqual(r.inputs.spec, {}, `${id}: nothing made up`);
                    }
                }
            }
        }
    });
});

describe("the plan has no component only a provider can expand", function () {
    this.timeout(180_000);

    it("every component of every stack is the platform's own (no yaml/v2, helm.sh/v4 Chart or kustomize)", async () => {
        for (const planned of await planShipped()) {
            assert.deepEqual(
                providerBuiltComponents(planned.recorded).map((r) => `${r.type} ${r.name}`),
                [],
                `${planned.stack}: their children exist only under the real engine, unseen by the plan and the pack`,
            );
        }
    });
});
