/**
 * CiliumMesh: the CNI of one cluster and its place in the Cilium Cluster Mesh. Installs the
 * Gateway API CRDs, then Cilium (VXLAN tunnel, kube-proxy replacement, Hubble, Gateway API,
 * clustermesh-apiserver on a fixed MetalLB IP, peers from config), then the standard GatewayClass
 * and `main-gateway` (seed 001 §7.3-7.4), and waits on the control plane until Cilium's operator
 * has registered its network-policy CRDs.
 *
 * Every peer's name, id and address come from this stack's config, never from another stack's
 * state: each stack can be deployed alone, in any order, with no second pass.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesMinor, MeshPeer, StackConfig } from "../../config/model";
import { CHARTS } from "../../config/versions";
import { COMPATIBILITY } from "../../policy-pack/conventions";
import { ManifestObject, manifestResources } from "../lib/pinned-manifest";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { namespaceMetadata } from "../lib/psa";
import { METALLB_ANNOTATIONS, meshPoolName } from "../metallb";
import { NodeConnection } from "../vm-node/connection";
import { nodeCommand } from "../vm-node/node-command";
import { MeshCa } from "./ca";

export { createMeshCa, MeshCa } from "./ca";

/** The clustermesh-apiserver's etcd port, behind its LoadBalancer Service. */
export const CLUSTERMESH_PORT = 2379;
/** Default `clustermesh.config.domain`: peers are dialled as `<name>.mesh.cilium.io`, resolved to their `ips`. */
export const CLUSTERMESH_DOMAIN = "mesh.cilium.io";
/** Cilium's own namespace: the chart default, exempt from PSA in the kubeadm admission config. */
export const CILIUM_NAMESPACE = "kube-system";
/** The GatewayClass Cilium's operator serves (`io.cilium/gateway-controller`). */
export const GATEWAY_CLASS_NAME = "cilium";
/** The per-cluster Gateway and its namespace, with its TLS secret beside it (seed 001 §7.4). */
export const MAIN_GATEWAY = { name: "main-gateway", namespace: "gateway-system", tlsSecretName: "wildcard-tls", http: "http", https: "https" } as const;
/** DNS suffix of the lab's hostnames (seed 001 §19.3: /etc/hosts or dnsmasq on the host). */
export const LOCAL_DOMAIN = "local.dev";
/** The CRD Cilium's operator registers at start, which CiliumNetworkPolicies need (cilium.io/v2). */
export const CILIUM_POLICY_CRD = "ciliumnetworkpolicies.cilium.io";
/** Helm's budget for the release: certgen's hook Jobs run only once a node is Ready, after the first image pulls. */
export const CILIUM_RELEASE_TIMEOUT_SECONDS = 900;

/** What the Cilium values need: plain config, and the inputs that may still be Outputs. */
export interface CiliumValuesInput {
    /** Cluster name and Cilium cluster.id, the cluster's addresses and its mesh peers. */
    config: Pick<StackConfig, "name" | "id" | "network" | "meshPeers">;
    /** Host of the API server (node IP or VIP): kube-proxy replacement reaches the API through it. */
    apiServerHost: pulumi.Input<string>;
    /** Port of the API server. */
    apiServerPort: number;
    /** The mesh CA certificate, base64 PEM (chart values.yaml `tls.ca.cert`). */
    caCert: pulumi.Input<string>;
    /** The mesh CA key, base64 PEM: pass it as a secret, the one secret leaf of the values. */
    caKey: pulumi.Input<string>;
}

/** Why the pinned Cilium cannot run this Kubernetes minor, or undefined when it can. */
export function ciliumSupportProblem(kubernetesVersion: string, tested: readonly string[] = COMPATIBILITY.ciliumKubernetesMinors): string | undefined {
    const minor = kubernetesMinor(kubernetesVersion);
    return tested.includes(minor)
        ? undefined
        : `Cilium ${CHARTS.cilium.version} is tested on Kubernetes ${tested.join(", ")}, not ${minor}; ` +
              `pin a Cilium release that covers ${minor} in config/versions.ts`;
}

/** `clustermesh.config.clusters` in the chart's dict form: one entry per peer, dialled on its fixed IP. */
export function clustermeshClusters(peers: MeshPeer[]): Record<string, { enabled: boolean; port: number; ips: string[] }> {
    return Object.fromEntries(peers.map((p) => [p.name, { enabled: true, port: CLUSTERMESH_PORT, ips: [p.address] }]));
}

/** host:port other clusters dial to reach this cluster's clustermesh-apiserver. */
export function meshEndpoint(clusterMeshIp: string): string {
    return `${clusterMeshIp}:${CLUSTERMESH_PORT}`;
}

