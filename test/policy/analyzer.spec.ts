// The in-process evaluator (policy-pack/evaluate.ts) against the REAL CrossGuard analyzer of
// @pulumi/policy: the gRPC server `pulumi preview --policy-pack policy-pack` starts and talks to.
// Both must report the same (policy, level, message, resource) for the same resources.
import { strict as assert } from "assert";
import { evaluatePolicies, PlannedResource, Violation } from "../../policy-pack/evaluate";
import { typeToken } from "../../policy-pack/lib/type-token";
import { packEnforcementLevel, policies } from "../../policy-pack/policies";
import { planShipped } from "../support/offline";
import { AnalyzerServer, Diagnostic, engineConfig } from "./analyzer-client";
import { gatewayApi } from "./helpers";

const descriptions = new Map(policies.map((p) => [p.name, p.description]));
const isMandatory = (level: string) => level === "mandatory";

let seq = 0;
function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlannedResource> = {}): PlannedResource {
    return { urn: `urn:pulumi:test::analyzer-spec::${type}::${name}-${seq++}`, type, name, dependencies: [], inputs, ...extra };
}

/** A k8s object as the Kubernetes SDK sends its inputs (apiVersion and kind included). */
function k8sObject(object: Record<string, any>, extra: Partial<PlannedResource> = {}): PlannedResource {
    return resource(typeToken(object.apiVersion, object.kind), object.metadata?.name ?? "unnamed", object, extra);
}

const LABELS = { svc: "web", team: "platform", region: "kr", release_id: "r1" };
const RESTRICTED_SC = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const LIMITS = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

function compliantPodSpec(): Record<string, any> {
    return {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{ name: "web", image: "harbor.local.dev/platform/web:1.4.2", resources: LIMITS, securityContext: RESTRICTED_SC }],
    };
}

interface Fixture {
    title: string;
    resource: PlannedResource;
    /** Policies that must be among the violations; [] means the resource must be compliant. */
    expect: string[];
}

function fixtures(): Fixture[] {
    return [
        {
            title: "a restricted-compliant Pod",
            resource: k8sObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "apps", labels: LABELS }, spec: compliantPodSpec() }),
            expect: [],
        },
        {
            title: "a privileged Deployment",
            resource: k8sObject({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "priv", namespace: "apps", labels: LABELS },
                spec: {
                    selector: { matchLabels: { app: "priv" } },
                    template: {
                        metadata: { labels: { app: "priv" } },
                        spec: {
                            ...compliantPodSpec(),
                            containers: [
                                {
                                    name: "c",
                                    image: "harbor.local.dev/platform/agent:2.0.1",
                                    resources: LIMITS,
                                    securityContext: { ...RESTRICTED_SC, privileged: true },
                                },
                            ],
                        },
                    },
                },
            }),
            expect: ["pss-baseline-privileged"],
        },
        {
            title: "a Pod with a hostPath volume and hostNetwork",
            resource: k8sObject({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "node-agent", namespace: "apps", labels: LABELS },
                spec: {
                    ...compliantPodSpec(),
                    hostNetwork: true,
                    volumes: [{ name: "host", hostPath: { path: "/var/log" } }],
                    containers: [
                        {
                            name: "agent",
                            image: "harbor.local.dev/platform/agent:2.0.1",
                            resources: LIMITS,
                            securityContext: RESTRICTED_SC,
                            volumeMounts: [{ name: "host", mountPath: "/host" }],
                        },
                    ],
                },
            }),
            expect: ["pss-baseline-host-namespaces", "pss-baseline-host-path-volumes", "pss-restricted-volume-types"],
        },
        {
            title: "a CronJob running docker.io/nginx:latest",
            resource: k8sObject({
                apiVersion: "batch/v1",
                kind: "CronJob",
                metadata: { name: "nightly", namespace: "apps", labels: LABELS },
                spec: {
                    schedule: "0 3 * * *",
                    jobTemplate: {
                        spec: {
                            template: {
                                metadata: { labels: { app: "nightly" } },
                                spec: {
                                    ...compliantPodSpec(),
                                    restartPolicy: "OnFailure",
                                    containers: [{ name: "job", image: "docker.io/nginx:latest", resources: LIMITS, securityContext: RESTRICTED_SC }],
                                },
                            },
                        },
                    },
                },
            }),
            expect: ["no-latest-image-tag"],
        },
        {
            title: "a LoadBalancer Service",
            resource: k8sObject({
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "cart-public", namespace: "shop" },
                spec: { type: "LoadBalancer", selector: { app: "cart" }, ports: [{ port: 80, targetPort: 8080 }] },
            }),
            expect: ["no-external-services"],
        },
        {
            title: "an http-only Ingress",
            resource: k8sObject({
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: { name: "web", namespace: "apps" },
                spec: {
                    ingressClassName: "nginx",
                    rules: [
                        {
                            host: "web.apps.local.dev",
                            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] },
                        },
                    ],
                },
            }),
            expect: ["ingress-https-only"],
        },
        {
            title: "a Gateway whose plain-HTTP listener admits routes from every namespace",
            resource: k8sObject(gatewayApi.gateway([{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }])),
            expect: ["ingress-https-only"],
        },
        {
            title: "a Namespace without Pod Security labels",
            resource: k8sObject({ apiVersion: "v1", kind: "Namespace", metadata: { name: "scratch" } }),
            expect: ["namespace-psa-labels"],
        },
        {
            title: "a helm.v3.Release without a version from an http repository",
            resource: resource("kubernetes:helm.sh/v3:Release", "ingress-nginx", {
                chart: "ingress-nginx",
                namespace: "ingress",
                repositoryOpts: { repo: "http://charts.example.com/ingress-nginx" },
                values: { controller: { replicaCount: 2 } },
            }),
            expect: ["helm-chart-pinned"],
        },
        {
            title: "a RandomPassword of length 8",
            resource: resource("random:index/randomPassword:RandomPassword", "grafana-admin", { length: 8, special: true }),
            expect: ["random-password-length"],
        },
        {
            title: "an RSA-1024 tls PrivateKey",
            resource: resource("tls:index/privateKey:PrivateKey", "legacy-ca", { algorithm: "RSA", rsaBits: 1024 }),
            expect: ["tls-private-key-strength"],
        },
    ];
}

