// Seed 003 "HTTPS only" for Gateway API routes: a request that reaches a plain-HTTP listener may only
// be answered with a redirect to https. An HTTPRoute attached to such a listener (by sectionName, by
// port, or by naming the whole Gateway) must therefore make every rule an HTTPRequestRedirectFilter
// with scheme https (gateway-api v1.6.1 httproute_types.go). Routes whose Gateway is outside the stack
// cannot be resolved here; `ingress-https-only` keeps other namespaces off HTTP listeners instead.
import { StackValidationPolicy } from "@pulumi/policy";
import { gatewayOf, GATEWAY_TYPES, HTTPROUTE_TYPES, namespaceLabelsOf, redirectsToHttps, routeAttachments } from "../lib/gateway";
import { namespaceOf, objectName } from "../lib/k8s";

export const httprouteHttpsOnly: StackValidationPolicy = {
    name: "httproute-https-only",
    description: "HTTPRoutes attached to a plain-HTTP Gateway listener may only redirect to https.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const routes = args.resources.filter((r) => HTTPROUTE_TYPES.includes(r.type));
        if (routes.length === 0) {
            return args.notApplicable("the stack has no HTTPRoute");
        }
        const gateways = args.resources.filter((r) => GATEWAY_TYPES.includes(r.type)).map(gatewayOf);
        const namespaceLabels = namespaceLabelsOf(args.resources);
        for (const route of routes) {
            const id = `${namespaceOf(route.props)}/${objectName(route.props, route.name)}`;
            const rules: unknown[] = route.props.spec?.rules ?? [];
            for (const a of routeAttachments(route, gateways, namespaceLabels)) {
                if (!("listener" in a) || a.listener.protocol !== "HTTP") {
                    continue;
                }
                rules.forEach((rule, i) => {
                    if (!redirectsToHttps(rule)) {
                        reportViolation(
                            `spec.rules[${i}] of HTTPRoute ${id} is served over plain HTTP by listener ${JSON.stringify(a.listener.name)} ` +
                                `(port ${a.listener.port}) of Gateway ${a.gateway.id} through spec.parentRefs[${a.parentIndex}]; ` +
                                `set its sectionName to an HTTPS listener, ` +
                                `or make the rule a RequestRedirect filter with scheme "https".`,
                            route.urn,
                        );
                    }
                });
            }
        }
    },
};
