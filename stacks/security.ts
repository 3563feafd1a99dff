/**
 * In-cluster security of seed 001 §13/§19 (issue 4): Falco and Trivy Operator in every cluster;
 * on app clusters also Kyverno with the platform ClusterPolicies and the guarded application
 * namespaces. mgmt gets no Kyverno (ADR-003: PSA baseline only, for the platform components).
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { AppNamespaces } from "../components/app-namespaces";
import { Falco, FalcoArgs } from "../components/falco";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { Kyverno, KYVERNO_NAMESPACE } from "../components/kyverno";
import { TrivyOperator } from "../components/trivy-operator";
import { API_SERVER_PSA_EXEMPTIONS } from "../policy-pack/conventions";
import { BuiltNetworking } from "./networking";

/** What the security add-ons created, for later add-ons to depend on. */
export interface SecurityAddOns {
    falco: Falco;
    trivy: TrivyOperator;
    /** App clusters only. */
    kyverno?: Kyverno;
    /** App clusters only. */
    appNamespaces?: AppNamespaces;
}

/** The security components that exist, for what must come after all of them. */
export function securityComponents(addOns: SecurityAddOns): pulumi.Resource[] {
    return [addOns.falco, addOns.trivy, ...(addOns.kyverno ? [addOns.kyverno] : []), ...(addOns.appNamespaces ? [addOns.appNamespaces] : [])];
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
 * Installs the security add-ons in `cluster` once `networking` is ready (the CNI: no pod starts
 * before it, so a Helm release waiting on its pods would time out). `falcoEvents` says where Falco's
 * events go; `laterPlatformNamespaces` are the namespaces the stack's later add-ons create, which
 * Kyverno must spare too.
 */
export function deploySecurity(
    config: StackConfig,
    cluster: KubeadmCluster,
    networking: BuiltNetworking,
    falcoEvents: FalcoArgs["events"],
    laterPlatformNamespaces: string[] = [],
): SecurityAddOns {
    const { name } = config;
    const provider = cluster.provider;
    const after = networking.ready;
    const falco = new Falco(`${name}-falco`, { provider, after, events: falcoEvents });
    const trivy = new TrivyOperator(`${name}-trivy`, { provider, after });
    if (config.role !== "app") {
        return { falco, trivy };
    }
    const excludedNamespaces = kyvernoExcludedNamespaces([...networking.platformNamespaces, falco.namespace, trivy.namespace, ...laterPlatformNamespaces]);
    const kyverno = new Kyverno(`${name}-kyverno`, { trustedRegistries: config.security.trustedRegistries, excludedNamespaces, provider, after });
    // Namespaces, quotas and NetworkPolicies need no running pods, so they do not wait for the CNI;
    // only the CiliumNetworkPolicies wait, for the CRD Cilium's operator registers.
    const appNamespaces = new AppNamespaces(`${name}-app-namespaces`, {
        namespaces: config.security.appNamespaces,
        provider,
        ciliumPolicyCrds: networking.ciliumPolicyCrds,
    });
    return { falco, trivy, kyverno, appNamespaces };
}
