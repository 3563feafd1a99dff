/**
 * CiliumMesh: the CNI of one cluster and its place in the Cilium Cluster Mesh. Installs the
 * Gateway API CRDs, then Cilium (VXLAN tunnel, kube-proxy replacement, Hubble, Gateway API,
 * clustermesh-apiserver on a fixed MetalLB IP, peers from config), then the standard GatewayClass
 * and `main-gateway` (seed 001 §7.3-7.4).
 *
 * Every peer's name, id and address come from this stack's config, never from another stack's
 * state: each stack can be deployed alone, in any order, with no second pass.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesMinor, MeshPeer, StackConfig } from "../../config/model";
import { CHARTS, CILIUM_KUBERNETES_MINORS, MANIFESTS, pinnedChart } from "../../config/versions";
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
export const MAIN_GATEWAY = { name: "main-gateway", namespace: "gateway-system", tlsSecretName: "wildcard-tls" } as const;
/** DNS suffix of the lab's hostnames (seed 001 §19.3: /etc/hosts or dnsmasq on the host). */
export const LOCAL_DOMAIN = "local.dev";

/** What the Cilium values need to know about the cluster, all plain values. */
export interface CiliumValuesInput {
    /** Cluster name and Cilium cluster.id, the cluster's addresses and its mesh peers. */
    config: Pick<StackConfig, "name" | "id" | "network" | "meshPeers">;
    /** Host of the API server (node IP or VIP): kube-proxy replacement reaches the API through it. */
    apiServerHost: string;
    /** Port of the API server. */
    apiServerPort: number;
    /** The mesh CA, PEM. */
    ca: { certPem: string; keyPem: string };
}

/** Fails before anything is created when the pinned Cilium is not tested against the cluster's minor. */
export function assertCiliumSupports(kubernetesVersion: string, tested: readonly string[] = CILIUM_KUBERNETES_MINORS): void {
    const minor = kubernetesMinor(kubernetesVersion);
    if (!tested.includes(minor)) {
        throw new Error(`Cilium ${CHARTS.cilium.version} is tested on Kubernetes ${tested.join(", ")}, not ${minor}; pin a Cilium release that covers ${minor} in config/versions.ts`);
    }
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
 */
export function ciliumValues(input: CiliumValuesInput): Record<string, unknown> {
    const { config, ca } = input;
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
        hubble: { enabled: true, relay: { enabled: true }, ui: { enabled: true }, tls: { auto: CERTGEN } },
        // The GatewayClass is created by this program (visible to policy and tests), not the chart.
        gatewayAPI: { enabled: true, gatewayClass: { create: "false" } },
        // Base64 PEM (chart values.yaml "tls.ca"): the common CA of hubble and clustermesh certs.
        tls: { ca: { cert: base64(ca.certPem), key: base64(ca.keyPem) } },
        clustermesh: {
            useAPIServer: true,
            config: { enabled: true, domain: CLUSTERMESH_DOMAIN, clusters: clustermeshClusters(config.meshPeers) },
            apiserver: {
                service: { type: "LoadBalancer", annotations: { "metallb.io/loadBalancerIPs": config.network.clusterMeshIp } },
                tls: {
                    // Per-cluster etcd users (remote-<cluster>): meaningful because the CA is shared.
                    authMode: "cluster",
                    // certgen Job (not Helm's genSignedCert): a Helm render stays identical between
                    // updates, so no certificate churn and no perpetual diff.
                    auto: CERTGEN,
                },
            },
        },
    };
}

function base64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}

/** `gateway-system`: holds only the Gateway and its TLS secret (the Envoy proxy runs in the Cilium agent), so restricted. */
export function gatewayNamespace(): Record<string, any> {
    return {
        metadata: {
            name: MAIN_GATEWAY.namespace,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    };
}

export function gatewayClass(): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: GATEWAY_CLASS_NAME },
        spec: { controllerName: "io.cilium/gateway-controller" },
    };
}