/** Address of the Hubble UI, served through `main-gateway` by `hubbleUiRoute`. */
export function hubbleUiHostname(clusterName: string): string {
    return `hubble.${clusterName}.${LOCAL_DOMAIN}`;
}

/** Certificates the chart should issue in-cluster with certgen, from the shared CA. */
const CERTGEN = { enabled: true, method: "cronJob" } as const;

/**
 * Helm values of the Cilium chart, in the 1.20 format (values.schema.json of the pinned chart).
 * Inputs are placed as they come, so a secret `caKey` stays a secret leaf and the rest of the
 * values stays readable in a preview.
 */
/**
 * The metrics Cilium exposes for the platform's Prometheus (components/observability PodMonitors):
 * agent on 9962, operator on 9963, Hubble on 9965 (cilium 1.20.0 values.yaml defaults).
 */
export const CILIUM_METRICS = {
    agent: { enabled: true },
    operator: { enabled: true },
    hubble: {
        enabled: [
            "dns",
            "drop",
            "tcp",
            "flow",
            "icmp",
            "httpV2:labelsContext=source_namespace,source_workload,destination_namespace,destination_workload,traffic_direction",
        ],
    },
} as const;

export function ciliumValues(input: CiliumValuesInput): Record<string, unknown> {
    const { config } = input;
    const small = resources("20m", "32Mi", "200m", "128Mi");
    const service = resources("50m", "64Mi", "500m", "256Mi");
    return {
        cluster: { name: config.name, id: config.id },
        // `tunnel: vxlan` (seed 001 §7.3) was removed in 1.15 and fails the chart's validate.yaml.
        routingMode: "tunnel",
        tunnelProtocol: "vxlan",
        // Node.spec.podCIDR from kubeadm's podSubnet; the default cluster-pool (10.0.0.0/8) would
        // give all three clusters the same pod range and break the mesh.
        ipam: { mode: "kubernetes" },
        // A boolean since 1.16 ("strict" was removed, cilium PR #31286). There is no kube-proxy
        // (kubeadm skips it), so the agent needs the API server's real address.
        kubeProxyReplacement: true,
        k8sServiceHost: input.apiServerHost,
        k8sServicePort: input.apiServerPort,
        // MetalLB owns LoadBalancer IPs; two controllers would fight over status.loadBalancer.
        enableLBIPAM: false,
        l2announcements: { enabled: false },
        prometheus: CILIUM_METRICS.agent,
        hubble: {
            enabled: true,
            metrics: { enabled: [...CILIUM_METRICS.hubble.enabled] },
            relay: { enabled: true, resources: small },
            ui: { enabled: true, backend: { resources: small }, frontend: { resources: small } },
            tls: { auto: CERTGEN },
        },
        // The GatewayClass is created by this program (visible to policy and tests), not the chart.
        gatewayAPI: { enabled: true, gatewayClass: { create: "false" } },
        // Base64 PEM (chart values.yaml "tls.ca"): the common CA of hubble and clustermesh certs.
        tls: { ca: { cert: input.caCert, key: input.caKey } },
        clustermesh: {
            useAPIServer: true,
            config: { enabled: true, domain: CLUSTERMESH_DOMAIN, clusters: clustermeshClusters(config.meshPeers) },
            apiserver: {
                // Its own MetalLB pool, which hands out nothing unasked (components/metallb).
                service: {
                    type: "LoadBalancer",
                    annotations: { [METALLB_ANNOTATIONS.pool]: meshPoolName(config.name), [METALLB_ANNOTATIONS.ips]: config.network.clusterMeshIp },
                },
                tls: {
                    // Per-cluster etcd users (remote-<cluster>): meaningful because the CA is shared.
                    authMode: "cluster",
                    // certgen Job (not Helm's genSignedCert): a Helm render stays identical between
                    // updates, so no certificate churn and no perpetual diff.
                    auto: CERTGEN,
                },
                resources: service,
                etcd: { resources: service, init: { resources: small } },
                kvstoremesh: { resources: service },
            },
        },
        // Requests and limits of every container the chart runs with these values.
        resources: resources("100m", "256Mi", "1000m", "1Gi"),
        initResources: resources("10m", "16Mi", "200m", "128Mi"),
        cgroup: { autoMount: { resources: resources("10m", "16Mi", "100m", "64Mi") } },
        cni: { resources: resources("10m", "16Mi", "500m", "256Mi") },
        envoy: { resources: resources("50m", "64Mi", "500m", "512Mi") },
        // The chart runs 2 operator replicas; drains (node upgrades) evict one at a time. Keys and
        // defaults: Cilium 1.20 Documentation/helm-values.rst, operator.podDisruptionBudget.*.
        operator: { resources: service, podDisruptionBudget: { enabled: true, maxUnavailable: 1 }, prometheus: CILIUM_METRICS.operator },
        certgen: { resources: small },
    };
}

