/**
 * AppNamespaces: the namespaces application teams deploy into. Each one enforces PSA
 * `restricted`, starts from a default-deny NetworkPolicy that only the essential egress of seed 001
 * §19.4 (DNS, monitoring) opens, admits traffic from the Gateway and metrics scrapes from
 * `monitoring`, and gets the LimitRange and ResourceQuota of seed 001 §20.3 (seed 002 §A/§B).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAMESPACE_LABEL } from "../../policy-pack/conventions";
import { namespaceMetadata } from "../lib/psa";

type NetworkPolicyArgs = k8s.types.input.networking.v1.NetworkPolicy;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/** Namespace label the API server sets on every namespace (Kubernetes ≥ 1.22); it cannot be forged. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Where the cluster DNS runs: CoreDNS pods keep kubeadm's `k8s-app: kube-dns` label. */
export const DNS_PEER = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };

/** The namespace of the telemetry receivers. */
export const MONITORING_NAMESPACE = "monitoring";

/**
 * Ports applications may reach in the monitoring namespace: Prometheus (seed 001 §19.4) and the
 * OTel Collector's OTLP gRPC/HTTP receivers, which apps send traces to (seed 001 §12.1).
 */
export const MONITORING_EGRESS_PORTS: ReadonlyArray<{ protocol: "TCP"; port: number }> = [
    { protocol: "TCP", port: 9090 },
    { protocol: "TCP", port: 4317 },
    { protocol: "TCP", port: 4318 },
];

/**
 * The container port name Prometheus may scrape in an application namespace: a workload exposes
 * its metrics on a port named `metrics`. A NetworkPolicy port may be a named port, matched against
 * the pod's container ports (networking.k8s.io/v1 NetworkPolicyPort).
 */
export const METRICS_PORT_NAME = "metrics";

/** Metadata of an application namespace: PSA `restricted` at every mode, and the pack's marker label. */
export function appNamespaceMetadata(ns: string): { name: string; labels: Record<string, string> } {
    const { labels } = namespaceMetadata({ name: ns, level: "restricted" });
    return { name: ns, labels: { ...labels, [APP_NAMESPACE_LABEL]: "true" } };
}

/** Selects every pod and lists both types with no rules: nothing in, nothing out. */
export function defaultDenyNetworkPolicy(ns: string): NetworkPolicyArgs {
    return {
        metadata: { name: "default-deny-all", namespace: ns },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
}

/** Egress every pod needs: cluster DNS over UDP and TCP 53 (TCP for truncated answers), and monitoring. */
export function essentialEgressNetworkPolicy(ns: string): NetworkPolicyArgs {
    const dnsPorts: NetworkPolicyPort[] = [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ];
    return {
        metadata: { name: "allow-essential-egress", namespace: ns },
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    // Namespace and pod selector in one peer: kube-dns pods in kube-system only.
                    to: [
                        {
                            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: DNS_PEER.namespace } },
                            podSelector: { matchLabels: DNS_PEER.podLabels },
                        },
                    ],
                    ports: dnsPorts,
                },
                {
                    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: MONITORING_NAMESPACE } } }],
                    ports: MONITORING_EGRESS_PORTS.map((p) => ({ ...p })),
                },
            ],
        },
    };
}

/** Ingress scrapes from the monitoring namespace, to the named metrics port only. */
export function monitoringScrapeNetworkPolicy(ns: string): NetworkPolicyArgs {
    return {
        metadata: { name: "allow-monitoring-scrape", namespace: ns },
        spec: {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: MONITORING_NAMESPACE } } }],
                    ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }],
                },
            ],
        },
    };
}

/**
 * Ingress from the Gateway. Cilium's Envoy forwards Gateway traffic with the reserved `ingress`
 * identity, which no Kubernetes NetworkPolicy can select, so default-deny drops it (Cilium docs
 * "Ingress and network policy"); only a CiliumNetworkPolicy entity rule admits it.
 */
export function gatewayIngressPolicy(ns: string): Record<string, any> {
    return {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name: "allow-gateway-ingress", namespace: ns },
        spec: { endpointSelector: {}, ingress: [{ fromEntities: ["ingress"] }] },
    };
}

/**
 * Container defaults and bounds of seed 001 §20.3. The defaults also fill in limits the Kyverno
 * `require-resource-limits` policy asks for: LimitRange admission runs before validating webhooks.
 */
export function appLimitRange(ns: string): k8s.types.input.core.v1.LimitRange {
    return {
        metadata: { name: "default-limits", namespace: ns },
        spec: {
            limits: [
                {
                    type: "Container",
                    default: { cpu: "500m", memory: "512Mi" },
                    defaultRequest: { cpu: "100m", memory: "128Mi" },
                    max: { cpu: "2", memory: "2Gi" },
                },
            ],
        },
    };
}

/** Namespace totals of seed 001 §20.3 (CPU, memory and a pod count; seed 002 §A). */
export function appResourceQuota(ns: string): k8s.types.input.core.v1.ResourceQuota {
    return {
        metadata: { name: "compute-quota", namespace: ns },
        spec: {
            hard: {
                "requests.cpu": "4",
                "requests.memory": "8Gi",
                "limits.cpu": "8",
                "limits.memory": "16Gi",
                pods: "20",
            },
        },
    };
}

/** Arguments of AppNamespaces. */
export interface AppNamespacesArgs {
    /** Namespace names (config `security.appNamespaces`; validated as DNS labels). */
    namespaces: string[];
    /** Provider of the cluster the namespaces live in. */
    provider: k8s.Provider;
    /** Done once Cilium serves the CiliumNetworkPolicy CRD (CiliumMesh.policyCrds). */
    ciliumPolicyCrds: pulumi.Resource;
}

/** The application namespaces of one cluster, with their guards. */
export class AppNamespaces extends pulumi.ComponentResource {
    /** Names of the namespaces created. */
    public readonly namespaces: pulumi.Output<string>[];

    constructor(name: string, args: AppNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:AppNamespaces", name, {}, opts);
        const { provider } = args;
        this.namespaces = args.namespaces.map((ns) => {
            const namespace = new k8s.core.v1.Namespace(`${name}-${ns}`, { metadata: appNamespaceMetadata(ns) }, { parent: this, provider });
            // Namespaced objects wait for their namespace; Pulumi only orders through inputs or dependsOn.
            const inNamespace = { parent: this, provider, dependsOn: [namespace] };
            new k8s.networking.v1.NetworkPolicy(`${name}-${ns}-default-deny`, defaultDenyNetworkPolicy(ns), inNamespace);
            new k8s.networking.v1.NetworkPolicy(`${name}-${ns}-essential-egress`, essentialEgressNetworkPolicy(ns), inNamespace);
            new k8s.networking.v1.NetworkPolicy(`${name}-${ns}-monitoring-scrape`, monitoringScrapeNetworkPolicy(ns), inNamespace);
            new k8s.apiextensions.CustomResource(`${name}-${ns}-gateway-ingress`, gatewayIngressPolicy(ns) as k8s.apiextensions.CustomResourceArgs, {
                ...inNamespace,
                dependsOn: [namespace, args.ciliumPolicyCrds],
            });
            new k8s.core.v1.LimitRange(`${name}-${ns}-limits`, appLimitRange(ns), inNamespace);
            new k8s.core.v1.ResourceQuota(`${name}-${ns}-quota`, appResourceQuota(ns), inNamespace);
            return namespace.metadata.name;
        });
        this.registerOutputs({ namespaces: this.namespaces });
    }
}
