// Seed 002 §B and seed 001 §19.4: each application namespace starts from a default-deny
// NetworkPolicy (empty podSelector, Ingress and Egress), and other policies open what is needed.
import * as k8s from "@pulumi/kubernetes";
import { StackValidationPolicy } from "@pulumi/policy";
import { APP_NAMESPACE_LABEL } from "../conventions";
import { objectName } from "../lib/k8s";

/** An empty podSelector selects every pod of the namespace. */
function selectsAllPods(selector: any): boolean {
    return (
        !selector ||
        ((selector.matchLabels === undefined || Object.keys(selector.matchLabels ?? {}).length === 0) &&
            (selector.matchExpressions === undefined || (selector.matchExpressions ?? []).length === 0))
    );
}

export const appNamespaceDefaultDeny: StackValidationPolicy = {
    name: "app-namespace-default-deny",
    description: "Every application Namespace must contain a default-deny NetworkPolicy with an empty podSelector and both Ingress and Egress policy types.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            appNamespaceLabel: { type: "string", minLength: 1, description: "Label key marking application namespaces.", default: APP_NAMESPACE_LABEL },
            appNamespaceValue: { type: "string", description: "Label value marking application namespaces.", default: "true" },
        },
    },
    validateStack: (args, reportViolation) => {
        const { appNamespaceLabel = APP_NAMESPACE_LABEL, appNamespaceValue = "true" } = args.getConfig<{
            appNamespaceLabel?: string;
            appNamespaceValue?: string;
        }>();
        const appNamespaces = args.resources.filter(
            (r) => r.isType(k8s.core.v1.Namespace) && r.props.metadata?.labels?.[appNamespaceLabel] === appNamespaceValue,
        );
        if (appNamespaces.length === 0) {
            return args.notApplicable(`no Namespace is labeled ${appNamespaceLabel}=${appNamespaceValue}`);
        }
        const denyAll = new Set(
            args.resources
                .filter((r) => r.isType(k8s.networking.v1.NetworkPolicy))
                .filter((r) => {
                    const types: string[] = r.props.spec?.policyTypes ?? [];
                    return selectsAllPods(r.props.spec?.podSelector) && types.includes("Ingress") && types.includes("Egress");
                })
                .map((r) => r.props.metadata?.namespace ?? "default"),
        );
        for (const ns of appNamespaces) {
            const name = objectName(ns.props, ns.name);
            if (!denyAll.has(name)) {
                reportViolation(
                    `application namespace ${name} has no default-deny NetworkPolicy; add one in it with podSelector: {} and policyTypes: [Ingress, Egress].`,
                    ns.urn,
                );
            }
        }
    },
};
