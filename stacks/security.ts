/**
 * In-cluster security of seed 001 §13/§19 (issue 4): Falco and Trivy Operator in every cluster;
 * on app clusters also Kyverno with the platform ClusterPolicies and the guarded application
 * namespaces. mgmt gets no Kyverno (ADR-003: PSA baseline only, for the platform components).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { AppNamespaces } from "../components/app-namespaces";
import { Falco, FALCO_NAMESPACE } from "../components/falco";
import { PSA_EXEMPT_NAMESPACES } from "../components/kubeadm-cluster";
import { Kyverno, KYVERNO_NAMESPACE } from "../components/kyverno";
import { LOCAL_PATH_NAMESPACE } from "../components/local-path";
import { METALLB_NAMESPACE } from "../components/metallb";
import { TRIVY_NAMESPACE, TrivyOperator } from "../components/trivy-operator";

/** What the security add-ons created, for later add-ons to depend on. */
export interface SecurityAddOns {
    falco: Falco;
    trivy: TrivyOperator;
    /** App clusters only. */
    kyverno?: Kyverno;
    /** App clusters only. */
    appNamespaces?: AppNamespaces;
}

/**
 * Namespaces Kyverno leaves alone: the ones PSA exempts at the API server, and the platform
 * add-ons' own (networking and security), which run upstream images from registries outside the
 * teams' trusted list and are guarded by their PSA labels instead.
 */
export function kyvernoExcludedNamespaces(): string[] {
    const platform = [...PSA_EXEMPT_NAMESPACES.map((e) => e.namespace), METALLB_NAMESPACE, LOCAL_PATH_NAMESPACE, KYVERNO_NAMESPACE, FALCO_NAMESPACE, TRIVY_NAMESPACE];
    return [...new Set(platform)];
}

/**
 * Installs the security add-ons with `provider`. `after` is what must be ready first (the CNI: no
 * pod starts before it, so a Helm release waiting on its pods would time out).
 */
export function deploySecurity(config: StackConfig, provider: k8s.Provider, after: pulumi.Resource[]): SecurityAddOns {
    const name = config.name;
    const addOns: SecurityAddOns = {
        falco: new Falco(`${name}-falco`, { provider, after }),
        trivy: new TrivyOperator(`${name}-trivy`, { provider, after }),
    };
    if (config.role === "app") {
        addOns.kyverno = new Kyverno(
            `${name}-kyverno`,
            { trustedRegistries: config.security.trustedRegistries, excludedNamespaces: kyvernoExcludedNamespaces(), provider, after },
        );
        // Namespaces, quotas and NetworkPolicies need no running pods, so they do not wait for the CNI.
        addOns.appNamespaces = new AppNamespaces(`${name}-app-namespaces`, { namespaces: config.security.appNamespaces, provider });
    }
    return addOns;
}
