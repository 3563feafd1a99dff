// Seed 003 "Ingress hostnames must be unique", across both entry points: a hostname belongs to one
// Ingress or to one Gateway (its listeners and the HTTPRoutes attached to it), and on each listener to
// one HTTPRoute. Two claimants route unpredictably, or let one team take over another's host.
// Hostnames are compared as written: `*.apps.local.dev` and `a.apps.local.dev` are different names.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { attachmentGateway, attachmentKey, gatewayOf, GATEWAY_TYPES, HTTPROUTE_TYPES, namespaceLabelsOf, routeAttachments } from "../lib/gateway";
import { namespaceOf, objectName } from "../lib/k8s";

/** One resource claiming one hostname: `frontend` is where the traffic enters, `scope` what it is unique within. */
interface Claim {
    host: string;
    /** `Ingress ns/name` or `Gateway ns/name`. */
    frontend: string;
    /** Who claims it, for messages: `Ingress ns/name`, `Gateway ns/name`, `HTTPRoute ns/name`. */
    claimant: string;
    /** For an HTTPRoute, the listener the claim is on; routes on one listener must not share a hostname. */
    listener?: string;
    urn: string;
}

const idOf = (r: PolicyResource) => `${namespaceOf(r.props)}/${objectName(r.props, r.name)}`;
const unique = (hosts: unknown[]) => [...new Set(hosts.filter((h): h is string => typeof h === "string" && h !== ""))];

/** Every hostname claim of the stack, in resource order. */
function claimsOf(resources: PolicyResource[]): Claim[] {
    const gateways = resources.filter((r) => GATEWAY_TYPES.includes(r.type)).map(gatewayOf);
    const namespaceLabels = namespaceLabelsOf(resources);
    return resources.flatMap((r): Claim[] => {
        if (r.type === "kubernetes:networking.k8s.io/v1:Ingress") {
            const claimant = `Ingress ${idOf(r)}`;
            return unique((r.props.spec?.rules ?? []).map((rule: any) => rule?.host)).map((host) => ({ host, frontend: claimant, claimant, urn: r.urn }));
        }
        if (GATEWAY_TYPES.includes(r.type)) {
            const claimant = `Gateway ${idOf(r)}`;
            return unique((r.props.spec?.listeners ?? []).map((l: any) => l?.hostname)).map((host) => ({ host, frontend: claimant, claimant, urn: r.urn }));
        }
        if (HTTPROUTE_TYPES.includes(r.type)) {
            const hosts = unique(r.props.spec?.hostnames ?? []);
            return routeAttachments(r, gateways, namespaceLabels).flatMap((a) =>
                hosts.map((host) => ({
                    host,
                    frontend: `Gateway ${attachmentGateway(a)}`,
                    claimant: `HTTPRoute ${idOf(r)}`,
                    listener: attachmentKey(a),
                    urn: r.urn,
                })),
            );
        }
        return [];
    });
}

export const ingressUniqueHostnames: StackValidationPolicy = {
    name: "ingress-unique-hostnames",
    description: "No two Ingresses or Gateways in a stack may serve the same hostname, nor two HTTPRoutes on the same Gateway listener.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const claims = claimsOf(args.resources);
        if (claims.length === 0) {
            return args.notApplicable("no Ingress, Gateway listener or HTTPRoute names a hostname");
        }
        const frontends = new Map<string, Claim>();
        const onListener = new Map<string, Claim>();
        const reported = new Set<string>();
        const report = (message: string, urn: string) => {
            if (!reported.has(message)) {
                reported.add(message);
                reportViolation(message, urn);
            }
        };
        for (const c of claims) {
            const owner = frontends.get(c.host);
            if (owner === undefined) {
                frontends.set(c.host, c);
            } else if (owner.frontend !== c.frontend) {
                report(
                    `${c.claimant} serves host ${JSON.stringify(c.host)}, already served by ${owner.claimant}; give each hostname a single Ingress or Gateway.`,
                    c.urn,
                );
                continue;
            }
            if (c.listener !== undefined) {
                const key = `${c.listener}\n${c.host}`;
                const first = onListener.get(key);
                if (first === undefined) {
                    onListener.set(key, c);
                } else if (first.claimant !== c.claimant) {
                    report(
                        `${c.claimant} serves host ${JSON.stringify(c.host)} on ${c.listener}, already served there by ${first.claimant}; ` +
                            "give each hostname a single HTTPRoute per listener.",
                        c.urn,
                    );
                }
            }
        }
    },
};
