// Scaling and AIOps (issue 11): VPA, Goldilocks and KEDA (components/autoscaling) and the k8sgpt
// operator (components/k8sgpt), run once under the offline mocks (test/scaling/program.ts, both
// shapes of each component), their values against the upstream keys, their custom resources against
// the upstream CRDs, their objects against the policy pack, and the API key's path.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { goldilocksOptIn } from "../../components/autoscaling";
import { GOLDILOCKS_ENABLED_LABEL, goldilocksValues, kedaValues, vpaValues } from "../../components/autoscaling/values";
import { externalSecretSpec } from "../../components/lib/external-secret";
import {
    AI_STATUS_ANNOTATION,
    API_KEY_SECRET,
    apiKeyExternalSecret,
    DEFAULT_BACKEND,
    K8SGPT_ANALYZERS,
    k8sgptOperatorValues,
    k8sgptResource,
} from "../../components/k8sgpt";
import { CHARTS, IMAGES } from "../../config/versions";
import { evaluatePolicies } from "../../policy-pack/evaluate";
import { PSA_LABEL_PREFIX } from "../../policy-pack/conventions";
import { RecordedResource, RunResult, unwrapSecrets } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";
import { errorsOf, requireSchemas, strictCrdValidator } from "../networking/helpers";
import { check } from "../policy/helpers";

type Ok = Extract<RunResult, { ok: true }>;
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Every container's resources in each chart's values, by value path (what the lead lists in RESOURCE_PATHS). */
const RESOURCE_PATHS: Record<string, string[]> = {
    [CHARTS.vpa.chart]: ["recommender.resources"],
    [CHARTS.goldilocks.chart]: ["controller.resources", "dashboard.resources"],
    [CHARTS.keda.chart]: ["resources.operator", "resources.metricServer", "resources.webhooks"],
    [CHARTS.k8sgptOperator.chart]: ["controllerManager.manager.resources", "controllerManager.kubeRbacProxy.resources"],
};

/** Fields of the K8sGPT CRD in ../shared that the chart 0.2.27 copy lacks (../shared/schemas/crds/SOURCE.txt). */
const NOT_IN_CHART_CRD = ["podAnnotations", "podLabels", "securityContext", "containerSecurityContext"];

const UPSTREAM_KEYS: Record<string, string[]> = parse(fs.readFileSync(path.join(__dirname, "fixtures", "upstream-values-keys.yaml"), "utf8"));

function get(value: any, dotted: string): any {
    return dotted.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

/** Paths of `values` no upstream key covers (everything below a listed key is covered by it). */
function unknownPaths(values: unknown, known: string[], at = ""): string[] {
    if (at && known.includes(at)) {
        return [];
    }
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
        return [at];
    }
    return Object.entries(values).flatMap(([k, v]) => unknownPaths(v, known, at ? `${at}.${k}` : k));
}

const revealed = (r: RecordedResource) => unwrapSecrets(r.inputs, "reveal") as Record<string, any>;