function base64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}

/** `gateway-system`: holds only the Gateway, its redirect route and its TLS secret (Envoy runs in the Cilium agent), so restricted. */
export function gatewayNamespace(): { metadata: ReturnType<typeof namespaceMetadata> } {
    return { metadata: namespaceMetadata({ name: MAIN_GATEWAY.namespace, level: "restricted" }) };
}

export function gatewayClass(): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: GATEWAY_CLASS_NAME },
        spec: { controllerName: "io.cilium/gateway-controller" },
    };
}

/**
 * The standard Gateway of seed 001 §7.4. HTTPS on 443 takes routes from every namespace; HTTP on
 * 80 only from its own, where the one route answers with a redirect to https (seed 003: HTTPS only).
 */
export function mainGateway(): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace },
        spec: {
            gatewayClassName: GATEWAY_CLASS_NAME,
            listeners: [
                { name: MAIN_GATEWAY.http, port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Same" } } },
                {
                    name: MAIN_GATEWAY.https,
                    port: 443,
                    protocol: "HTTPS",
                    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: MAIN_GATEWAY.tlsSecretName, namespace: MAIN_GATEWAY.namespace }] },
                    allowedRoutes: { namespaces: { from: "All" } },
                },
            ],
        },
    };
}

/** A parentRef to one listener of `main-gateway`. */
function mainGatewayListener(sectionName: string): Record<string, string> {
    return { name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace, sectionName };
}

/**
 * Every plain-HTTP request to `main-gateway` gets a 301 to the same URL over https; with no port
 * given, the redirect goes to https's well-known 443 (gateway-api HTTPRequestRedirectFilter).
 */
export function httpsRedirectRoute(): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "https-redirect", namespace: MAIN_GATEWAY.namespace },
        spec: {
            parentRefs: [mainGatewayListener(MAIN_GATEWAY.http)],
            rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
        },
    };
}

/** Hubble UI behind `main-gateway`'s HTTPS listener, so it needs no LoadBalancer or NodePort of its own. */
export function hubbleUiRoute(clusterName: string): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "hubble-ui", namespace: CILIUM_NAMESPACE },
        spec: {
            parentRefs: [mainGatewayListener(MAIN_GATEWAY.https)],
            hostnames: [hubbleUiHostname(clusterName)],
            rules: [{ backendRefs: [{ name: "hubble-ui", port: 80 }] }],
        },
    };
}

/**
 * Root script on the first control-plane node: waits until Cilium's operator has registered the
 * CiliumNetworkPolicy CRD and the API serves it. Nothing else orders CiliumNetworkPolicies after
 * it: the CRD belongs to no resource of this program.
 */
export function renderPolicyCrdWait(crd: string = CILIUM_POLICY_CRD, attempts = 180, intervalSeconds = 5): string {
    return [
        "export KUBECONFIG=/etc/kubernetes/admin.conf",
        `crd=${crd}`,
        `for _ in $(seq 1 ${attempts}); do`,
        '    if kubectl get crd "$crd" >/dev/null 2>&1; then',
        '        kubectl wait --for=condition=Established --timeout=120s "crd/$crd"',
        "        exit 0",
        "    fi",
        `    sleep ${intervalSeconds}`,
        "done",
        `echo "Cilium's operator has not registered $crd after ${(attempts * intervalSeconds) / 60} minutes;" \\`,
        `    "see kubectl -n ${CILIUM_NAMESPACE} logs deploy/cilium-operator" >&2`,
        "exit 1",
    ].join("\n");
}

/** Arguments of a CiliumMesh. */
export interface CiliumMeshArgs {
    /** The validated stack config: name, id, Kubernetes version, addresses and mesh peers. */
    config: Pick<StackConfig, "name" | "id" | "kubernetesVersion" | "network" | "meshPeers">;
    /** Host of the API server (KubeadmCluster.apiServerHost), for k8sServiceHost. */
    apiServerHost: pulumi.Input<string>;
    /** Port of the API server, for k8sServicePort. */
    apiServerPort: number;
    /** The mesh's shared CA: generated in mgmt, read by app stacks through the mgmt reference. */
    ca: MeshCa;
    /** The Gateway API standard-channel objects, fetched and checked at program start (`fetchPinnedManifest`). */
    gatewayApi: ManifestObject[];
    /** The first control-plane node (KubeadmCluster.controlPlane), where the CRD wait runs. */
    controlPlane: pulumi.Input<NodeConnection>;
    /** How the control plane is reached (the config's backend kind). */
    controlPlaneKind: NodeConnection["kind"];
    /** Provider of the target cluster. */
    provider: k8s.Provider;
}

