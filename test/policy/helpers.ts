// Shared test helpers: building resources from Kubernetes objects and running one policy on them.
import { evaluatePolicies, PackConfig, PlannedResource, Violation } from "../../policy-pack/evaluate";
import { policies } from "../../policy-pack/policies";
import { typeToken } from "../../policy-pack/lib/type-token";

export { REPO_ROOT, requireShared, SHARED } from "../support/offline";

export function resourceOf(object: Record<string, any>, index = 0): PlannedResource {
    const type = typeToken(object.apiVersion, object.kind);
    return {
        urn: `urn:pulumi:test::test::${type}::${object.metadata?.name ?? "unnamed"}-${index}`,
        type,
        name: object.metadata?.name ?? "",
        dependencies: [],
        inputs: object,
    };
}

/** Violations of the policies matching `policy` (a name or glob) over the objects. */
export function check(policy: string | string[], objects: Record<string, any> | Record<string, any>[], config?: PackConfig): Violation[] {
    const list = Array.isArray(objects) ? objects : [objects];
    return evaluatePolicies(list.map(resourceOf), { policyNames: Array.isArray(policy) ? policy : [policy], config });
}

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;

/** The pod's spec and metadata as the pod template of a workload of the given kind. */
export function asWorkload(pod: Record<string, any>, kind: (typeof WORKLOAD_KINDS)[number]): Record<string, any> {
    const template = { metadata: { labels: { app: "x" }, ...(pod.metadata?.annotations ? { annotations: pod.metadata.annotations } : {}) }, spec: pod.spec };
    const metadata = {
        name: pod.metadata?.name ?? "w",
        ...(pod.metadata?.namespace ? { namespace: pod.metadata.namespace } : {}),
        ...(pod.metadata?.labels ? { labels: pod.metadata.labels } : {}),
    };
    switch (kind) {
        case "CronJob":
            return { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template } } } };
        case "Job":
            return { apiVersion: "batch/v1", kind, metadata, spec: { template } };
        default:
            return { apiVersion: "apps/v1", kind, metadata, spec: { selector: { matchLabels: { app: "x" } }, template } };
    }
}

/** The path prefix of the pod spec in each kind, for asserting messages. */
export function specPath(kind: string): string {
    return kind === "Pod" ? "spec" : kind === "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
}

/** Every kind a pod spec can appear in: the Pod itself and each workload built from it. */
export function inEveryKind(pod: Record<string, any>): [string, Record<string, any>][] {
    return [["Pod", pod], ...WORKLOAD_KINDS.map((k) => [k, asWorkload(pod, k)] as [string, Record<string, any>])];
}

/** The shape every policy shares: a kebab-case name, a full-sentence description and a default level. */
export function assertPolicyMetadata(name: string, level: "advisory" | "mandatory"): void {
    const policy = policies.find((p) => p.name === name);
    if (!policy) {
        throw new Error(`policy ${name} is not in the pack`);
    }
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
        throw new Error(`policy name ${name} is not kebab-case`);
    }
    if (!/^[A-Z].*\.$/.test(policy.description)) {
        throw new Error(`policy ${name}: description is not a full sentence: ${policy.description}`);
    }
    if (policy.enforcementLevel !== level) {
        throw new Error(`policy ${name}: level ${policy.enforcementLevel}, expected ${level}`);
    }
}

/** A Deployment that passes every workload policy; tests mutate one field of it. */
export function compliantDeployment(): Record<string, any> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "apps", labels: { svc: "web", team: "platform", region: "kr", release_id: "r1" } },
        spec: {
            selector: { matchLabels: { app: "web" } },
            template: {
                metadata: { labels: { app: "web" } },
                spec: {
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    initContainers: [
                        {
                            name: "init",
                            image: "harbor.local.dev/tools/init:1.2.0",
                            resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                    containers: [
                        {
                            name: "web",
                            image: "docker.io/library/nginx:1.27.0",
                            resources: { requests: { cpu: "250m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                    ephemeralContainers: [
                        {
                            name: "debug",
                            image: "gcr.io/distroless/static:nonroot",
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                },
            },
        },
    };
}

/** Gateway API objects as the platform writes them: main-gateway with an HTTP listener kept for the redirect, and an HTTPS one. */
export const gatewayApi = {
    gateway(listeners?: Record<string, any>[]): Record<string, any> {
        return {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "main-gateway", namespace: "gateway-system" },
            spec: {
                gatewayClassName: "cilium",
                listeners: listeners ?? [
                    { name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Same" } } },
                    {
                        name: "https",
                        port: 443,
                        protocol: "HTTPS",
                        tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "wildcard-tls" }] },
                        allowedRoutes: { namespaces: { from: "All" } },
                    },
                ],
            },
        };
    },
    /** The HTTP-to-HTTPS redirect on the HTTP listener (gateway-api guide "HTTP redirects and rewrites"). */
    redirect(): Record<string, any> {
        return {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: "https-redirect", namespace: "gateway-system" },
            spec: {
                parentRefs: [{ name: "main-gateway", sectionName: "http" }],
                rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
            },
        };
    },
    route(name: string, namespace: string, hostnames: string[], parentRef: Record<string, any> = { sectionName: "https" }): Record<string, any> {
        return {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name, namespace },
            spec: {
                parentRefs: [{ name: "main-gateway", namespace: "gateway-system", ...parentRef }],
                hostnames,
                rules: [{ backendRefs: [{ name, port: 80 }] }],
            },
        };
    },
};
