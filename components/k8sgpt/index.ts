/**
 * K8sGpt (mgmt only; issue 11, seed 001 §14): the k8sgpt operator from its pinned chart and one
 * K8sGPT resource, which makes the operator run the k8sgpt engine in the `k8sgpt` namespace with the
 * seed's analyzers and write what they find as `Result` objects there. AI explanations need an API
 * key: it lives in Vault (`secret/platform/<cluster>/k8sgpt`, field `apiKey`) and reaches the engine
 * through an ExternalSecret. Until `apiKeyStored` says a key has been stored, no ExternalSecret is
 * created (it would fail to sync), the engine runs its analyzers without AI, and the K8sGPT resource,
 * the component's output and the preview log say so.
 *
 * Robusta (seed 001 §14.4) is left out: its chart brings its own Prometheus stack and a runner with
 * gigabytes of memory, and its playbooks need a Robusta SaaS account or Slack; k8sgpt covers the
 * analysis on the 4-6 GiB lab nodes.
 */
import * as k8s from "@pulumi/kubernetes";
import { AiBackend } from "../../config/model";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, IMAGES } from "../../config/versions";
import { LABEL_DOMAIN } from "../../policy-pack/conventions";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { KV_MOUNT, kvPath } from "../lib/trust";

/** Namespace of the operator, the engine and its Results. */
export const K8SGPT_NAMESPACE = "k8sgpt";

/** The Vault KV entry (below `platform/<cluster>/`) and field that hold the backend's API key. */
export const API_KEY_KV = { name: "k8sgpt", property: "apiKey" } as const;

/** The Secret the ExternalSecret writes and the engine reads its key from. */
export const API_KEY_SECRET = { name: "k8sgpt-api-key", key: "api-key" } as const;

/** The annotation on the K8sGPT resource that says whether AI explanations are on, and why not. */
export const AI_STATUS_ANNOTATION = `${LABEL_DOMAIN}/ai-explanations`;

/**
 * The seed's analyzers (§14.2), as the K8sGPT resource's `filters` (the operator passes them to
 * `k8sgpt serve` as the analyzers to run). The seed's namespace filters (kube-system,
 * cilium-system) have no field in the pinned CRD, so kube-system findings appear too; filter them
 * when reading (docs/operations/troubleshooting.md).
 */
export const K8SGPT_ANALYZERS = [
    "Pod",
    "Deployment",
    "ReplicaSet",
    "Service",
    "Ingress",
    "StatefulSet",
    "CronJob",
    "Node",
    "NetworkPolicy",
    "PersistentVolumeClaim",
] as const;

/** The AI backends the K8sGPT CRD accepts (`spec.ai.backend` enum; the list is config/model.ts AI_BACKENDS). */
export type K8sGptBackendName = AiBackend;

/** Which model explains the findings. */
export interface K8sGptBackend {
    /** The backend (the CRD's enum). */
    backend: K8sGptBackendName;
    /** The model name the backend takes. */
    model: string;
    /** The backend's URL, for self-hosted or proxied backends (localai, azureopenai, customrest). */
    baseUrl?: string;
}

/**
 * The default backend. The seed's `gemini-1.5-flash` is retired. OpenAI's `gpt-4.1-mini` is the
 * replacement OpenAI names for its retired GPT-3.5/GPT-4 snapshots (platform.openai.com/docs/deprecations,
 * 2026-04-22 entry) and, unlike the GPT-5 reasoning models, takes the `temperature` and `max_tokens`
 * parameters k8sgpt's OpenAI client sends. Check the deprecations page before relying on it.
 */
export const DEFAULT_BACKEND: K8sGptBackend = { backend: "openai", model: "gpt-4.1-mini" };

/** Whether the engine explains findings with AI, and the sentence that says so. */
export function aiStatus(clusterName: string, backend: K8sGptBackend, apiKeyStored: boolean): { enabled: boolean; message: string } {
    const entry = `${KV_MOUNT}/${kvPath({ cluster: clusterName }, API_KEY_KV.name)}`;
    return apiKeyStored
        ? { enabled: true, message: `on: ${backend.backend} ${backend.model}, API key from Vault ${entry} (field ${API_KEY_KV.property})` }
        : {
              enabled: false,
              message:
                  `off: no API key stored; k8sgpt runs its analyzers without AI explanations. ` +
                  `Store one with \`vault kv put ${entry} ${API_KEY_KV.property}=<key>\` and set the stack config's k8sgpt apiKeyStored flag`,
          };
}

