/** Capacity: quantities, the per-chart table against the upstream charts, warn and fail cases, the shipped configs. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackConfig } from "../../config/model";
import { validateStackConfig } from "../../config/validate";
import { CHARTS } from "../../config/versions";
import { RecordedResource } from "../../tools/offline/record";
import { readStackFile } from "../../tools/plan/stack-file";
import {
    capacityFindings,
    CHART_WORKLOADS,
    chartRequests,
    EVICTION_RESERVE_MIB,
    hostFindings,
    parseQuantity,
    REFERENCE_HOST,
    stackCapacity,
} from "../../tools/plan/capacity";
import { planShipped, REPO_ROOT, SHARED } from "../support/offline";

function config(stack: string, change: (c: StackConfig) => StackConfig = (c) => c): StackConfig {
    const result = validateStackConfig(readStackFile(REPO_ROOT, stack).raw);
    assert.ok(result.ok);
    return change(result.config);
}

const withWorkers = (count: number, cpus: number, memoryMiB: number) => (c: StackConfig) => ({ ...c, workers: { ...c.workers, count, cpus, memoryMiB } });

function release(chart: string, values: unknown): RecordedResource {
    return {
        urn: `urn:pulumi:s::platform::kubernetes:helm.sh/v3:Release::${chart}`,
        type: "kubernetes:helm.sh/v3:Release",
        name: `x-${chart}`,
        dependencies: [],
        propertyDependencies: {},
        inputs: { chart, values },
        custom: true,
    };
}

function deployment(name: string, replicas: number, requests: Record<string, string>): RecordedResource {
    return {
        urn: `urn:pulumi:s::platform::kubernetes:apps/v1:Deployment::${name}`,
        type: "kubernetes:apps/v1:Deployment",
        name,
        dependencies: [],
        propertyDependencies: {},
        inputs: { metadata: { name }, spec: { replicas, template: { spec: { containers: [{ name: "main", resources: { requests } }] } } } },
        custom: true,
    };
}

describe("capacity: Kubernetes quantities", () => {
    const cases: Array<[string | number, number]> = [
        ["100m", 0.1],
        ["1", 1],
        ["1.5", 1.5],
        [2, 2],
        ["512Mi", 512 * 2 ** 20],
        ["1Gi", 2 ** 30],
        ["100M", 1e8],
        ["1G", 1e9],
        ["1e3", 1000],
        ["128974848", 128974848],
    ];
    for (const [q, value] of cases) {
        it(`${JSON.stringify(q)} = ${value}`, () => assert.strictEqual(parseQuantity(q), value));
    }
    it("rejects what is not a quantity, naming it", () => {
        assert.throws(() => parseQuantity("1 GB"), /"1 GB" is not a Kubernetes quantity/);
    });
});

describe("capacity: chart values", () => {
    it("values requests override the chart's, per key (Helm merges); a missing request takes the limit", () => {
        const [falco] = chartRequests(
            release("falco", {
                resources: { requests: { cpu: "250m" } },
                falcoctl: { artifact: { follow: { resources: { limits: { cpu: "50m", memory: "64Mi" } } } } },
            }),
            2,
        );
        // falco: 250m from the values, 512Mi from the chart; the falcoctl sidecar: its limits. Two workers.
        assert.deepStrictEqual(
            { pods: falco.pods, cpu: falco.cpuMilli, memory: falco.memoryMiB, unset: falco.unset },
            { pods: 2, cpu: 2 * (250 + 50), memory: 2 * (512 + 64), unset: [] },
        );
    });

    it("replicas and switches come from the values, else the chart's defaults", () => {
        const cilium = chartRequests(
            release("cilium", { operator: { replicas: 1, resources: { requests: { cpu: "100m", memory: "128Mi" } } }, hubble: { relay: { enabled: true } } }),
            3,
        );
        assert.deepStrictEqual(
            cilium.map((w) => w.name),
            ["cilium/agent", "cilium/envoy", "cilium/operator", "cilium/hubble-relay"],
        );
        const operator = cilium.find((w) => w.name === "cilium/operator");
        assert.deepStrictEqual([operator?.pods, operator?.cpuMilli, operator?.memoryMiB], [1, 100, 128]);
        assert.strictEqual(cilium.find((w) => w.name === "cilium/agent")?.pods, 3);
        assert.deepStrictEqual(cilium.find((w) => w.name === "cilium/agent")?.unset, ["resources (no cpu or memory request)"]);
    });

    it("a chart without a table entry is reported, not silently counted as nothing", () => {
        const [unknown] = chartRequests(release("unheard-of", {}), 1);
        assert.match(unknown.unset.join(), /chart unheard-of has no entry in CHART_WORKLOADS/);
    });
});

describe("capacity: warn and fail", () => {
    it("warns above 80% of the workers' allocatable CPU, with the stack, the resource and the numbers", () => {
        const cfg = config("app1", withWorkers(1, 1, 4096));
        const capacity = stackCapacity(cfg, [deployment("busy", 1, { cpu: "850m", memory: "100Mi" })]);
        assert.deepStrictEqual([capacity.cpuRequestsMilli, capacity.allocatableCpuMilli], [850, 1000]);
        const findings = capacityFindings("app1", cfg, capacity);
        assert.deepStrictEqual(
            findings.map((f) => f.level),
            ["warn"],
        );
        assert.match(findings[0].message, /^stack app1: platform CPU requests 850m are 85% of 1000m \(above 80%\)/);
    });

    it("fails when the platform's memory does not fit, with the stack, the resource and the numbers", () => {
        const cfg = config("app2", withWorkers(2, 2, 2048));
        const capacity = stackCapacity(cfg, [deployment("big", 3, { cpu: "100m", memory: "1.5Gi" })]);
        const allocatable = 2 * (2048 - EVICTION_RESERVE_MIB);
        assert.deepStrictEqual([capacity.memoryRequestsMiB, capacity.allocatableMemoryMiB], [3 * 1536, allocatable]);
        const fail = capacityFindings("app2", cfg, capacity).filter((f) => f.level === "fail");
        assert.strictEqual(fail.length, 1);
        assert.match(
            fail[0].message,
            new RegExp(`^stack app2: platform memory requests 4608 MiB do not fit in ${allocatable} MiB \\(118%\\); give platform:nodes.workers`),
        );
    });

    it("warns when workloads request nothing, naming them", () => {
        const cfg = config("app1");
        const findings = capacityFindings("app1", cfg, stackCapacity(cfg, [release("metallb", {})]));
        assert.match(
            findings.map((f) => f.message).join("\n"),
            /stack app1: 3 platform workload\(s\) request no CPU or memory.*metallb\/controller, metallb\/speaker, metallb\/frr-k8s/,
        );
    });

    it("VMs against the reference host: warn above 80% of its 56 GiB, fail beyond", () => {
        const host = REFERENCE_HOST.memoryMiB - REFERENCE_HOST.reservedMemoryMiB;
        const sized = (memoryMiB: number) => ["mgmt", "app1", "app2"].map((stack) => ({ stack, config: config(stack, withWorkers(1, 2, memoryMiB)) }));
        const cpMemory = ["mgmt", "app1", "app2"].reduce((sum, s) => sum + config(s).controlPlane.memoryMiB, 0);
        const at = (ratio: number) => Math.floor((ratio * host - cpMemory) / 3);
        assert.deepStrictEqual(hostFindings(sized(at(0.7))), []);
        assert.deepStrictEqual(
            hostFindings(sized(at(0.9))).map((f) => f.level),
            ["warn"],
        );
        const fail = hostFindings(sized(at(1.1)));
        assert.deepStrictEqual(
            fail.map((f) => f.level),
            ["fail"],
        );
        assert.match(fail[0].message, /^host \(VMs of mgmt, app1, app2\): VM memory \d+ MiB do not fit in 57344 MiB/);
    });
});

describe("capacity: the chart table matches the pinned charts", () => {
    const pins: Record<string, string> = {
        cilium: CHARTS.cilium.version,
        metallb: CHARTS.metallb.version,
        kyverno: CHARTS.kyverno.version,
        falco: CHARTS.falco.version,
    };
    pins["trivy-operator"] = CHARTS.trivyOperator.version;
    pins.vault = CHARTS.vault.version;
    pins["cert-manager"] = CHARTS.certManager.version;
    pins["external-secrets"] = CHARTS.externalSecrets.version;
    for (const pin of [CHARTS.kubePrometheusStack, CHARTS.thanos, CHARTS.loki, CHARTS.tempo, CHARTS.alloy, CHARTS.grafana, CHARTS.velero]) {
        pins[pin.chart] = pin.version;
    }
    const upstreamFile = (chart: string) =>
        chart === "cilium"
            ? path.join(SHARED, `schemas/cilium-${pins.cilium}.values.yaml`)
            : path.join(SHARED, `schemas/charts/${chart}-${pins[chart]}/values.yaml`);

    for (const chart of Object.keys(CHART_WORKLOADS)) {
        it(`${chart}: every path and default is in the chart's values.yaml`, function () {
            if (!pins[chart]) {
                this.skip(); // metrics-server: no upstream copy in ../shared (its defaults cite the chart's values.yaml)
            }
            const file = upstreamFile(chart);
            if (!fs.existsSync(file)) {
                this.skip(); // ../shared absent, or the pin moved and its values.yaml is not there yet
            }
            const values = parse(fs.readFileSync(file, "utf8"));
            const at = (p: string) => p.split(".").reduce<any>((o, k) => (o === undefined || o === null ? undefined : o[k]), values);
            const has = (p: string) => {
                const parent = p.split(".").slice(0, -1).join(".");
                const holder = parent ? at(parent) : values;
                return typeof holder === "object" && holder !== null && p.split(".").pop()! in holder;
            };
            for (const w of CHART_WORKLOADS[chart]) {
                // Subcharts' values are not in the parent chart's file.
                const own = (p: string) => !/^(frr-k8s|falcosidekick|kube-state-metrics|prometheus-node-exporter)\./.test(p);
                for (const flag of [w.enabled, w.replicas, ...w.containers.map((c) => c.enabled)]) {
                    if (flag && own(flag.path)) {
                        assert.ok(has(flag.path), `${chart}: ${flag.path} is not in ${file}`);
                        // vault-helm's "-" means "follow global.enabled".
                        const upstream = at(flag.path) === "-" ? at("global.enabled") : at(flag.path);
                        if (upstream !== null) {
                            assert.deepStrictEqual(upstream, flag.default, `${chart}: default of ${flag.path}`);
                        }
                    }
                }
                for (const c of w.containers.filter((c) => own(c.path))) {
                    assert.ok(has(c.path), `${chart}: ${c.path} is not in ${file}`);
                    assert.deepStrictEqual(at(`${c.path}.requests`), c.defaultRequests, `${chart}: default requests at ${c.path}`);
                }
            }
        });
    }
});

describe("capacity: the shipped stacks", () => {
    it("fit: no stack's platform requests exceed its workers, and the VMs fit the reference host", async () => {
        const stacks = await planShipped();
        for (const s of stacks) {
            const fails = capacityFindings(s.stack, s.config, stackCapacity(s.config, s.resources)).filter((f) => f.level === "fail");
            assert.deepStrictEqual(fails, [], s.stack);
        }
        assert.deepStrictEqual(
            hostFindings(stacks).filter((f) => f.level === "fail"),
            [],
        );
    });
});
