// Every Helm release of the shipped plans: values visible (only key material secret), valid for
// the pinned chart (its values.schema.json, or its values.yaml keys where it ships no schema), and
// explicit requests and limits for every container the chart runs.
import { strict as assert } from "assert";
import { coalesce, unknownKeys } from "../support/chart-values";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CHARTS } from "../../config/versions";
import { unwrapSecrets } from "../../tools/offline/record";
import { PlannedStack, planShipped, resourcesOfType } from "../support/offline";
import { chartSchemaValidator, errorsOf, requireSchemas, SCHEMAS } from "./helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Dotted paths of every leaf equal to `needle`. */
function pathsOf(value: unknown, needle: unknown, at = ""): string[] {
    if (value === needle) {
        return [at];
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => pathsOf(v, needle, at ? `${at}.${k}` : k));
    }
    return [];
}

function get(value: any, dotted: string): any {
    return dotted.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

/**
 * Where each chart takes the requests and limits of each container it runs with the platform's
 * values (read from the chart's values.yaml; the capacity report sums these).
 */
const RESOURCE_PATHS: Record<string, string[]> = {
    [CHARTS.cilium.chart]: [
        "resources",
        "initResources",
        "cgroup.autoMount.resources",
        "cni.resources",
        "envoy.resources",
        "operator.resources",
        "certgen.resources",
        "hubble.relay.resources",
        "hubble.ui.backend.resources",
        "hubble.ui.frontend.resources",
        "clustermesh.apiserver.resources",
        "clustermesh.apiserver.etcd.resources",
        "clustermesh.apiserver.etcd.init.resources",
        "clustermesh.apiserver.kvstoremesh.resources",
    ],
    [CHARTS.metallb.chart]: ["controller.resources", "speaker.resources"],
    [CHARTS.metricsServer.chart]: ["resources"],
    [CHARTS.falco.chart]: [
        "resources",
        "driver.loader.initContainer.resources",
        "falcoctl.artifact.install.resources",
        "falcoctl.artifact.follow.resources",
        "falcosidekick.resources",
    ],
    [CHARTS.trivyOperator.chart]: ["resources", "trivy.resources", "trivy.server.resources"],
    [CHARTS.kyverno.chart]: [
        "admissionController.initContainer.resources",
        "admissionController.container.resources",
        "backgroundController.resources",
        "cleanupController.resources",
        "reportsController.resources",
        "webhooksCleanup.resources",
        "crds.migration.podResources",
    ],
    [CHARTS.vault.chart]: ["server.resources"],
    [CHARTS.certManager.chart]: ["resources", "webhook.resources", "cainjector.resources", "startupapicheck.resources"],
    [CHARTS.externalSecrets.chart]: ["resources", "webhook.resources", "certController.resources"],
    [CHARTS.kubePrometheusStack.chart]: [
        "prometheus.prometheusSpec.resources",
        "alertmanager.alertmanagerSpec.resources",
        "prometheusOperator.resources",
        "prometheusOperator.prometheusConfigReloader.resources",
        "prometheusOperator.admissionWebhooks.patch.resources",
        "kube-state-metrics.resources",
        "prometheus-node-exporter.resources",
    ],
    [CHARTS.thanos.chart]: ["query.resources", "storeGateway.resources", "compact.resources", "receive.ingestor.resources", "receive.router.resources"],
    [CHARTS.loki.chart]: ["singleBinary.resources"],
    [CHARTS.tempo.chart]: ["tempo.resources"],
    [CHARTS.alloy.chart]: ["alloy.resources", "configReloader.resources"],
    [CHARTS.otelCollector.chart]: ["resources"],
    [CHARTS.grafana.chart]: ["resources"],
    [CHARTS.velero.chart]: ["resources", "nodeAgent.resources", "upgradeJobResources", "kubectl.resources"],
    [CHARTS.vpa.chart]: ["recommender.resources"],
    [CHARTS.goldilocks.chart]: ["controller.resources", "dashboard.resources"],
    [CHARTS.keda.chart]: ["resources.operator", "resources.metricServer", "resources.webhooks"],
    [CHARTS.k8sgptOperator.chart]: ["controllerManager.manager.resources", "controllerManager.kubeRbacProxy.resources"],
};

/**
 * Keys below which the charts take maps of the user's own keys: Falco's customRules (file names),
 * subcharts' values (falcosidekick, kube-state-metrics, node-exporter: their own values.yaml),
 * passthrough config blocks (Loki's storage and limits, Tempo's storage, grafana.ini sections), and
 * keys the charts document only as comments (Loki's bucketNames, Tempo's persistence, Velero's
 * repository maintenance podResources).
 */
/** Subcharts whose values the parent charts pass through. */
const SUBCHARTS = ["falcosidekick", "kube-state-metrics", "prometheus-node-exporter"];

const OPEN_KEYS = [
    "customRules",
    ...SUBCHARTS,
    "loki.storage",
    "loki.limits_config",
    "tempo.storage.trace",
    "persistence",
    "grafana.ini",
    "configuration.repositoryMaintenanceJob.repositoryConfigData.global",
];

/** The chart's default values.yaml in ../shared/schemas, when there is a copy. */
function chartDefaults(chart: string, version: string): any {
    const file = chart === CHARTS.cilium.chart ? `cilium-${version}.values.yaml` : `charts/${chart}-${version}/values.yaml`;
    const full = path.join(SCHEMAS, file);
    return fs.existsSync(full) ? parse(fs.readFileSync(full, "utf8")) : undefined;
}

describe("Helm releases of the shipped plans", function () {
    this.timeout(180_000);
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });
    const releases = (s: PlannedStack) => resourcesOfType(s.resources, RELEASE);

    it("show every release's values in the plan JSON, with [secret] only at the Cilium CA key", () => {
        for (const planned of stacks) {
            for (const r of resourcesOfType(planned.recorded, RELEASE)) {
                const values = (unwrapSecrets(r.inputs, "redact") as any).values;
                assert.equal(typeof values, "object", `${planned.stack}/${r.name}: values are not an object (the whole values are secret?)`);
                assert.ok(Object.keys(values).length > 0, `${planned.stack}/${r.name}: no values`);
                const expected = r.inputs.chart === CHARTS.cilium.chart ? ["tls.ca.key"] : [];
                assert.deepEqual(pathsOf(values, "[secret]"), expected, `${planned.stack}/${r.name}`);
            }
        }
    });

    it("installs the pinned charts: Kyverno and KEDA on app clusters only, Vault, the central observability and k8sgpt on mgmt only", () => {
        for (const planned of stacks) {
            const charts = releases(planned)
                .map((r) => r.inputs.chart)
                .sort();
            const everywhere = [
                CHARTS.cilium,
                CHARTS.metallb,
                CHARTS.metricsServer,
                CHARTS.falco,
                CHARTS.trivyOperator,
                CHARTS.certManager,
                CHARTS.externalSecrets,
            ];
            const agents = [CHARTS.kubePrometheusStack, CHARTS.alloy, CHARTS.otelCollector, CHARTS.velero, CHARTS.vpa, CHARTS.goldilocks];
            const mgmtOnly = [CHARTS.vault, CHARTS.thanos, CHARTS.loki, CHARTS.tempo, CHARTS.grafana, CHARTS.k8sgptOperator];
            const expected = [...everywhere, ...agents, ...(planned.config.role === "app" ? [CHARTS.kyverno, CHARTS.keda] : mgmtOnly)];
            assert.deepEqual(charts, expected.map((c) => c.chart).sort(), planned.stack);
        }
    });

    it("names the release's child `<component>[-<role>]-release` and, where it creates one, its namespace `<component>-namespace`", () => {
        for (const planned of stacks) {
            for (const r of releases(planned)) {
                const component = planned.resources.find((c) => c.urn === r.parent)!;
                // A component with several releases (Observability) names each by its role.
                assert.match(r.name, new RegExp(`^${component.name}(-[a-z0-9-]+)?-release$`), `${planned.stack}/${r.name}`);
                const ns = planned.resources.find((c) => c.type === "kubernetes:core/v1:Namespace" && (c.inputs.metadata as any).name === r.inputs.namespace);
                if (ns) {
                    assert.equal(ns.parent, component.urn, `${planned.stack}/${r.name}: its namespace belongs to another component`);
                    assert.match(ns.name, new RegExp(`^${component.name}(-[a-z0-9-]+)?-namespace$`));
                } else {
                    assert.equal(r.inputs.namespace, "kube-system", `${planned.stack}/${r.name}: installs into a namespace nobody creates`);
                }
            }
        }
    });

    it("validate, merged over the chart's defaults as Helm does, against the pinned chart's values.schema.json (Cilium, MetalLB, Loki)", function () {
        requireSchemas(this);
        const schemas: Record<string, string> = {
            [CHARTS.cilium.chart]: `cilium-${CHARTS.cilium.version}.values.schema.json`,
            [CHARTS.metallb.chart]: `charts/metallb-${CHARTS.metallb.version}/values.schema.json`,
            [CHARTS.loki.chart]: `charts/loki-${CHARTS.loki.version}/values.schema.json`,
        };
        for (const planned of stacks) {
            for (const r of releases(planned).filter((x) => (x.inputs.chart as string) in schemas)) {
                const validate = chartSchemaValidator(schemas[r.inputs.chart as string]);
                const merged = coalesce(chartDefaults(r.inputs.chart as string, r.inputs.version as string), r.inputs.values);
                assert.ok(validate(merged), `${planned.stack}/${r.name}: ${errorsOf(validate)}`);
            }
        }
    });

    it("set only keys the pinned chart's values.yaml has, for every chart with a copy in ../shared", function () {
        requireSchemas(this);
        let checked = 0;
        for (const planned of stacks) {
            for (const r of releases(planned)) {
                const defaults = chartDefaults(r.inputs.chart as string, r.inputs.version as string);
                if (defaults) {
                    assert.deepEqual(unknownKeys(r.inputs.values, defaults, OPEN_KEYS), [], `${planned.stack}/${r.name}`);
                    checked++;
                }
            }
        }
        assert.ok(checked >= 5 * stacks.length - 1, `checked ${checked} releases`);
    });

    it("the key check catches a misspelt key (so passing means something)", function () {
        requireSchemas(this);
        const defaults = chartDefaults(CHARTS.trivyOperator.chart, CHARTS.trivyOperator.version);
        assert.deepEqual(unknownKeys({ operator: { scanJobsConcurentLimit: 2 } }, defaults), ["operator.scanJobsConcurentLimit"]);
        assert.deepEqual(unknownKeys({ operator: { scanJobsConcurrentLimit: 2 } }, defaults), []);
    });

    it("set explicit CPU and memory requests and limits for every container each chart runs", () => {
        for (const planned of stacks) {
            for (const r of releases(planned)) {
                const paths = RESOURCE_PATHS[r.inputs.chart as string];
                assert.ok(paths, `${planned.stack}/${r.name}: no resource paths listed for chart ${r.inputs.chart}`);
                // A component the values turn off (Alertmanager on agents) runs no container.
                for (const p of paths.filter((x) => get(r.inputs.values, `${x.split(".")[0]}.enabled`) !== false)) {
                    const res = get(r.inputs.values, p);
                    for (const kind of ["requests", "limits"]) {
                        assert.ok(res?.[kind]?.cpu && res?.[kind]?.memory, `${planned.stack}/${r.name}: ${p}.${kind} needs cpu and memory`);
                    }
                }
            }
        }
    });

    it("every resource path listed exists in the chart's own values.yaml (where ../shared has a copy)", function () {
        requireSchemas(this);
        for (const [chart, paths] of Object.entries(RESOURCE_PATHS)) {
            const pin = Object.values(CHARTS).find((c) => c.chart === chart)!;
            const defaults = chartDefaults(chart, pin.version);
            // Subcharts' keys are in their own values.yaml, not the parent's.
            for (const p of defaults ? paths.filter((x) => !SUBCHARTS.includes(x.split(".")[0])) : []) {
                const parent = p.split(".").slice(0, -1).join(".");
                assert.ok(p.split(".").pop()! in (parent ? (get(defaults, parent) ?? {}) : defaults), `${chart}: ${p} is not in its values.yaml`);
            }
        }
    });

    it("MetalLB runs L2 only (no frr-k8s), Trivy two scan jobs against its built-in server", () => {
        for (const planned of stacks) {
            const values = (chart: string) => releases(planned).find((r) => r.inputs.chart === chart)!.inputs.values as any;
            assert.deepEqual(values(CHARTS.metallb.chart).frrk8s, { enabled: false });
            assert.equal(values(CHARTS.trivyOperator.chart).operator.scanJobsConcurrentLimit, 2);
            assert.equal(values(CHARTS.trivyOperator.chart).operator.builtInTrivyServer, true);
        }
    });
});
