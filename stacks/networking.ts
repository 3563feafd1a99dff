/**
 * The base add-ons every cluster gets right after kubeadm (seed 001 §10.1, phase 1): Cilium first
 * (nodes turn Ready only with a CNI), then metrics-server, storage and MetalLB on top of it.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { CiliumMesh, MeshCa } from "../components/cilium-mesh";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { API_SERVER_PORT } from "../components/kubeadm-cluster/kubeadm-config";
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

/** The networking add-ons of one cluster. */
export interface BuiltNetworking {
    /** What later add-ons `dependsOn`: a CNI, LoadBalancer IPs and a default StorageClass are in place. */
    ready: pulumi.Resource[];
    outputs: NetworkingOutputs;
}

/** Installs Cilium (with the mesh CA), then MetalLB, local-path and metrics-server, in `cluster`. */
export function buildNetworking(config: StackConfig, cluster: KubeadmCluster, ca: MeshCa): BuiltNetworking {
    const provider = cluster.provider;
    const mesh = new CiliumMesh(`${config.name}-cilium-mesh`, { config, apiServerHost: cluster.apiServerHost, apiServerPort: API_SERVER_PORT, ca, provider });
    // Everything else runs pods, which need the CNI.
    const after = [mesh.release];
    const metalLb = new MetalLb(`${config.name}-metallb`, { clusterName: config.name, pool: config.network.lbPool, provider, after });
    const localPath = new LocalPath(`${config.name}-local-path`, { provider, after });
    const metricsServer = new MetricsServer(`${config.name}-metrics-server`, { provider, after });
    return {
        ready: [mesh.release, metalLb, localPath, metricsServer],
        outputs: {
            meshEndpoint: mesh.meshEndpoint,
            hubbleUiUrl: mesh.hubbleUiUrl,
            gatewayClassName: mesh.gatewayClassName,
            defaultStorageClass: localPath.defaultStorageClass,
        },
    };
}
