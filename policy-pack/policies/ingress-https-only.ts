// Seed 003 "Ingress must allow HTTPS only": every host an Ingress serves needs a TLS entry.
import * as k8s from "@pulumi/kubernetes";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { exemptNamespacesSchema, skipExemptNamespace } from "../lib/k8s";

const SSL_REDIRECT_ANNOTATIONS = ["nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"];

/** Whether a TLS host entry (possibly a `*.` wildcard) covers a rule host. */
function covers(tlsHost: string, host: string): boolean {
    if (tlsHost.startsWith("*.")) {
        const suffix = tlsHost.slice(1);
        return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
    }
    return tlsHost === host;
}

export const ingressHttpsOnly: ResourceValidationPolicy = {
    name: "ingress-https-only",
    description: "Ingresses must serve HTTPS only: every host needs a TLS entry and HTTPS redirects must not be turned off.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema() } },
    validateResource: validateResourceOfType(k8s.networking.v1.Ingress, (ingress, args, reportViolation) => {
        skipExemptNamespace(args);
        const tls = ingress.spec?.tls ?? [];
        if (tls.length === 0) {
            reportViolation("spec.tls is empty, so the Ingress serves plain HTTP; add a spec.tls entry with a certificate secret for its hosts.");
        } else {
            const tlsHosts = tls.flatMap(t => t.hosts ?? []);
            const catchAll = tls.some(t => (t.hosts ?? []).length === 0);
            (ingress.spec?.rules ?? []).forEach((rule, i) => {
                const host = rule.host;
                if (host ? !tlsHosts.some(t => covers(t, host)) : !catchAll) {
                    reportViolation(`spec.rules[${i}].host ${JSON.stringify(host ?? "")} is not covered by spec.tls; add it to a spec.tls[].hosts entry.`);
                }
            });
        }
        const annotations: Record<string, string> = ingress.metadata?.annotations ?? {};
        for (const key of SSL_REDIRECT_ANNOTATIONS) {
            if (String(annotations[key]).toLowerCase() === "false") {
                reportViolation(`metadata.annotations["${key}"] is "false", which lets clients use plain HTTP; remove the annotation.`);
            }
        }
    }),
};
