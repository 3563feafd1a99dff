/**
 * Scaling and AIOps (issue 11; seed 001 §9.1, §14): VPA (recommendations only) and Goldilocks on
 * every cluster, KEDA on app clusters, the k8sgpt operator on mgmt.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { Autoscaling } from "../components/autoscaling";
import { K8sGpt } from "../components/k8sgpt";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { BuiltNetworking } from "./networking";

/** The namespaces Goldilocks recommends for, and what creates them. */
export interface RecommendedNamespaces {
    namespaces: string[];
    ready: pulumi.Resource[];
}

/** VPA and Goldilocks, and KEDA on app clusters. */
export function deployAutoscaling(config: StackConfig, cluster: KubeadmCluster, networking: BuiltNetworking, recommend: RecommendedNamespaces): Autoscaling {
    return new Autoscaling(`${config.name}-autoscaling`, {
        provider: cluster.provider,
        after: networking.ready,
        keda: config.role === "app",
        recommendNamespaces: recommend.namespaces,
        namespacesReady: recommend.ready,
    });
}

/** k8sgpt on mgmt, with AI explanations only once an API key is stored (`platform:aiops`). */
export function deployK8sGpt(config: StackConfig, cluster: KubeadmCluster, networking: BuiltNetworking, secretStore: pulumi.Resource): K8sGpt {
    return new K8sGpt(`${config.name}-k8sgpt`, {
        clusterName: config.name,
        provider: cluster.provider,
        after: networking.ready,
        secretStore,
        apiKeyStored: config.aiops.k8sgptApiKeyStored,
        backend: config.aiops.k8sgptBackend,
    });
}
