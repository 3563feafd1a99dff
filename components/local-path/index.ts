/**
 * LocalPath: node-local volumes from rancher/local-path-provisioner and the two StorageClasses of
 * seed 001 §7.5: `local-path` (default, Delete) and `local-path-retain` (Retain, for Vault and
 * MinIO data).
 *
 * Upstream publishes no Helm repository, only `deploy/local-path-storage.yaml`. Its objects are
 * written here as typed resources, following that manifest of the pinned tag (names, RBAC, config,
 * helper pod), so the plan and the policy pack see each of them. What the platform adds: the PSA
 * labels and exemption record, a pinned helper image, requests and limits, a locked-down
 * provisioner container (the settings upstream's own chart suggests in its values.yaml) and the
 * default-class mark.
 */
import * as k8s from "@pulumi/kubernetes";
import type { input as Inputs } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { IMAGES } from "../../config/versions";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { resources } from "../lib/pinned-release";
import { namespaceMetadata } from "../lib/psa";

export const LOCAL_PATH_NAMESPACE = PRIVILEGED_NAMESPACES.localPath.namespace;
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";

/** Upstream's object names (deploy/local-path-storage.yaml). */
const NAMES = {
    serviceAccount: "local-path-provisioner-service-account",
    role: "local-path-provisioner-role",
    binding: "local-path-provisioner-bind",
    config: "local-path-config",
};
const APP_LABELS = { app: "local-path-provisioner" };
const CONFIG_DIR = "/etc/config/";

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
        standard: {
            metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            ...common,
            reclaimPolicy: "Delete",
        },
        retain: { metadata: { name: "local-path-retain" }, ...common, reclaimPolicy: "Retain" },
    };
}

/** Upstream's RBAC: helper pods in its own namespace, volumes and claims cluster-wide. */
export function localPathRbac(): { role: Inputs.rbac.v1.Role; clusterRole: Inputs.rbac.v1.ClusterRole } {
    const read = ["get", "list", "watch"];
    const write = [...read, "create", "patch", "update", "delete"];
    return {
        role: { metadata: { name: NAMES.role, namespace: LOCAL_PATH_NAMESPACE }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: write }] },
        clusterRole: {
            metadata: { name: NAMES.role },
            rules: [
                { apiGroups: [""], resources: ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"], verbs: read },
                { apiGroups: [""], resources: ["persistentvolumes"], verbs: write },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: read },
            ],
        },
    };
}

/**
 * The pod the provisioner starts on a node to create or remove a volume directory; it adds the
 * hostPath volume and the setup/teardown command itself. Upstream's template with the pinned image
 * and explicit resources.
 */
export function helperPodTemplate(): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "helper-pod" },
        spec: {
            priorityClassName: "system-node-critical",
            tolerations: [{ key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" }],
            containers: [
                { name: "helper-pod", image: IMAGES.localPathHelper, imagePullPolicy: "IfNotPresent", resources: resources("10m", "16Mi", "100m", "64Mi") },
            ],
        },
    };
}

