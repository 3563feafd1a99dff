// Gateway API (gateway.networking.k8s.io, v1.6.1 standard channel) as the pack reads it: which
// listeners an HTTPRoute attaches to, and the hostnames each one serves. The rules are those of the
// API's own documentation (apis/v1 gateway_types.go, httproute_types.go, shared_types.go):
// - a parentRef names a Gateway (group/kind default to gateway.networking.k8s.io/Gateway) in the
//   route's namespace unless it says otherwise, and optionally one listener (sectionName) or port;
// - a listener admits a route when its allowedRoutes allow the route's namespace (`from` defaults to
//   Same) and kind (HTTP and HTTPS listeners take HTTPRoute by default), and their hostnames intersect;
// - `*.example.com` matches any name below example.com, but not example.com itself.
import { PolicyResource } from "@pulumi/policy";
import { namespaceOf, objectName } from "./k8s";

const GROUP = "gateway.networking.k8s.io";

/** Type tokens of the served versions (the standard channel still serves v1beta1). */
export const GATEWAY_TYPES = [`kubernetes:${GROUP}/v1:Gateway`, `kubernetes:${GROUP}/v1beta1:Gateway`];
export const HTTPROUTE_TYPES = [`kubernetes:${GROUP}/v1:HTTPRoute`, `kubernetes:${GROUP}/v1beta1:HTTPRoute`];

export interface Listener {
    name: string;
    port: number;
    protocol: string;
    hostname?: string;
    allowedRoutes?: { namespaces?: { from?: string; selector?: LabelSelector }; kinds?: { group?: string; kind: string }[] };
    tls?: { mode?: string; certificateRefs?: unknown[] };
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The labels of a namespace the stack creates, or undefined for one it does not. */
export type NamespaceLabels = (ns: string) => Record<string, string> | undefined;

/** A Gateway of the stack, with the id used in messages (`namespace/name`). */
export interface GatewayInfo {
    id: string;
    namespace: string;
    name: string;
    listeners: Listener[];
}

/** Where one parentRef of a route lands: a listener of a Gateway in the stack, or a Gateway the stack does not hold. */
export type Attachment =
    | { parentIndex: number; gateway: GatewayInfo; listener: Listener }
    | { parentIndex: number; unresolved: { gatewayId: string; sectionName?: string; port?: number } };

/** The route-level key a hostname is claimed on: one listener, or the parentRef as written when its Gateway is not in the stack. */
export function attachmentKey(a: Attachment): string {
    if ("listener" in a) {
        return `listener ${JSON.stringify(a.listener.name)} of Gateway ${a.gateway.id}`;
    }
    const { gatewayId, sectionName, port } = a.unresolved;
    return [`Gateway ${gatewayId}`, sectionName && `listener ${JSON.stringify(sectionName)}`, port && `port ${port}`].filter(Boolean).join(" ");
}

/** The Gateway a claim belongs to, resolved or not. */
export const attachmentGateway = (a: Attachment): string => ("listener" in a ? a.gateway.id : a.unresolved.gatewayId);

export function gatewayOf(r: PolicyResource): GatewayInfo {
    const namespace = namespaceOf(r.props);
    const name = objectName(r.props, r.name);
    return { id: `${namespace}/${name}`, namespace, name, listeners: Array.isArray(r.props.spec?.listeners) ? r.props.spec.listeners : [] };
}

/** Whether two hostnames (either may be a `*.` wildcard) can both match one request host. */
export function hostnamesIntersect(a: string, b: string): boolean {
    const matches = (wildcard: string, host: string) => host.endsWith(wildcard.slice(1)) && host.length > wildcard.length - 1;
    if (a.startsWith("*.") && b.startsWith("*.")) {
        return a.endsWith(b.slice(1)) || b.endsWith(a.slice(1));
    }
    if (a.startsWith("*.")) {
        return matches(a, b);
    }
    if (b.startsWith("*.")) {
        return matches(b, a);
    }
    return a === b;
}

function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    const matchLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return (
        matchLabels &&
        (selector?.matchExpressions ?? []).every((e) => {
            const value = labels[e.key];
            switch (e.operator) {
                case "In":
                    return value !== undefined && (e.values ?? []).includes(value);
                case "NotIn":
                    return value === undefined || !(e.values ?? []).includes(value);
                case "Exists":
                    return value !== undefined;
                case "DoesNotExist":
                    return value === undefined;
                default:
                    return false;
            }
        })
    );
}

