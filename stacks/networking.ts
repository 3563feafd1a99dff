/**
 * The base add-ons every cluster gets right after kubeadm (seed 001 §10.1, phase 1): the Gateway API
 * CRDs and Cilium first (nodes turn Ready only with a CNI), then metrics-server, storage and MetalLB
 * on top of it.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { MANIFESTS } from "../config/versions";
import { CiliumMesh, MeshCa } from "../components/cilium-mesh";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { API_SERVER_PORT } from "../components/kubeadm-cluster/kubeadm-config";
import { fetchPinnedManifest, ManifestObject } from "../components/lib/pinned-manifest";
import { LocalPath } from "../components/local-path";
import { MetalLb } from "../components/metallb";
import { MetricsServer } from "../components/metrics-server";

/** Networking outputs every cluster stack exports. */
export interface NetworkingOutputs {
    /** host:port of this cluster's clustermesh-apiserver. */
    meshEndpoint: string;
    /** URL of the Hubble UI, through main-gateway. */
    hubbleUiUrl: string;
    /** GatewayClass for application Gateways. */
    gatewayClassName: string;
    /** Default StorageClass. */
    defaultStorageClass: string;
}

/** Upstream manifests the networking add-ons apply, fetched once at program start. */
export interface NetworkingManifests {
    /** Gateway API standard channel, MANIFESTS.gatewayApi. */
    gatewayApi: ManifestObject[];
}

/** Fetches and checks every pinned manifest before any resource exists, so a bad download stops the program cleanly. */
export async function fetchNetworkingManifests(): Promise<NetworkingManifests> {
    return { gatewayApi: await fetchPinnedManifest(MANIFESTS.gatewayApi) };
}

/** The networking add-ons of one cluster. */
export interface BuiltNetworking {
    /** What later add-ons `dependsOn`: a CNI, LoadBalancer IPs and a default StorageClass are in place. */
    ready: pulumi.Resource[];
    /** Done once Cilium serves CiliumNetworkPolicies. */
    ciliumPolicyCrds: pulumi.Resource;
    /** The namespaces these add-ons created for their own workloads. */
    platformNamespaces: string[];
    /** The mesh component: done once `main-gateway` and its namespace exist. */
    gateway: pulumi.Resource;
    /** Every networking component, for what must come after all of them. */
    all: pulumi.Resource[];
    /** The StorageClass that keeps volumes after their claim goes (Vault, databases). */
    retainStorageClass: string;
    outputs: NetworkingOutputs;
}

/** Installs the Gateway API CRDs and Cilium (with the mesh CA), then MetalLB, local-path and metrics-server, in `cluster`. */
export function buildNetworking(config: StackConfig, cluster: KubeadmCluster, ca: MeshCa, manifests: NetworkingManifests): BuiltNetworking {
    const provider = cluster.provider;
    const mesh = new CiliumMesh(`${config.name}-cilium-mesh`, {
        config,
        apiServerHost: cluster.apiServerHost,
        apiServerPort: API_SERVER_PORT,
        ca,
        gatewayApi: manifests.gatewayApi,
        controlPlane: cluster.controlPlane,
        controlPlaneKind: config.backend.kind,
        provider,
    });
    // Everything else runs pods, which need the CNI.
    const after = [mesh.release];
    const metalLb = new MetalLb(`${config.name}-metallb`, {
        clusterName: config.name,
        pool: config.network.lbPool,
        meshIp: config.network.clusterMeshIp,
        serviceIps: config.network.serviceIps && Object.values(config.network.serviceIps),
        provider,
        after,
    });
    const localPath = new LocalPath(`${config.name}-local-path`, { clusterName: config.name, provider, after });
    const metricsServer = new MetricsServer(`${config.name}-metrics-server`, { provider, after });
    return {
        ready: [mesh.release, metalLb, localPath, metricsServer],
        ciliumPolicyCrds: mesh.policyCrds,
        platformNamespaces: [metalLb.namespace, localPath.namespace],
        gateway: mesh,
        all: [mesh, metalLb, localPath, metricsServer],
        retainStorageClass: localPath.retainStorageClass,
        outputs: {
            meshEndpoint: mesh.meshEndpoint,
            hubbleUiUrl: mesh.hubbleUiUrl,
            gatewayClassName: mesh.gatewayClassName,
            defaultStorageClass: localPath.defaultStorageClass,
        },
    };
}
