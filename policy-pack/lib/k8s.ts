// Helpers shared by the Kubernetes policies: where the pod spec lives in each workload kind,
// the containers of a pod spec, namespaces and namespace exemptions.
import { ResourceValidationArgs } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { API_SERVER_PSA_EXEMPTIONS, CONTAINER_LISTS, ContainerList } from "../conventions";

/** Path from the object root to the pod template ("" for a bare Pod), per Pulumi type token. */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
    "kubernetes:core/v1:Pod": [],
    "kubernetes:apps/v1:Deployment": ["spec", "template"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
    "kubernetes:batch/v1:Job": ["spec", "template"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
};

/** A pod spec found in a resource, with the paths used in messages. */
export interface PodTemplate {
    /** Path of the pod spec, e.g. `spec.template.spec`. */
    specPath: string;
    /** Path of the pod metadata, e.g. `spec.template.metadata`. */
    metaPath: string;
    spec: any;
    metadata: any;
}

export interface ContainerRef {
    list: ContainerList;
    index: number;
    container: any;
    /** Path of the container, e.g. `spec.template.spec.initContainers[0]`. */
    path: string;
}

/** Returns the pod spec of a Pod or workload, or undefined for any other type. */
export function podTemplateOf(type: string, props: any): PodTemplate | undefined {
    const steps = POD_TEMPLATE_PATHS[type];
    if (!steps) {
        return undefined;
    }
    let node: any = props;
    for (const step of steps) {
        node = node?.[step];
    }
    const prefix = steps.length ? steps.join(".") + "." : "";
    return {
        specPath: `${prefix}spec`,
        metaPath: `${prefix}metadata`,
        spec: node?.spec ?? {},
        metadata: node?.metadata ?? {},
    };
}

/** Containers in the order Pod Security Admission visits them: init, regular, ephemeral. */
export function containersOf(pod: PodTemplate, lists: readonly ContainerList[] = CONTAINER_LISTS): ContainerRef[] {
    const refs: ContainerRef[] = [];
    for (const list of lists) {
        const items: any[] = Array.isArray(pod.spec[list]) ? pod.spec[list] : [];
        items.forEach((container, index) => {
            refs.push({ list, index, container: container ?? {}, path: `${pod.specPath}.${list}[${index}]` });
        });
    }
    return refs;
}

/** The namespace of a namespaced object; Kubernetes puts objects without one in `default`. */
export function namespaceOf(props: any): string {
    const ns = props?.metadata?.namespace;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** The object's name for messages: metadata.name, else the Pulumi resource name. */
export function objectName(props: any, fallback: string): string {
    const name = props?.metadata?.name;
    return typeof name === "string" && name !== "" ? name : fallback;
}

export interface NamespaceExemption {
    namespace: string;
    reason: string;
}

/**
 * The namespaces the API server itself exempts from Pod Security Admission (seed 001 §6.4, "cannot
 * be reduced"): the default exemptions of the rules that mirror PSA, so the pack and the cluster agree.
 */
export const API_SERVER_EXEMPTIONS: NamespaceExemption[] = API_SERVER_PSA_EXEMPTIONS.map(({ namespace, reason }) => ({ namespace, reason }));

/** JSON schema of the `exemptNamespaces` option: every exemption must say why. */
export function exemptNamespacesSchema(defaults: NamespaceExemption[] = []): PolicyConfigJSONSchema {
    return {
        type: "array",
        description: "Namespaces this policy does not apply to, each with the reason it is exempt.",
        items: {
            type: "object",
            properties: {
                namespace: { type: "string", minLength: 1 },
                reason: { type: "string", minLength: 1 },
            },
            required: ["namespace", "reason"],
            additionalProperties: false,
        },
        default: defaults,
    };
}

/** Calls args.notApplicable when the object's namespace is exempt in the policy's config. */
export function skipExemptNamespace(args: ResourceValidationArgs): void {
    const { exemptNamespaces = [] } = args.getConfig<{ exemptNamespaces?: NamespaceExemption[] }>();
    const ns = namespaceOf(args.props);
    const exemption = exemptNamespaces.find((e) => e.namespace === ns);
    if (exemption) {
        args.notApplicable(`namespace "${ns}" is exempt: ${exemption.reason}`);
    }
}