/** Helm values (k8sgpt-operator chart 0.2.27 values.yaml: `controllerManager.{manager,kubeRbacProxy}.resources`). */
export function k8sgptOperatorValues(): Record<string, unknown> {
    return {
        controllerManager: {
            manager: { resources: resources("10m", "64Mi", "200m", "256Mi") },
            kubeRbacProxy: { resources: resources("5m", "32Mi", "100m", "64Mi") },
        },
    };
}

/** The ExternalSecret that brings the API key from Vault. */
export function apiKeyExternalSecret(clusterName: string): ExternalSecretArgs {
    return {
        name: API_KEY_SECRET.name,
        namespace: K8SGPT_NAMESPACE,
        data: [{ secretKey: API_KEY_SECRET.key, path: kvPath({ cluster: clusterName }, API_KEY_KV.name), property: API_KEY_KV.property }],
    };
}

/** Requests and limits of the engine's pod, which the operator creates (spec.resources). */
export const ENGINE_RESOURCES = resources("50m", "128Mi", "500m", "512Mi");

/**
 * The K8sGPT resource (core.k8sgpt.ai/v1alpha1). Only fields the chart 0.2.27 CRD has: that copy
 * lacks podAnnotations, podLabels, securityContext and containerSecurityContext, which is also why
 * the namespace enforces `baseline`, not `restricted` (the engine's security context cannot be set).
 */
export function k8sgptResource(clusterName: string, backend: K8sGptBackend, apiKeyStored: boolean): Record<string, any> {
    const status = aiStatus(clusterName, backend, apiKeyStored);
    const [repository, version] = IMAGES.k8sgpt.split(/:(?=[^:]+$)/);
    return {
        apiVersion: "core.k8sgpt.ai/v1alpha1",
        kind: "K8sGPT",
        metadata: { name: "k8sgpt", namespace: K8SGPT_NAMESPACE, annotations: { [AI_STATUS_ANNOTATION]: status.message } },
        spec: {
            ai: {
                enabled: status.enabled,
                backend: backend.backend,
                model: backend.model,
                ...(backend.baseUrl ? { baseUrl: backend.baseUrl } : {}),
                // Object names are masked before they reach the backend.
                anonymized: true,
                ...(status.enabled ? { secret: { name: API_KEY_SECRET.name, key: API_KEY_SECRET.key } } : {}),
            },
            filters: [...K8SGPT_ANALYZERS],
            noCache: false,
            repository,
            version,
            resources: ENGINE_RESOURCES,
        },
    };
}

/** Arguments of K8sGpt. */
export interface K8sGptArgs {
    /** Cluster name (mgmt): the Vault KV path of the API key. */
    clusterName: string;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI. Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /** External Secrets' `vault-backend` ClusterSecretStore (components/external-secrets `store`): the ExternalSecret waits for it. */
    secretStore: pulumi.Resource;
    /** The AI backend and model; DEFAULT_BACKEND when unset. */
    backend?: K8sGptBackend;
    /** Whether an API key has been stored in Vault (a config flag): only then is AI turned on and the key fetched. */
    apiKeyStored: boolean;
}

/** The k8sgpt operator and its K8sGPT resource. */
export class K8sGpt extends pulumi.ComponentResource {
    /** Name of the namespace. */
    public readonly namespace: string;
    /** Whether AI explanations are on, and why not ("on: ..." / "off: ..."). */
    public readonly aiExplanations: string;

    constructor(name: string, args: K8sGptArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aiops:K8sGpt", name, {}, opts);
        const backend = args.backend ?? DEFAULT_BACKEND;
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.k8sgptOperator,
                releaseName: "k8sgpt-operator",
                namespace: { name: K8SGPT_NAMESPACE, level: "baseline" },
                values: k8sgptOperatorValues(),
                provider: args.provider,
                after: args.after,
            },
            this,
        );
        const k8sOpts = { parent: this, provider: args.provider };
        const status = aiStatus(args.clusterName, backend, args.apiKeyStored);
        const apiKey = status.enabled
            ? [platformExternalSecret(`${name}-api-key`, apiKeyExternalSecret(args.clusterName), { ...k8sOpts, dependsOn: [release, args.secretStore] })]
            : [];
        if (!status.enabled) {
            pulumi.log.info(`k8sgpt AI explanations ${status.message}`, this);
        }
        // The release brings the CRD and the running operator (Helm waits).
        new k8s.apiextensions.CustomResource(
            `${name}-analyzer`,
            k8sgptResource(args.clusterName, backend, args.apiKeyStored) as k8s.apiextensions.CustomResourceArgs,
            { ...k8sOpts, dependsOn: [release, ...apiKey] },
        );
        this.namespace = namespace;
        this.aiExplanations = status.message;
        this.registerOutputs({ namespace, aiExplanations: this.aiExplanations });
    }
}
