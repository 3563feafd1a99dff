// Seed 003 "Ingress must allow HTTPS only", for both entry points the platform has: Ingresses, and
// Gateway API Gateways (Cilium serves main-gateway). Every Ingress host needs a TLS entry. A Gateway's
// HTTPS listeners need a certificate; a plain-HTTP listener may exist only to redirect to https, so it
// admits routes of its own namespace alone (the platform's), and `httproute-https-only` checks that
// every route attached to it is a redirect.
import * as k8s from "@pulumi/kubernetes";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { GATEWAY_TYPES, Listener } from "../lib/gateway";
import { exemptNamespacesSchema, skipExemptNamespace } from "../lib/k8s";
import { validateResourceOfTypeToken } from "../lib/type-token";

const SSL_REDIRECT_ANNOTATIONS = ["nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"];

/** Whether a TLS host entry (possibly a `*.` wildcard) covers a rule host. */
function covers(tlsHost: string, host: string): boolean {
    if (tlsHost.startsWith("*.")) {
        const suffix = tlsHost.slice(1);
        return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
    }
    return tlsHost === host;
}

/** The problems of one Gateway listener, as messages. */
function listenerProblems(listener: Listener, index: number): string[] {
    const where = `spec.listeners[${index}] (${JSON.stringify(listener.name)})`;
    if (listener.protocol === "HTTPS") {
        const terminates = (listener.tls?.mode ?? "Terminate") === "Terminate";
        return terminates && (listener.tls?.certificateRefs ?? []).length === 0
            ? [`${where} is HTTPS without a certificate; set tls.certificateRefs to the Secret holding the certificate of its hostnames.`]
            : [];
    }
    if (listener.protocol === "HTTP") {
        const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
        return from === "Same"
            ? []
            : [
                  `${where} serves plain HTTP to routes from namespaces ${JSON.stringify(from)}; set allowedRoutes.namespaces.from to "Same", so only ` +
                      `the Gateway's namespace attaches there (with routes that redirect to https), or make the listener HTTPS.`,
              ];
    }
    return [];
}

export const ingressHttpsOnly: ResourceValidationPolicy = {
    name: "ingress-https-only",
    description:
        "Ingresses and Gateways must serve HTTPS only: every Ingress host needs a TLS entry with redirects kept on, every HTTPS listener a certificate, " +
        "and a plain-HTTP listener admits routes of its own namespace only.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema() } },
    validateResource: [
        validateResourceOfType(k8s.networking.v1.Ingress, (ingress, args, reportViolation) => {
            skipExemptNamespace(args);
            const tls = ingress.spec?.tls ?? [];
            if (tls.length === 0) {
                reportViolation("spec.tls is empty, so the Ingress serves plain HTTP; add a spec.tls entry with a certificate secret for its hosts.");
            } else {
                const tlsHosts = tls.flatMap((t) => t.hosts ?? []);
                const catchAll = tls.some((t) => (t.hosts ?? []).length === 0);
                (ingress.spec?.rules ?? []).forEach((rule, i) => {
                    const host = rule.host;
                    if (host ? !tlsHosts.some((t) => covers(t, host)) : !catchAll) {
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
        ...GATEWAY_TYPES.map((token) =>
            validateResourceOfTypeToken(token, (args, reportViolation) => {
                skipExemptNamespace(args);
                const listeners: Listener[] = args.props.spec?.listeners ?? [];
                listeners.forEach((l, i) => listenerProblems(l, i).forEach((message) => reportViolation(message)));
            }),
        ),
    ],
};
