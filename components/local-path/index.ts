/**
 * LocalPath: node-local volumes from rancher/local-path-provisioner and the two StorageClasses of
 * seed 001 §7.5: `local-path` (default, Delete) and `local-path-retain` (Retain, for Vault and
 * MinIO data).
 *
 * Upstream publishes no Helm repository, so its pinned deploy manifest is applied as is; that
 * manifest creates the `local-path-storage` namespace and the `local-path` class, which are then
 * patched (server-side apply) with what the platform adds: PSA labels and the default-class mark.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANIFESTS } from "../../config/versions";
import { privilegedNamespaceMetadata, PsaExemption } from "../psa-exemption";

export const LOCAL_PATH_NAMESPACE = "local-path-storage";
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";

/** The provisioner's helper pods mount hostPath to create and delete volume directories. */
export const LOCAL_PATH_PSA_EXEMPTION: PsaExemption = {
    reason: "local-path-provisioner helper pods mount hostPath to create and remove volume directories on the node",
    owner: "platform-storage",
};

/** A StorageClass of seed 001 §7.5. */
export interface LocalPathClass {
    metadata: { name: string; annotations?: Record<string, string> };
    provisioner: string;
    volumeBindingMode: "WaitForFirstConsumer";
    reclaimPolicy: "Delete" | "Retain";
}

/**
 * The two classes. WaitForFirstConsumer: a local volume must be created on the node the pod is
 * scheduled to, so binding waits for scheduling.
 */
export function localPathStorageClasses(): { standard: LocalPathClass; retain: LocalPathClass } {
    const common = { provisioner: LOCAL_PATH_PROVISIONER, volumeBindingMode: "WaitForFirstConsumer" as const };
    return {
        standard: { metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, ...common, reclaimPolicy: "Delete" },
        retain: { metadata: { name: "local-path-retain" }, ...common, reclaimPolicy: "Retain" },
    };
}

/** Arguments of a LocalPath. */
export interface LocalPathArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** local-path-provisioner and its StorageClasses. */
export class LocalPath extends pulumi.ComponentResource {
    /** Name of the default StorageClass. */
    public readonly defaultStorageClass: string;
    /** Name of the StorageClass whose volumes outlive their claims. */
    public readonly retainStorageClass: string;

    constructor(name: string, args: LocalPathArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:LocalPath", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        const classes = localPathStorageClasses();
        const manifest = new k8s.yaml.v2.ConfigFile(`${name}-provisioner`, { file: MANIFESTS.localPathProvisioner.url }, { ...childOpts, dependsOn: args.after });
        const afterManifest = { ...childOpts, dependsOn: [manifest] };
        // Privileged, with the reason and review date recorded on the namespace (seed 001 §6.4).
        new k8s.core.v1.NamespacePatch(`${name}-namespace`, { metadata: privilegedNamespaceMetadata(LOCAL_PATH_NAMESPACE, LOCAL_PATH_PSA_EXEMPTION) }, afterManifest);
        // Same spec as upstream's class; the patch adds the default-class annotation.
        new k8s.storage.v1.StorageClassPatch(`${name}-default-class`, classes.standard, afterManifest);
        new k8s.storage.v1.StorageClass(`${name}-retain-class`, classes.retain, afterManifest);
        this.defaultStorageClass = classes.standard.metadata.name;
        this.retainStorageClass = classes.retain.metadata.name;
        this.registerOutputs({ defaultStorageClass: this.defaultStorageClass, retainStorageClass: this.retainStorageClass });
    }
}