describe("Autoscaling and K8sGpt under the offline mocks", function () {
    let run: Ok;
    const named = (name: string): RecordedResource => {
        const found = run.resources.find((r) => r.name === name);
        assert.ok(found, `no resource ${name}; have ${run.resources.map((r) => r.name).join(", ")}`);
        return found;
    };
    const childrenOf = (name: string) => run.resources.filter((r) => r.parent === named(name).urn);
    const releaseOf = (component: string) => revealed(named(`${component}-release`));

    before(async () => {
        const result = await runOffline({
            project: "platform",
            stack: "mgmt",
            program: path.join(__dirname, "program.ts"),
            config: {},
            secretKeys: [],
            simulatedIps: {},
            stackReferences: {},
        });
        assert.ok(result.ok, result.ok ? "" : result.error);
        run = result;
    });

    it("installs VPA and Goldilocks everywhere and KEDA only where asked, each release `<add-on>-release` in its own restricted namespace", () => {
        assert.deepEqual(run.outputs.mgmtNamespaces.value, ["vpa", "goldilocks"]);
        assert.deepEqual(run.outputs.appNamespaces.value, ["vpa", "goldilocks", "keda"]);
        const charts = (component: string) =>
            run.resources
                .filter((r) => r.type === RELEASE && r.name.startsWith(`${component}-`))
                .map((r) => `${r.name} ${r.inputs.chart}@${r.inputs.version} ${r.inputs.namespace}`)
                .sort();
        assert.deepEqual(charts("mgmt-scaling"), ["mgmt-scaling-goldilocks-release goldilocks@11.0.0 goldilocks", "mgmt-scaling-vpa-release vpa@5.0.0 vpa"]);
        assert.deepEqual(charts("app-scaling")[1], "app-scaling-keda-release keda@2.20.2 keda");
        for (const addOn of ["mgmt-scaling-vpa", "mgmt-scaling-goldilocks", "app-scaling-keda"]) {
            assert.deepEqual(
                childrenOf(addOn)
                    .map((r) => r.name)
                    .sort(),
                [`${addOn}-namespace`, `${addOn}-release`],
            );
            const labels = revealed(named(`${addOn}-namespace`)).metadata.labels;
            assert.equal(labels[`${PSA_LABEL_PREFIX}enforce`], "restricted", addOn);
        }
        assert.equal(revealed(named("k8sgpt-namespace")).metadata.labels[`${PSA_LABEL_PREFIX}enforce`], "baseline");
    });

    it("runs VPA in recommendation mode, Goldilocks on VPA's CRDs with a ClusterIP dashboard", () => {
        const vpa = releaseOf("mgmt-scaling-vpa").values;
        assert.equal(vpa.recommender.enabled, true);
        assert.deepEqual([vpa.updater.enabled, vpa.admissionController.enabled], [false, false]);
        const goldilocks = releaseOf("mgmt-scaling-goldilocks").values;
        assert.equal(goldilocks.vpa.enabled, false, "VPA has its own release");
        assert.equal(goldilocks.dashboard.service.type, "ClusterIP");
        assert.ok(named("mgmt-scaling-goldilocks-release").dependencies.includes(named("mgmt-scaling-vpa-release").urn));
        assert.ok(named("mgmt-scaling-vpa-release").dependencies.includes(named("cni-stand-in").urn), "after");
    });

    it("opts each given namespace into Goldilocks once, with only the label, after the namespace exists", () => {
        const patches = run.resources.filter((r) => r.type === "kubernetes:core/v1:NamespacePatch");
        assert.deepEqual(patches.map((p) => p.name).sort(), ["app-scaling-opt-in-team-a", "mgmt-scaling-opt-in-goldilocks", "mgmt-scaling-opt-in-vault"]);
        assert.deepEqual(revealed(named("app-scaling-opt-in-team-a")).metadata, goldilocksOptIn("team-a").metadata);
        assert.deepEqual(goldilocksOptIn("team-a").metadata.labels, { [GOLDILOCKS_ENABLED_LABEL]: "true" });
        const deps = named("app-scaling-opt-in-team-a").dependencies;
        assert.ok(deps.includes(named("team-namespace").urn));
        assert.ok(deps.includes(named("app-scaling-goldilocks-release").urn), "its own namespaces too");
    });

    it("sets only value paths the charts' upstream values.yaml has", () => {
        const checks: [string, Record<string, unknown>][] = [
            [CHARTS.vpa.chart, vpaValues()],
            [CHARTS.goldilocks.chart, goldilocksValues()],
            [CHARTS.keda.chart, kedaValues()],
            [CHARTS.k8sgptOperator.chart, k8sgptOperatorValues()],
        ];
        for (const [chart, values] of checks) {
            assert.deepEqual(unknownPaths(values, UPSTREAM_KEYS[chart]), [], chart);
        }
        // The check has teeth: a misspelt key is caught.
        assert.deepEqual(unknownPaths({ dashboard: { replicas: 1 } }, UPSTREAM_KEYS.goldilocks), ["dashboard.replicas"]);
    });

    it("sets CPU and memory requests and limits on every container of every release", () => {
        const releases = run.resources.filter((r) => r.type === RELEASE);
        assert.equal(releases.length, 7);
        for (const r of releases) {
            const paths = RESOURCE_PATHS[r.inputs.chart as string];
            assert.ok(paths, `${r.name}: no resource paths for ${r.inputs.chart}`);
            for (const p of paths) {
                for (const kind of ["requests", "limits"]) {
                    const res = get(revealed(r).values, p)?.[kind];
                    assert.ok(res?.cpu && res?.memory, `${r.name}: ${p}.${kind}`);
                }
            }
        }
        const engine = revealed(named("k8sgpt-analyzer")).spec.resources;
        assert.ok(engine.requests.cpu && engine.requests.memory && engine.limits.cpu && engine.limits.memory);
    });

    it("passes every policy of the pack", () => {
        const mine = run.resources
            .filter((r) => !["cni-stand-in", "team-namespace", "store", "cluster"].includes(r.name))
            .map((r) => ({ ...r, inputs: revealed(r) }));
        assert.deepEqual(
            evaluatePolicies(mine).map((v) => `${v.policy} ${v.name}: ${v.message}`),
            [],
        );
    });

    it("creates the K8sGPT resource with the seed's analyzers, a pinned engine and AI on with the key from Vault", () => {
        const cr = revealed(named("k8sgpt-analyzer"));
        assert.deepEqual(cr, k8sgptResource("mgmt", DEFAULT_BACKEND, true));
        assert.deepEqual(cr.spec.filters, [...K8SGPT_ANALYZERS]);
        assert.equal(`${cr.spec.repository}:${cr.spec.version}`, IMAGES.k8sgpt);
        assert.match(cr.spec.version, /^v\d+\.\d+\.\d+$/);
        assert.deepEqual(cr.spec.ai, { enabled: true, backend: "openai", model: "gpt-4.1-mini", anonymized: true, secret: API_KEY_SECRET });
        assert.match(cr.metadata.annotations[AI_STATUS_ANNOTATION], /^on: openai gpt-4\.1-mini, API key from Vault secret\/platform\/mgmt\/k8sgpt/);
        assert.match(run.outputs.aiWithKey.value as string, /^on:/);
        const deps = named("k8sgpt-analyzer").dependencies;
        assert.ok(deps.includes(named("k8sgpt-release").urn) && deps.includes(named("k8sgpt-api-key").urn));
    });

    it("fetches the key through an ExternalSecret only once it is stored, and otherwise says AI is off", () => {
        const secret = revealed(named("k8sgpt-api-key"));
        assert.deepEqual(secret, externalSecretSpec(apiKeyExternalSecret("mgmt")));
        assert.deepEqual(secret.spec.data, [{ secretKey: API_KEY_SECRET.key, remoteRef: { key: "platform/mgmt/k8sgpt", property: "apiKey" } }]);
        assert.deepEqual(check("external-secret-lifecycle", secret), []);
        const mutated = externalSecretSpec(apiKeyExternalSecret("mgmt"));
        mutated.spec.target.deletionPolicy = "Delete";
        assert.equal(check("external-secret-lifecycle", mutated).length, 1, "the pack's rule sees the object");
        assert.ok(named("k8sgpt-api-key").dependencies.includes(named("store").urn));

        assert.deepEqual(
            childrenOf("k8sgpt-nokey")
                .map((r) => r.name)
                .sort(),
            ["k8sgpt-nokey-analyzer", "k8sgpt-nokey-namespace", "k8sgpt-nokey-release"],
        );
        const off = revealed(named("k8sgpt-nokey-analyzer"));
        assert.deepEqual(off.spec.ai, { enabled: false, backend: "localai", model: "llama3", baseUrl: "http://localai.k8sgpt.svc:8080/v1", anonymized: true });
        assert.match(off.metadata.annotations[AI_STATUS_ANNOTATION], /^off: no API key stored.*vault kv put secret\/platform\/mgmt\/k8sgpt apiKey=<key>/);
        assert.equal(run.outputs.aiWithoutKey.value, off.metadata.annotations[AI_STATUS_ANNOTATION]);
        // No input anywhere carries a key: the CR names the Secret, the ExternalSecret the Vault path.
        assert.ok(!JSON.stringify(run.resources.map((r) => r.inputs)).match(/sk-[A-Za-z0-9]|"apiKey":/));
    });

    it("validates the K8sGPT resources and the ExternalSecret against the upstream CRDs, using no field the chart's CRD lacks", function () {
        requireSchemas(this);
        for (const name of ["k8sgpt-analyzer", "k8sgpt-nokey-analyzer", "k8sgpt-api-key"]) {
            const object = revealed(named(name));
            const validate = strictCrdValidator(object.apiVersion, object.kind);
            assert.ok(validate, `${object.apiVersion} ${object.kind}: no CRD`);
            assert.ok(validate(object), `${name}: ${errorsOf(validate)}`);
        }
        const spec = revealed(named("k8sgpt-analyzer")).spec;
        assert.deepEqual(
            Object.keys(spec).filter((k) => NOT_IN_CHART_CRD.includes(k)),
            [],
        );
        // A misspelt field fails the strict validator.
        const bad = k8sgptResource("mgmt", DEFAULT_BACKEND, true);
        bad.spec.analyzers = bad.spec.filters;
        assert.equal(strictCrdValidator(bad.apiVersion, bad.kind)!(bad), false);
    });
});
