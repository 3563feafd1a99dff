// Application namespaces: the NetworkPolicies together deny everything but the essential egress of
// seed 001 §19.4; LimitRange and ResourceQuota carry the §20.3 numbers and fit together.
import { strict as assert } from "assert";
import {
    appLimitRange,
    appNamespaceMetadata,
    appResourceQuota,
    defaultDenyNetworkPolicy,
    essentialEgressNetworkPolicy,
    gatewayIngressPolicy,
    METRICS_PORT_NAME,
    monitoringScrapeNetworkPolicy,
} from "../../components/app-namespaces";
import { APP_NAMESPACE_LABEL } from "../../policy-pack/conventions";

/** Kubernetes quantities used here ("500m", "2", "512Mi", "2Gi") in base units. */
function quantity(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(q);
    assert.ok(m, `unsupported quantity ${q}`);
    const scale: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
    return Number(m[1]) * (m[2] ? scale[m[2]] : 1);
}

/** A NetworkPolicy as plain data (the builders return Pulumi input types). */
const plain = (o: unknown): any => JSON.parse(JSON.stringify(o));

/**
 * What a set of NetworkPolicies allows for a pod of the namespace (networking.k8s.io/v1 semantics):
 * isolated in a direction when some selecting policy lists that type; then allowed = the union of
 * the rules of the selecting policies of that type. An empty podSelector selects every pod.
 */
function effective(policies: any[]): { ingressIsolated: boolean; egressIsolated: boolean; ingress: any[]; egress: any[] } {
    const selecting = policies.filter((p) => Object.keys(p.spec.podSelector ?? {}).length === 0);
    const of = (type: string, key: string) => selecting.filter((p) => p.spec.policyTypes.includes(type)).flatMap((p) => p.spec[key] ?? []);
    return {
        ingressIsolated: selecting.some((p) => p.spec.policyTypes.includes("Ingress")),
        egressIsolated: selecting.some((p) => p.spec.policyTypes.includes("Egress")),
        ingress: of("Ingress", "ingress"),
        egress: of("Egress", "egress"),
    };
}

describe("application namespaces", () => {
    const ns = "application";
    const deny = plain(defaultDenyNetworkPolicy(ns));
    const egress = plain(essentialEgressNetworkPolicy(ns));

    it("default-deny selects every pod, isolates both directions and allows nothing itself", () => {
        assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.equal(deny.metadata.namespace, ns);
    });

    it("together, the policies allow no ingress and egress only to kube-dns on 53 and to monitoring", () => {
        const allowed = effective([deny, egress]);
        assert.ok(allowed.ingressIsolated && allowed.egressIsolated);
        assert.deepEqual(allowed.ingress, []);
        assert.equal(allowed.egress.length, 2);
        for (const rule of allowed.egress) {
            assert.ok(Array.isArray(rule.to) && rule.to.length > 0, "every egress rule names its peers (an empty `to` means anywhere)");
            assert.ok(Array.isArray(rule.ports) && rule.ports.length > 0, "every egress rule names its ports (no ports means all)");
            for (const peer of rule.to) {
                assert.equal(peer.ipBlock, undefined, "no ipBlock peers");
                assert.ok(peer.namespaceSelector?.matchLabels, "peers are selected by namespace");
            }
        }
        const [dns, monitoring] = allowed.egress;
        assert.deepEqual(dns.to, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
        ]);
        assert.deepEqual(dns.ports, [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ]);
        assert.deepEqual(monitoring.to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
        assert.ok(monitoring.ports.every((p: any) => p.protocol === "TCP"));
        assert.ok(
            monitoring.ports.some((p: any) => p.port === 9090),
            "Prometheus, seed 001 §19.4",
        );
    });

    it("with the scrape policy, ingress comes only from monitoring, only to the named metrics port", () => {
        const allowed = effective([deny, egress, plain(monitoringScrapeNetworkPolicy(ns))]);
        assert.ok(allowed.ingressIsolated && allowed.egressIsolated);
        assert.deepEqual(allowed.ingress, [
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }],
            },
        ]);
        assert.equal(allowed.egress.length, 2, "egress unchanged");
    });

    it("admits traffic from Cilium's Gateway (the reserved ingress identity) to every pod of the namespace, and nothing else", () => {
        const cnp = gatewayIngressPolicy(ns);
        assert.deepEqual([cnp.apiVersion, cnp.kind, cnp.metadata.namespace], ["cilium.io/v2", "CiliumNetworkPolicy", ns]);
        assert.deepEqual(cnp.spec, { endpointSelector: {}, ingress: [{ fromEntities: ["ingress"] }] });
    });

    it("the essential-egress policy alone does not isolate ingress (it must not replace default-deny)", () => {
        assert.deepEqual(egress.spec.policyTypes, ["Egress"]);
        assert.equal(effective([egress]).ingressIsolated, false);
    });

    it("labels the namespace restricted in every PSA mode and marks it for the policy pack", () => {
        const { name, labels } = appNamespaceMetadata(ns);
        assert.equal(name, ns);
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted", mode);
        }
        assert.equal(labels[APP_NAMESPACE_LABEL], "true");
    });

    it("LimitRange: seed 001 §20.3 numbers, and defaultRequest <= default <= max", () => {
        const lr = plain(appLimitRange(ns));
        assert.equal(lr.metadata.namespace, ns);
        const [c] = lr.spec.limits;
        assert.equal(c.type, "Container");
        assert.deepEqual(c.default, { cpu: "500m", memory: "512Mi" });
        assert.deepEqual(c.defaultRequest, { cpu: "100m", memory: "128Mi" });
        assert.deepEqual(c.max, { cpu: "2", memory: "2Gi" });
        for (const r of ["cpu", "memory"]) {
            assert.ok(quantity(c.defaultRequest[r]) <= quantity(c.default[r]) && quantity(c.default[r]) <= quantity(c.max[r]), r);
        }
    });

    it("ResourceQuota: seed 001 §20.3 numbers; requests <= limits; one max-size container fits", () => {
        const rq = plain(appResourceQuota(ns));
        assert.equal(rq.metadata.namespace, ns);
        const hard = rq.spec.hard;
        assert.deepEqual(rq.spec.hard, { "requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi", pods: "20" });
        const max = plain(appLimitRange(ns)).spec.limits[0].max;
        for (const r of ["cpu", "memory"]) {
            assert.ok(quantity(hard[`requests.${r}`]) <= quantity(hard[`limits.${r}`]), r);
            assert.ok(quantity(max[r]) <= quantity(hard[`limits.${r}`]), `a ${r} max container fits the quota`);
        }
    });
});
