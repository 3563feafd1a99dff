/**
 * A test program for test/scaling/*.spec.ts: the scaling and AIOps components as the stacks wire
 * them, on stand-ins for what other components provide (the CNI and metrics-server, a namespace
 * created elsewhere, External Secrets' store). Both shapes of each: Autoscaling with and without
 * KEDA, K8sGpt with and without a stored API key.
 */
import * as k8s from "@pulumi/kubernetes";
import { Autoscaling } from "../../components/autoscaling";
import { K8sGpt } from "../../components/k8sgpt";

const provider = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
const cni = new k8s.core.v1.ConfigMap("cni-stand-in", { metadata: { name: "cni-stand-in", namespace: "kube-system" } }, { provider });
const team = new k8s.core.v1.Namespace(
    "team-namespace",
    { metadata: { name: "team-a", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
    { provider },
);
const store = new k8s.apiextensions.CustomResource(
    "store",
    { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: "vault-backend" }, spec: {} },
    { provider },
);

const mgmt = new Autoscaling("mgmt-scaling", {
    provider,
    after: [cni],
    keda: false,
    recommendNamespaces: ["goldilocks", "vault", "vault"],
    namespacesReady: [],
});
const app = new Autoscaling("app-scaling", { provider, after: [cni], keda: true, recommendNamespaces: ["team-a"], namespacesReady: [team] });
const withKey = new K8sGpt("k8sgpt", { clusterName: "mgmt", provider, after: [cni], secretStore: store, apiKeyStored: true });
const noKey = new K8sGpt("k8sgpt-nokey", {
    clusterName: "mgmt",
    provider,
    after: [cni],
    secretStore: store,
    apiKeyStored: false,
    backend: { backend: "localai", model: "llama3", baseUrl: "http://localai.k8sgpt.svc:8080/v1" },
});

export const mgmtNamespaces = mgmt.namespaces;
export const appNamespaces = app.namespaces;
export const aiWithKey = withKey.aiExplanations;
export const aiWithoutKey = noKey.aiExplanations;