/** The standard Gateway of seed 001 §7.4: HTTP 80 and HTTPS 443, routes from every namespace. */
export function mainGateway(): Record<string, any> {
    const allowedRoutes = { namespaces: { from: "All" } };
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace },
        spec: {
            gatewayClassName: GATEWAY_CLASS_NAME,
            listeners: [
                { name: "http", port: 80, protocol: "HTTP", allowedRoutes },
                {
                    name: "https",
                    port: 443,
                    protocol: "HTTPS",
                    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: MAIN_GATEWAY.tlsSecretName, namespace: MAIN_GATEWAY.namespace }] },
                    allowedRoutes,
                },
            ],
        },
    };
}

/** Hubble UI behind `main-gateway`, so it needs no LoadBalancer or NodePort of its own. */
export function hubbleUiRoute(clusterName: string): Record<string, any> {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "hubble-ui", namespace: CILIUM_NAMESPACE },
        spec: {
            parentRefs: [{ name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace }],
            hostnames: [hubbleUiHostname(clusterName)],
            rules: [{ backendRefs: [{ name: "hubble-ui", port: 80 }] }],
        },
    };
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

    constructor(name: string, args: CiliumMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:CiliumMesh", name, {}, opts);
        assertCiliumSupports(args.config.kubernetesVersion);
        const { config, provider } = args;
        const childOpts = { parent: this, provider };

        // Cilium's operator only starts its Gateway API controller when the CRDs exist at start.
        // yaml/v2 renders in the provider, so a preview works before the cluster exists.
        const crds = new k8s.yaml.v2.ConfigFile(`${name}-gateway-api-crds`, { file: MANIFESTS.gatewayApi.url }, childOpts);

        const values = pulumi
            .all([args.apiServerHost, args.ca.certPem, args.ca.keyPem])
            .apply(([apiServerHost, certPem, keyPem]) => ciliumValues({ config, apiServerHost, apiServerPort: args.apiServerPort, ca: { certPem, keyPem } }));
        // helm.v3.Release, not v4.Chart: it needs no reachable cluster at preview (the kubeconfig is
        // unknown on the first run), and Helm runs the chart's own lifecycle (upgrade checks, Jobs).
        this.release = new k8s.helm.v3.Release(
            `${name}-cilium`,
            {
                name: "cilium",
                ...pinnedChart(CHARTS.cilium),
                namespace: CILIUM_NAMESPACE,
                // The CA key is inside the values.
                values: pulumi.secret(values),
                // Helm's --wait holds a release until each LoadBalancer Service has an address, and
                // the clustermesh-apiserver's comes from MetalLB, whose pods need Cilium first: waiting
                // here would deadlock. What follows waits on its own pods, which need the CNI.
                skipAwait: true,
            },
            { ...childOpts, dependsOn: [crds] },
        );

        const afterCilium = { ...childOpts, dependsOn: [this.release, crds] };
        const ns = new k8s.core.v1.Namespace(`${name}-gateway-namespace`, gatewayNamespace(), childOpts);
        const cls = new k8s.apiextensions.CustomResource(`${name}-gateway-class`, gatewayClass() as k8s.apiextensions.CustomResourceArgs, afterCilium);
        const gateway = new k8s.apiextensions.CustomResource(`${name}-main-gateway`, mainGateway() as k8s.apiextensions.CustomResourceArgs, {
            ...childOpts,
            dependsOn: [this.release, crds, ns, cls],
        });
        new k8s.apiextensions.CustomResource(`${name}-hubble-ui-route`, hubbleUiRoute(config.name) as k8s.apiextensions.CustomResourceArgs, { ...childOpts, dependsOn: [gateway] });

        this.meshEndpoint = meshEndpoint(config.network.clusterMeshIp);
        this.hubbleUiUrl = `http://${hubbleUiHostname(config.name)}`;
        this.gatewayClassName = GATEWAY_CLASS_NAME;
        this.registerOutputs({ meshEndpoint: this.meshEndpoint, hubbleUiUrl: this.hubbleUiUrl, gatewayClassName: this.gatewayClassName });
    }
}