/** Cilium, Hubble, Gateway API and Cluster Mesh in one cluster. */
export class CiliumMesh extends pulumi.ComponentResource {
    /** host:port of this cluster's clustermesh-apiserver, as the other clusters dial it. */
    public readonly meshEndpoint: string;
    /** URL of the Hubble UI (resolve the hostname to main-gateway's LoadBalancer IP). */
    public readonly hubbleUiUrl: string;
    /** Name of the GatewayClass application Gateways use. */
    public readonly gatewayClassName: string;
    /** The Cilium release: everything that needs Ready nodes depends on it. */
    public readonly release: k8s.helm.v3.Release;
    /** Done once the CiliumNetworkPolicy CRD is served: every CiliumNetworkPolicy depends on it. */
    public readonly policyCrds: pulumi.Resource;

    constructor(name: string, args: CiliumMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:CiliumMesh", name, {}, opts);
        const unsupported = ciliumSupportProblem(args.config.kubernetesVersion);
        if (unsupported) {
            throw new pulumi.InputPropertiesError({
                message: `${name}: ${unsupported}`,
                errors: [{ propertyPath: "config.kubernetesVersion", reason: unsupported }],
            });
        }
        const { config, provider } = args;
        const childOpts = { parent: this, provider };

        // Cilium's operator only starts its Gateway API controller when the CRDs exist at its start.
        const crds = manifestResources(`${name}-gateway-api`, args.gatewayApi, childOpts);
        const values = ciliumValues({
            config,
            apiServerHost: args.apiServerHost,
            apiServerPort: args.apiServerPort,
            caCert: pulumi.output(args.ca.certPem).apply(base64),
            caKey: pulumi.secret(pulumi.output(args.ca.keyPem).apply(base64)),
        });
        const { release } = pinnedRelease(
            name,
            {
                chart: CHARTS.cilium,
                releaseName: "cilium",
                namespace: { existing: CILIUM_NAMESPACE },
                values,
                provider,
                after: crds,
                // Helm's --wait holds a release until each LoadBalancer Service has an address, and
                // the clustermesh-apiserver's comes from MetalLB, whose pods need Cilium first: waiting
                // here would deadlock. What follows waits on its own pods, which need the CNI.
                skipAwait: true,
                // skipAwait does not skip hooks: Helm still waits for the certgen Jobs.
                timeout: CILIUM_RELEASE_TIMEOUT_SECONDS,
            },
            this,
        );
        this.release = release;
        this.policyCrds = nodeCommand(
            `${name}-policy-crds`,
            { connection: args.controlPlane, kind: args.controlPlaneKind, create: renderPolicyCrdWait(), secret: false },
            { parent: this, dependsOn: [release] },
        );

        const afterCilium = { ...childOpts, dependsOn: [release, ...crds] };
        const ns = new k8s.core.v1.Namespace(`${name}-gateway-namespace`, gatewayNamespace(), childOpts);
        const cls = new k8s.apiextensions.CustomResource(`${name}-gateway-class`, gatewayClass() as k8s.apiextensions.CustomResourceArgs, afterCilium);
        const gateway = new k8s.apiextensions.CustomResource(`${name}-main-gateway`, mainGateway() as k8s.apiextensions.CustomResourceArgs, {
            ...childOpts,
            dependsOn: [release, ...crds, ns, cls],
        });
        new k8s.apiextensions.CustomResource(`${name}-https-redirect`, httpsRedirectRoute() as k8s.apiextensions.CustomResourceArgs, {
            ...childOpts,
            dependsOn: [gateway],
        });
        new k8s.apiextensions.CustomResource(`${name}-hubble-ui-route`, hubbleUiRoute(config.name) as k8s.apiextensions.CustomResourceArgs, {
            ...childOpts,
            dependsOn: [gateway],
        });

        this.meshEndpoint = meshEndpoint(config.network.clusterMeshIp);
        this.hubbleUiUrl = `https://${hubbleUiHostname(config.name)}`;
        this.gatewayClassName = GATEWAY_CLASS_NAME;
        this.registerOutputs({ meshEndpoint: this.meshEndpoint, hubbleUiUrl: this.hubbleUiUrl, gatewayClassName: this.gatewayClassName });
    }
}
