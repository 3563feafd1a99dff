/**
 * In-cluster security of seed 001 §13/§19 (issue 4): Falco and Trivy Operator in every cluster;
 * on app clusters also Kyverno with the platform ClusterPolicies and the guarded application
 * namespaces. mgmt gets no Kyverno (ADR-003: PSA baseline only, for the platform components).
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { AppNamespaces } from "../components/app-namespaces";
import { Falco, FalcoArgs, FALCO_NAMESPACE } from "../components/falco";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { Kyverno, KYVERNO_NAMESPACE } from "../components/kyverno";
import { TrivyOperator } from "../components/trivy-operator";
import { API_SERVER_PSA_EXEMPTIONS } from "../policy-pack/conventions";
import { BuiltNetworking } from "./networking";

/** What the security add-ons created, for later add-ons to depend on. */
export interface SecurityAddOns {
    trivy: TrivyOperator;
    /** App clusters only. */
    kyverno?: Kyverno;
    /** App clusters only. */
    appNamespaces?: AppNamespaces;
}

/** The security components that exist, and Falco, for what must come after all of them. */
export function securityComponents(addOns: SecurityAddOns, falco: Falco): pulumi.Resource[] {
    return [falco, addOns.trivy, ...(addOns.kyverno ? [addOns.kyverno] : []), ...(addOns.appNamespaces ? [addOns.appNamespaces] : [])];
}

/**
 * Namespaces Kyverno leaves alone: the ones the API server exempts from PSA, and those this stack
 * creates for the platform's own add-ons, which run upstream images from registries outside the
 * teams' trusted list and are guarded by their PSA labels instead. Never a namespace the stack
 * does not create: whoever created it first would get a hole.
 */
export function kyvernoExcludedNamespaces(platformNamespaces: string[]): string[] {
    return [...new Set([...API_SERVER_PSA_EXEMPTIONS.map((e) => e.namespace), ...platformNamespaces, KYVERNO_NAMESPACE])];
}

/**
 * Installs the security add-ons but Falco in `cluster` once `networking` is ready (the CNI: no pod
 * starts before it, so a Helm release waiting on its pods would time out). `laterPlatformNamespaces`
 * are the namespaces the stack's later add-ons create, which Kyverno must spare too.
 */
export function deploySecurity(
    config: StackConfig,
    cluster: KubeadmCluster,
    networking: BuiltNetworking,
    laterPlatformNamespaces: string[] = [],
): SecurityAddOns {
    const { name } = config;
    const provider = cluster.provider;
    const after = networking.ready;
    const trivy = new TrivyOperator(`${name}-trivy`, { provider, after });
    if (config.role !== "app") {
        return { trivy };
    }
    // Falco's namespace too: the stack installs Falco (deployFalco), in an app stack's full stage.
    const excludedNamespaces = kyvernoExcludedNamespaces([...networking.platformNamespaces, FALCO_NAMESPACE, trivy.namespace, ...laterPlatformNamespaces]);
    const kyverno = new Kyverno(`${name}-kyverno`, { trustedRegistries: config.security.trustedRegistries, excludedNamespaces, provider, after });
    // Namespaces, quotas and NetworkPolicies need no running pods, so they do not wait for the CNI;
    // only the CiliumNetworkPolicies wait, for the CRD Cilium's operator registers.
    const appNamespaces = new AppNamespaces(`${name}-app-namespaces`, {
        namespaces: config.security.appNamespaces,
        provider,
        ciliumPolicyCrds: networking.ciliumPolicyCrds,
    });
    return { trivy, kyverno, appNamespaces };
}

/**
 * Falco, once `networking` is ready. Apart from the other security add-ons because `events` (where
 * falcosidekick sends them) points at mgmt's services, so an app stack installs it in its full stage.
 */
export function deployFalco(config: StackConfig, cluster: KubeadmCluster, networking: BuiltNetworking, events: FalcoArgs["events"]): Falco {
    return new Falco(`${config.name}-falco`, { provider: cluster.provider, after: networking.ready, events });
}