/**
 * A stack for the stack policies: two Ingresses sharing a host; an app Namespace without default-deny,
 * one with; main-gateway with its redirect, a route serving content on the HTTP listener, and a
 * route claiming the Ingresses' host.
 */
function stackFixture(): PlannedResource[] {
    const appNs = (name: string) =>
        k8sObject({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name, labels: { "platform.example/app-namespace": "true", "pod-security.kubernetes.io/enforce": "restricted" } },
        });
    const shop = appNs("shop");
    const cart = appNs("cart");
    const denyAll = k8sObject(
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace: "cart" },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
        { parent: cart.urn, dependencies: [cart.urn], propertyDependencies: { metadata: [cart.urn] } },
    );
    const ingress = (name: string, namespace: string) =>
        k8sObject(
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: { name, namespace },
                spec: {
                    tls: [{ hosts: ["shop.apps.local.dev"], secretName: `${name}-tls` }],
                    rules: [
                        {
                            host: "shop.apps.local.dev",
                            http: { paths: [{ path: `/${name}`, pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }] },
                        },
                    ],
                },
            },
            { dependencies: [shop.urn] },
        );
    const plainHttp = gatewayApi.redirect();
    plainHttp.metadata.name = "plain-http";
    plainHttp.spec.rules = [{ backendRefs: [{ name: "web", port: 80 }] }];
    const gateway = [gatewayApi.gateway(), gatewayApi.redirect(), plainHttp, gatewayApi.route("shop", "shop", ["shop.apps.local.dev"])].map((o) =>
        k8sObject(o),
    );
    return [shop, cart, denyAll, ingress("storefront", "shop"), ingress("checkout", "shop"), ...gateway];
}

interface Finding {
    policy: string;
    level: string;
    message: string;
    urn: string;
}

/** The analyzer's diagnostic with the server's "<description>\n" prefix checked and removed. */
function fromAnalyzer(d: Diagnostic): Finding {
    const prefix = `${descriptions.get(d.policyName)}\n`;
    assert.ok(d.message.startsWith(prefix), `analyzer message of ${d.policyName} does not start with the policy description: ${JSON.stringify(d.message)}`);
    return { policy: d.policyName, level: d.enforcementLevel, message: d.message.slice(prefix.length), urn: d.urn };
}

const fromEvaluator = (v: Violation): Finding => ({ policy: v.policy, level: v.level, message: v.message, urn: v.urn ?? "" });