/**
 * Whether the listener admits an HTTPRoute from `routeNamespace`. `namespaceLabels` gives the labels
 * of a namespace the stack creates; a Selector listener is assumed to admit namespaces the stack
 * does not create, since their labels are not known here.
 */
function admits(gateway: GatewayInfo, listener: Listener, routeNamespace: string, namespaceLabels: NamespaceLabels): boolean {
    const kinds = listener.allowedRoutes?.kinds ?? [];
    const kindOk = kinds.length > 0 ? kinds.some((k) => (k.group ?? GROUP) === GROUP && k.kind === "HTTPRoute") : ["HTTP", "HTTPS"].includes(listener.protocol);
    const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
    const labels = namespaceLabels(routeNamespace);
    const namespaceOk =
        from === "All" ||
        (from === "Same" && routeNamespace === gateway.namespace) ||
        (from === "Selector" && (labels === undefined || selectorMatches(listener.allowedRoutes?.namespaces?.selector, labels)));
    return kindOk && namespaceOk;
}

/** Every listener (or unresolved Gateway) each parentRef of an HTTPRoute attaches to. */
export function routeAttachments(route: PolicyResource, gateways: GatewayInfo[], namespaceLabels: NamespaceLabels): Attachment[] {
    const routeNamespace = namespaceOf(route.props);
    const hostnames: string[] = route.props.spec?.hostnames ?? [];
    const parentRefs: any[] = route.props.spec?.parentRefs ?? [];
    return parentRefs.flatMap((ref, parentIndex): Attachment[] => {
        if ((ref.group ?? GROUP) !== GROUP || (ref.kind ?? "Gateway") !== "Gateway") {
            return []; // e.g. a Service parent (GAMMA mesh routing) is not an entry point
        }
        const namespace: string = ref.namespace ?? routeNamespace;
        const gateway = gateways.find((g) => g.namespace === namespace && g.name === ref.name);
        if (!gateway) {
            return [{ parentIndex, unresolved: { gatewayId: `${namespace}/${ref.name}`, sectionName: ref.sectionName, port: ref.port } }];
        }
        return gateway.listeners
            .filter((l) => ref.sectionName === undefined || l.name === ref.sectionName)
            .filter((l) => ref.port === undefined || l.port === ref.port)
            .filter((l) => admits(gateway, l, routeNamespace, namespaceLabels))
            .filter((l) => !l.hostname || hostnames.length === 0 || hostnames.some((h) => hostnamesIntersect(l.hostname!, h)))
            .map((listener) => ({ parentIndex, gateway, listener }));
    });
}

/** The labels a namespace the stack creates will carry, `kubernetes.io/metadata.name` included (the API server sets it). */
export function namespaceLabelsOf(resources: PolicyResource[]): NamespaceLabels {
    const byName = new Map<string, Record<string, string>>();
    for (const r of resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")) {
        const name = objectName(r.props, r.name);
        byName.set(name, { ...(r.props.metadata?.labels ?? {}), "kubernetes.io/metadata.name": name });
    }
    return (ns) => byName.get(ns);
}

/** Whether an HTTPRoute rule only answers with a redirect to https (an HTTPRequestRedirectFilter with scheme https). */
export function redirectsToHttps(rule: any): boolean {
    return (rule?.filters ?? []).some((f: any) => f?.type === "RequestRedirect" && f.requestRedirect?.scheme === "https");
}