/** `local-path-config`: where volumes go on each node, the helper's scripts and its pod template. */
export function localPathConfig(): Inputs.core.v1.ConfigMap {
    const config = { nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/opt/local-path-provisioner"] }] };
    return {
        metadata: { name: NAMES.config, namespace: LOCAL_PATH_NAMESPACE },
        data: {
            "config.json": JSON.stringify(config, null, 2),
            setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"',
            teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"',
            "helperPod.yaml": stringify(helperPodTemplate()),
        },
    };
}

/**
 * Seed 002's label standard (svc, team, region, release_id): the owning team of the namespace's
 * exemption record, the provisioner's release, and the cluster as the region (each lab cluster is
 * its own failure domain).
 */
export function localPathLabels(clusterName: string): Record<string, string> {
    return {
        ...APP_LABELS,
        svc: "local-path-provisioner",
        team: PRIVILEGED_NAMESPACES.localPath.owner,
        region: clusterName,
        release_id: IMAGES.localPathProvisioner.split(":").pop() as string,
    };
}

/** The provisioner: upstream's container, non-root with a read-only root filesystem (it only talks to the API). */
export function localPathDeployment(clusterName: string): Inputs.apps.v1.Deployment {
    const labels = localPathLabels(clusterName);
    return {
        metadata: { name: "local-path-provisioner", namespace: LOCAL_PATH_NAMESPACE, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: APP_LABELS },
            template: {
                metadata: { labels },
                spec: {
                    serviceAccountName: NAMES.serviceAccount,
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "local-path-provisioner",
                            image: IMAGES.localPathProvisioner,
                            imagePullPolicy: "IfNotPresent",
                            command: ["local-path-provisioner", "--debug", "start", "--config", `${CONFIG_DIR}config.json`],
                            env: [
                                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                { name: "CONFIG_MOUNT_PATH", value: CONFIG_DIR },
                            ],
                            volumeMounts: [{ name: "config-volume", mountPath: CONFIG_DIR }],
                            resources: resources("10m", "32Mi", "100m", "128Mi"),
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                    volumes: [{ name: "config-volume", configMap: { name: NAMES.config } }],
                },
            },
        },
    };
}

/** Arguments of a LocalPath. */
export interface LocalPathArgs {
    /** Cluster name, the `region` of the label standard. */
    clusterName: string;
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** local-path-provisioner and its StorageClasses. */
export class LocalPath extends pulumi.ComponentResource {
    /** Name of the provisioner's namespace. */
    public readonly namespace: string;
    /** Name of the default StorageClass. */
    public readonly defaultStorageClass: string;
    /** Name of the StorageClass whose volumes outlive their claims. */
    public readonly retainStorageClass: string;

    constructor(name: string, args: LocalPathArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:LocalPath", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        // Privileged for the hostPath helper pods, with the reason and review date recorded on it (seed 001 §6.4).
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: namespaceMetadata({ privileged: PRIVILEGED_NAMESPACES.localPath }) }, childOpts);
        const inNamespace = { ...childOpts, dependsOn: [ns] };
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            { metadata: { name: NAMES.serviceAccount, namespace: LOCAL_PATH_NAMESPACE } },
            inNamespace,
        );
        const { role, clusterRole } = localPathRbac();
        const subjects = [{ kind: "ServiceAccount", name: NAMES.serviceAccount, namespace: LOCAL_PATH_NAMESPACE }];
        const nsRole = new k8s.rbac.v1.Role(`${name}-role`, role, inNamespace);
        const roleBinding = new k8s.rbac.v1.RoleBinding(
            `${name}-role-binding`,
            {
                metadata: { name: NAMES.binding, namespace: LOCAL_PATH_NAMESPACE },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: NAMES.role },
                subjects,
            },
            { ...childOpts, dependsOn: [ns, nsRole] },
        );
        const cluster = new k8s.rbac.v1.ClusterRole(`${name}-cluster-role`, clusterRole, childOpts);
        const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-cluster-role-binding`,
            { metadata: { name: NAMES.binding }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAMES.role }, subjects },
            { ...childOpts, dependsOn: [cluster] },
        );
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, localPathConfig(), inNamespace);
        // Pods need the CNI; the provisioner needs its identity, rights and config from the start.
        new k8s.apps.v1.Deployment(`${name}-provisioner`, localPathDeployment(args.clusterName), {
            ...childOpts,
            dependsOn: [...args.after, serviceAccount, roleBinding, clusterBinding, config],
        });
        const classes = localPathStorageClasses();
        new k8s.storage.v1.StorageClass(`${name}-default-class`, classes.standard, childOpts);
        new k8s.storage.v1.StorageClass(`${name}-retain-class`, classes.retain, childOpts);
        this.namespace = LOCAL_PATH_NAMESPACE;
        this.defaultStorageClass = classes.standard.metadata.name;
        this.retainStorageClass = classes.retain.metadata.name;
        this.registerOutputs({ namespace: this.namespace, defaultStorageClass: this.defaultStorageClass, retainStorageClass: this.retainStorageClass });
    }
}