const sortFindings = (fs: Finding[]) => [...fs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
const pairs = (fs: Finding[]) => [...new Set(fs.map((f) => `${f.policy} [${f.level}]`))].sort();

describe("policy evaluator vs the real CrossGuard analyzer (@pulumi/policy gRPC server)", function () {
    this.timeout(120000);
    const server = new AnalyzerServer();
    const onExit = () => server.stop();

    /** Both sides over the same resources, as a preview runs them. */
    async function both(resources: PlannedResource[]): Promise<{ analyzer: Finding[]; evaluator: Finding[] }> {
        const analyzer = (await server.preview(resources)).map(fromAnalyzer);
        const evaluator = evaluatePolicies(resources).map(fromEvaluator);
        return { analyzer, evaluator };
    }

    function assertAgree(analyzer: Finding[], evaluator: Finding[]): void {
        assert.deepEqual(pairs(evaluator), pairs(analyzer), "(policy, level) pairs: evaluator (actual) vs analyzer (expected)");
        assert.deepEqual(sortFindings(evaluator), sortFindings(analyzer), "findings: evaluator (actual) vs analyzer (expected)");
    }

    before(async function () {
        process.once("exit", onExit);
        await server.start();
        await server.configure(engineConfig(policies));
    });

    after(function () {
        server.stop();
        process.removeListener("exit", onExit);
    });

    it("GetAnalyzerInfo lists exactly the pack's policies, with their levels, descriptions and config schemas", async () => {
        const info = await server.getAnalyzerInfo();
        assert.equal(info.name, "platform-security");
        assert.deepEqual(
            info.policies.map((p) => p.name),
            policies.map((p) => p.name),
        );
        for (const p of policies) {
            const served = info.policies.find((i) => i.name === p.name)!;
            assert.equal(served.enforcementLevel, p.enforcementLevel ?? packEnforcementLevel, `level of ${p.name}`);
            assert.equal(served.description, p.description, `description of ${p.name}`);
            assert.equal(served.policyType, "validateStack" in p ? "stack" : "resource", `type of ${p.name}`);
            assert.deepEqual(
                served.configSchema?.properties,
                p.configSchema ? JSON.parse(JSON.stringify(p.configSchema.properties)) : undefined,
                `config schema of ${p.name}`,
            );
        }
    });

    for (const f of fixtures()) {
        it(`agrees on ${f.title}${f.expect.length ? ` (${f.expect.join(", ")})` : " (no violations)"}`, async () => {
            const { analyzer, evaluator } = await both([f.resource]);
            if (f.expect.length === 0) {
                assert.deepEqual(analyzer, [], "analyzer diagnostics on a compliant resource");
            }
            const names = new Set(analyzer.map((d) => d.policy));
            for (const name of f.expect) {
                assert.ok(names.has(name), `analyzer did not report ${name}; it reported ${pairs(analyzer).join(", ") || "nothing"}`);
            }
            assertAgree(analyzer, evaluator);
            assert.ok(
                analyzer.every((d) => d.urn === f.resource.urn),
                "every diagnostic belongs to the analyzed resource",
            );
        });
    }

    it("agrees on the stack policies (ingress-unique-hostnames, httproute-https-only, app-namespace-default-deny) over a stack", async () => {
        const stack = stackFixture();
        const { analyzer, evaluator } = await both(stack);
        const stackPolicies = ["ingress-unique-hostnames", "httproute-https-only", "app-namespace-default-deny"];
        const stackFindings = analyzer.filter((d) => stackPolicies.includes(d.policy));
        assert.deepEqual(
            stackFindings.map((d) => [d.policy, d.urn]).sort(),
            [
                ["app-namespace-default-deny", stack[0].urn], // shop has no default-deny NetworkPolicy; cart has one
                ["ingress-unique-hostnames", stack[4].urn], // the second Ingress claiming shop.apps.local.dev
                ["httproute-https-only", stack[7].urn], // plain-http serves a backend on the HTTP listener
                ["ingress-unique-hostnames", stack[8].urn], // the HTTPRoute claiming the Ingresses' host
            ].sort(),
        );
        assertAgree(analyzer, evaluator);
    });

    it("agrees on every fixture previewed together as one stack", async () => {
        const resources = [...fixtures().map((f) => f.resource), ...stackFixture()];
        const { analyzer, evaluator } = await both(resources);
        assertAgree(analyzer, evaluator);
    });

    it("agrees on the shipped mgmt, app1 and app2 stacks, which the engine passes with no violation", async () => {
        for (const planned of await planShipped()) {
            const { analyzer, evaluator } = await both(planned.resources);
            assertAgree(analyzer, evaluator);
            assert.deepEqual(analyzer, [], `${planned.stack}: the analyzer reports ${JSON.stringify(analyzer)}`);
        }
    });

    it("reports at least one mandatory diagnostic overall (sanity)", async () => {
        const diagnostics = await server.preview(fixtures().map((f) => f.resource));
        assert.ok(
            diagnostics.some((d) => isMandatory(d.enforcementLevel)),
            `no mandatory diagnostic among ${diagnostics.length}`,
        );
    });
});
