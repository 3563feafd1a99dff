// The security add-ons as the shipped stacks create them, recorded under the offline mocks.
import { strict as assert } from "assert";
import { CHARTS } from "../../config/versions";
import { API_SERVER_PSA_EXEMPTIONS, PRIVILEGED_NAMESPACES, PSA_EXEMPTION_ANNOTATION_PREFIX } from "../../policy-pack/conventions";
import { PlannedStack, planShipped, resourcesOfType } from "../support/offline";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const CLUSTER_POLICY = "kubernetes:kyverno.io/v1:ClusterPolicy";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CILIUM_POLICY = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";

describe("security add-ons in the shipped stacks", function () {
    this.timeout(180_000);
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });
    const stack = (name: string) => stacks.find((s) => s.stack === name) as PlannedStack;
    const SECURITY_CHARTS = [CHARTS.falco, CHARTS.kyverno, CHARTS.trivyOperator].map((p) => p.chart);
    // Other issues add their own releases to the same stacks; only ours are counted.
    const charts = (s: PlannedStack) =>
        resourcesOfType(s.resources, RELEASE)
            .map((r) => r.inputs.chart as string)
            .filter((c) => SECURITY_CHARTS.includes(c))
            .sort();

    it("installs Falco and Trivy Operator everywhere, Kyverno only on app clusters (ADR-003)", () => {
        assert.deepEqual(charts(stack("mgmt")), ["falco", "trivy-operator"]);
        for (const app of ["app1", "app2"]) {
            assert.deepEqual(charts(stack(app)), ["falco", "kyverno", "trivy-operator"], app);
        }
    });

    it("pins every release to config/versions.ts", () => {
        const pins = Object.values(CHARTS);
        for (const s of stacks) {
            for (const r of resourcesOfType(s.resources, RELEASE)) {
                const pin = pins.find((p) => p.chart === r.inputs.chart);
                assert.ok(pin, `${s.stack}/${r.name}`);
                assert.equal(r.inputs.version, pin.version);
                assert.deepEqual(r.inputs.repositoryOpts, { repo: pin.repo });
            }
        }
    });

    it("installs every security chart after Cilium, whose agents its pods need", () => {
        for (const s of stacks) {
            const releases = resourcesOfType(s.resources, RELEASE);
            const cilium = releases.find((r) => r.inputs.chart === CHARTS.cilium.chart);
            assert.ok(cilium, s.stack);
            for (const r of releases.filter((r) => SECURITY_CHARTS.includes(r.inputs.chart as string))) {
                assert.ok(r.dependencies.includes(cilium.urn), `${s.stack}/${r.name} does not wait for ${cilium.name}`);
            }
        }
    });

    it("creates each ClusterPolicy after the Kyverno release (CRDs before CRs)", () => {
        for (const app of ["app1", "app2"]) {
            const s = stack(app);
            const [kyverno] = resourcesOfType(s.resources, RELEASE).filter((r) => r.inputs.chart === "kyverno");
            const policies = resourcesOfType(s.resources, CLUSTER_POLICY);
            assert.equal(policies.length, 4, app);
            for (const p of policies) {
                assert.ok(p.dependencies.includes(kyverno.urn), `${app}/${p.name} depends on ${kyverno.urn}`);
            }
        }
    });

    it("gives every Namespace an explicit enforce label, and privileged ones the exemption record of policy-pack/conventions.ts", () => {
        const records = Object.values(PRIVILEGED_NAMESPACES);
        for (const s of stacks) {
            for (const ns of resourcesOfType(s.resources, NAMESPACE)) {
                const meta = ns.inputs.metadata as any;
                const enforce = meta.labels["pod-security.kubernetes.io/enforce"];
                assert.ok(["privileged", "baseline", "restricted"].includes(enforce), `${s.stack}/${meta.name}`);
                if (enforce === "privileged") {
                    const record = records.find((r) => r.namespace === meta.name);
                    assert.ok(record, `${s.stack}/${meta.name} is privileged without an entry in PRIVILEGED_NAMESPACES`);
                    assert.equal(meta.annotations[`${PSA_EXEMPTION_ANNOTATION_PREFIX}reason`], record.reason);
                    assert.match(meta.annotations[`${PSA_EXEMPTION_ANNOTATION_PREFIX}review-by`], /^\d{4}-\d{2}-\d{2}$/, `${s.stack}/${meta.name}`);
                }
            }
        }
    });

    it("Kyverno spares exactly kube-system and the namespaces the stack creates for platform add-ons, in its policies and its webhooks", () => {
        for (const app of ["app1", "app2"]) {
            const s = stack(app);
            const created = resourcesOfType(s.resources, NAMESPACE).map((r) => (r.inputs.metadata as any).name as string);
            const values = resourcesOfType(s.resources, RELEASE).find((r) => r.inputs.chart === "kyverno")!.inputs.values as any;
            const [selector] = values.config.webhooks.namespaceSelector.matchExpressions;
            assert.deepEqual([selector.key, selector.operator], ["kubernetes.io/metadata.name", "NotIn"]);
            const spared: string[] = selector.values;
            const expected = [
                ...["kube-system", "metallb-system", "local-path-storage", "falco", "trivy-system", "kyverno"],
                ...["cert-manager", "external-secrets", "monitoring", "logging", "velero", "vpa", "goldilocks", "keda"],
            ];
            assert.deepEqual([...spared].sort(), expected.sort(), app);
            for (const ns of spared) {
                assert.ok(
                    created.includes(ns) || API_SERVER_PSA_EXEMPTIONS.some((e) => e.namespace === ns),
                    `${app}: ${ns} is spared but the stack does not create it`,
                );
            }
            for (const p of resourcesOfType(s.resources, CLUSTER_POLICY)) {
                const excluded = (p.inputs.spec as any).rules.flatMap((r: any) => r.exclude?.any?.flatMap((a: any) => a.resources?.namespaces ?? []) ?? []);
                assert.deepEqual([...new Set(excluded)].sort(), [...spared].sort(), `${app}/${p.name}`);
            }
            assert.ok(!spared.includes("application"), "teams' namespaces stay guarded");
        }
    });

    it("app namespaces admit the Gateway (Cilium's ingress identity) once Cilium serves its policy CRD, and scrapes from monitoring", () => {
        for (const app of ["app1", "app2"]) {
            const s = stack(app);
            const wait = s.resources.find((r) => r.name === `${app}-cilium-mesh-policy-crds`)!;
            for (const ns of s.config.security.appNamespaces) {
                const cnp = resourcesOfType(s.resources, CILIUM_POLICY).find((r) => (r.inputs.metadata as any).namespace === ns);
                assert.ok(cnp, `${app}/${ns}: no CiliumNetworkPolicy`);
                assert.deepEqual(cnp.inputs.spec, { endpointSelector: {}, ingress: [{ fromEntities: ["ingress"] }] });
                assert.ok(cnp.dependencies.includes(wait.urn), `${app}/${ns}: the CiliumNetworkPolicy does not wait for Cilium's CRD`);
                const scrape = resourcesOfType(s.resources, NETWORK_POLICY).find(
                    (r) => (r.inputs.metadata as any).namespace === ns && (r.inputs.metadata as any).name === "allow-monitoring-scrape",
                );
                assert.ok(scrape, `${app}/${ns}: no scrape policy`);
                assert.deepEqual((scrape.inputs.spec as any).ingress, [
                    {
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                        ports: [{ protocol: "TCP", port: "metrics" }],
                    },
                ]);
            }
        }
    });

    it("guards the configured application namespaces on app clusters only, each with default-deny inside", () => {
        const appNamespaces = (s: PlannedStack) =>
            resourcesOfType(s.resources, NAMESPACE).filter((r) => (r.inputs.metadata as any).labels["platform.example/app-namespace"] === "true");
        assert.deepEqual(appNamespaces(stack("mgmt")), []);
        for (const app of ["app1", "app2"]) {
            const s = stack(app);
            const names = appNamespaces(s).map((r) => (r.inputs.metadata as any).name);
            assert.ok(names.includes("application"), app);
            for (const name of names) {
                const deny = resourcesOfType(s.resources, NETWORK_POLICY).find(
                    (r) => (r.inputs.metadata as any).namespace === name && (r.inputs.metadata as any).name === "default-deny-all",
                );
                assert.ok(deny, `${app}/${name}`);
                assert.deepEqual((deny.inputs.spec as any).podSelector, {});
            }
        }
    });
});
