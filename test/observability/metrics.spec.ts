// Metrics (issue 10): the shared ingest names, kube-prometheus-stack and Thanos values for both
// modes (checked key by key against the pinned charts' values.yaml), the scrape and trust CRs
// against their CRDs, and one mock run of both modes for wiring, ordering and secrets.
import { CILIUM_METRICS } from "../../components/cilium-mesh";
import { strict as assert } from "assert";
import {
    ALERTMANAGER_URL,
    ALLOW_SHARED_IP_ANNOTATION,
    INGEST_PORTS,
    INGEST_TLS_SECRET,
    ingestCertificateArgs,
    ingestServiceAnnotations,
    ingestUrls,
    LOGGING_NAMESPACE,
    MONITORING_NAMESPACE,
    ROOT_CA_CONFIGMAP,
    s3Host,
    THANOS_QUERY_URL,
} from "../../components/observability/endpoints";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { certificateSpec } from "../../components/lib/certificate";
import { externalSecretSpec } from "../../components/lib/external-secret";
import { METALLB_ANNOTATIONS, servicePoolName } from "../../components/metallb";
import { ciliumPodMonitors, ESSENTIAL_SERIES, keepEssentialSeries, prometheusStackValues, REMOTE_WRITE_QUEUE } from "../../components/observability/metrics";
import {
    objstoreExternalSecretArgs,
    objstoreTemplate,
    RECEIVE_ROUTER_SELECTOR,
    receiveIngestService,
    THANOS_OBJSTORE_KEY,
    THANOS_OBJSTORE_SECRET,
    thanosValues,
} from "../../components/observability/thanos";
import { CHARTS } from "../../config/versions";
import { containsSecret } from "../../tools/offline/record";
import { errorsOf, requireSchemas, SCHEMAS, strictCrdValidator } from "../networking/helpers";
import { findResource, OkRun, sharedTestProgram } from "../support/offline";
import { AGENT_REMOTE_WRITE_URL, APP, INGEST_IP, MGMT, ROOT_CA_PEM, S3 } from "./metrics-fixtures/constants";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const plain = (o: unknown): any => JSON.parse(JSON.stringify(o));

/** The chart's default values (parsed once per chart). */
const defaultsCache = new Map<string, any>();
function chartDefaults(chart: string, version: string): any {
    const key = `${chart}-${version}`;
    if (!defaultsCache.has(key)) {
        defaultsCache.set(key, parse(fs.readFileSync(path.join(SCHEMAS, "charts", key, "values.yaml"), "utf8")));
    }
    return defaultsCache.get(key);
}

/**
 * Subchart keys of kube-prometheus-stack that its own values.yaml does not list: both subcharts
 * declare a top-level `resources: {}` (prometheus-community/helm-charts charts/kube-state-metrics
 * and charts/prometheus-node-exporter values.yaml).
 */
const SUBCHART_KEYS = ["kube-state-metrics.resources", "prometheus-node-exporter.resources"];

/** Paths set in `values` that the chart's defaults lack; below an empty/null default (a free-form map or list) anything goes. */
function unknownPaths(values: any, defaults: any, at = ""): string[] {
    return Object.entries(values).flatMap(([k, v]) => {
        const here = at ? `${at}.${k}` : k;
        if (SUBCHART_KEYS.includes(here)) {
            return [];
        }
        if (typeof defaults !== "object" || defaults === null || !(k in defaults)) {
            return [here];
        }
        const d = defaults[k];
        const open = d === null || (typeof d === "object" && Object.keys(d).length === 0);
        if (open || typeof v !== "object" || v === null || Array.isArray(v)) {
            return [];
        }
        return typeof d === "object" && !Array.isArray(d) ? unknownPaths(v, d, here) : [here];
    });
}

function get(value: any, dotted: string): any {
    return dotted.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

const central = plain(
    prometheusStackValues({ mode: "central", clusterName: MGMT, remoteWriteUrl: ingestUrls(INGEST_IP).remoteWrite, storageClass: "local-path" }),
);
const agent = plain(prometheusStackValues({ mode: "agent", clusterName: APP, remoteWriteUrl: AGENT_REMOTE_WRITE_URL, storageClass: "local-path" }));
const thanos = plain(thanosValues("local-path"));

/** Where each workload of the two charts takes its requests and limits (the CHART_WORKLOADS rows of the report). */
const STACK_RESOURCE_PATHS = [
    "prometheus.prometheusSpec.resources",
    "prometheusOperator.resources",
    "prometheusOperator.prometheusConfigReloader.resources",
    "prometheusOperator.admissionWebhooks.patch.resources",
    "kube-state-metrics.resources",
    "prometheus-node-exporter.resources",
];
const THANOS_RESOURCE_PATHS = ["query.resources", "storeGateway.resources", "compact.resources", "receive.ingestor.resources", "receive.router.resources"];

describe("observability endpoints: the names O2 and O3 share", () => {
    it("builds the ingest URLs from the IP it is given, TLS on every http one", () => {
        assert.deepEqual(ingestUrls("10.1.2.3"), {
            remoteWrite: "https://10.1.2.3:19291/api/v1/receive",
            lokiPush: "https://10.1.2.3:3100/loki/api/v1/push",
            otlpGrpc: "10.1.2.3:4317",
            otlpHttp: "https://10.1.2.3:4318",
        });
        assert.deepEqual(INGEST_PORTS, { remoteWrite: 19291, lokiPush: 3100, otlpGrpc: 4317, otlpHttp: 4318 });
    });

    it("names in-cluster URLs after the releases' Services in `monitoring`", () => {
        assert.equal(THANOS_QUERY_URL, "http://thanos-query.monitoring.svc.cluster.local:10902");
        assert.equal(ALERTMANAGER_URL, "http://kube-prometheus-alertmanager.monitoring.svc.cluster.local:9093");
        assert.equal(central.fullnameOverride, "kube-prometheus");
        assert.deepEqual([MONITORING_NAMESPACE, LOGGING_NAMESPACE], ["monitoring", "logging"]);
    });

    it("annotates ingest Services with the IP, mgmt's fixed-IP pool and the one sharing key", () => {
        assert.deepEqual(ingestServiceAnnotations(MGMT, INGEST_IP), {
            [METALLB_ANNOTATIONS.ips]: INGEST_IP,
            [METALLB_ANNOTATIONS.pool]: servicePoolName(MGMT),
            [ALLOW_SHARED_IP_ANNOTATION]: "ingest",
        });
        assert.equal(ALLOW_SHARED_IP_ANNOTATION, "metallb.io/allow-shared-ip");
    });

    it("issues the ingest certificate for the ingest IP, in whichever namespace asks (monitoring by default)", function () {
        requireSchemas(this);
        for (const ns of [MONITORING_NAMESPACE, LOGGING_NAMESPACE]) {
            const cert = certificateSpec(ingestCertificateArgs(MGMT, INGEST_IP, ns));
            const validate = strictCrdValidator(cert.apiVersion, cert.kind)!;
            assert.ok(validate(cert), errorsOf(validate));
            assert.deepEqual(cert.spec.ipAddresses, [INGEST_IP]);
            assert.equal(cert.spec.secretName, INGEST_TLS_SECRET);
            assert.equal(cert.metadata.namespace, ns);
        }
        assert.equal(ingestCertificateArgs(MGMT, INGEST_IP).namespace, MONITORING_NAMESPACE);
    });
});

describe("kube-prometheus-stack values: central vs agent", () => {
    it("agent: agent mode on, Alertmanager and rules off; central: full Prometheus with Alertmanager and 2 d retention", () => {
        assert.equal(agent.prometheus.agentMode, true);
        assert.equal(agent.alertmanager.enabled, false);
        assert.equal(agent.defaultRules.create, false);
        assert.equal(agent.prometheus.prometheusSpec.retention, undefined, "a PrometheusAgent has no retention");
        assert.equal(central.prometheus.agentMode, false);
        assert.equal(central.alertmanager.enabled, true);
        assert.equal(central.prometheus.prometheusSpec.retention, "2d");
        for (const v of [central, agent]) {
            assert.equal(v.grafana.enabled, false);
        }
    });

    it("labels every series with its cluster", () => {
        assert.deepEqual(central.prometheus.prometheusSpec.externalLabels, { cluster: MGMT });
        assert.deepEqual(agent.prometheus.prometheusSpec.externalLabels, { cluster: APP });
    });

    it("remote-writes to the URL it is given, trusting the Vault root CA, with seed §5.3's queue exactly", () => {
        const [rw] = agent.prometheus.prometheusSpec.remoteWrite;
        assert.equal(agent.prometheus.prometheusSpec.remoteWrite.length, 1);
        assert.equal(rw.url, AGENT_REMOTE_WRITE_URL);
        assert.equal(central.prometheus.prometheusSpec.remoteWrite[0].url, `https://${INGEST_IP}:19291/api/v1/receive`);
        assert.deepEqual(rw.tlsConfig, { ca: { configMap: { name: ROOT_CA_CONFIGMAP, key: "ca.crt" } } });
        assert.deepEqual(rw.queueConfig, {
            capacity: 10000,
            maxShards: 50,
            maxSamplesPerSend: 2000,
            batchSendDeadline: "30s",
            minBackoff: "1s",
            maxBackoff: "5m",
        });
        assert.deepEqual(rw.queueConfig, { ...REMOTE_WRITE_QUEUE });
    });

    it("keeps only the essential series: the alerts' inputs pass, the bulk does not", () => {
        const [relabel] = agent.prometheus.prometheusSpec.remoteWrite[0].writeRelabelConfigs;
        assert.deepEqual(plain(keepEssentialSeries()), [relabel]);
        assert.equal(relabel.action, "keep");
        assert.deepEqual(relabel.sourceLabels, ["__name__"]);
        // Prometheus anchors relabel regexes.
        const kept = new RegExp(`^(?:${relabel.regex})$`);
        for (const name of [
            "up",
            "node_memory_MemAvailable_bytes",
            "node_filesystem_avail_bytes",
            "kubelet_volume_stats_used_bytes",
            "kube_resourcequota",
            "certmanager_certificate_expiration_timestamp_seconds",
            "hubble_flows_processed_total",
            "cilium_drop_count_total",
            "prometheus_remote_storage_samples_pending",
            "falcosecurity_falcosidekick_falco_events_total",
        ]) {
            assert.match(name, kept, name);
        }
        for (const name of [
            "apiserver_request_duration_seconds_bucket",
            "container_network_receive_packets_total",
            "go_gc_duration_seconds",
            "node_cpu_seconds_total_x",
        ]) {
            assert.doesNotMatch(name, kept, name);
        }
        assert.ok(
            ESSENTIAL_SERIES.every((s) => !s.includes("(?")),
            "no lookarounds: RE2 has none",
        );
    });

    it("buffers on a claim in both modes and scrapes every ServiceMonitor/PodMonitor in the cluster", () => {
        for (const v of [central, agent]) {
            const spec = v.prometheus.prometheusSpec;
            assert.equal(spec.storageSpec.volumeClaimTemplate.spec.storageClassName, "local-path");
            assert.equal(spec.serviceMonitorSelectorNilUsesHelmValues, false);
            assert.equal(spec.podMonitorSelectorNilUsesHelmValues, false);
        }
    });

    it("sets requests and limits for every workload it runs", () => {
        const paths = (v: any) => [...STACK_RESOURCE_PATHS, ...(v.alertmanager.enabled ? ["alertmanager.alertmanagerSpec.resources"] : [])];
        for (const v of [central, agent]) {
            for (const p of paths(v)) {
                const r = get(v, p);
                assert.ok(r?.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory, p);
            }
        }
    });

    it("sets only keys kube-prometheus-stack 88.5.3's values.yaml has, and the check catches a misspelling", function () {
        requireSchemas(this);
        const defaults = chartDefaults(CHARTS.kubePrometheusStack.chart, CHARTS.kubePrometheusStack.version);
        assert.deepEqual(unknownPaths(central, defaults), []);
        assert.deepEqual(unknownPaths(agent, defaults), []);
        assert.deepEqual(unknownPaths({ prometheus: { agentmode: true }, alertmanager: { enable: false } }, defaults), [
            "prometheus.agentmode",
            "alertmanager.enable",
        ]);
    });
});

describe("Thanos values and objects", () => {
    it("sets only keys thanos 1.24.1's values.yaml has", function () {
        requireSchemas(this);
        const defaults = chartDefaults(CHARTS.thanos.chart, CHARTS.thanos.version);
        assert.deepEqual(unknownPaths(thanos, defaults), []);
        assert.deepEqual(unknownPaths({ receive: { router: { extraArg: [] } } }, defaults), ["receive.router.extraArg"]);
    });

    it("runs Receive, Query, Store Gateway and Compactor (retention raw 7d / 5m 30d / 1h 90d), each with requests and limits", () => {
        for (const c of ["query", "storeGateway", "compact", "receive"]) {
            assert.equal(thanos[c].enabled, true, c);
        }
        assert.deepEqual(thanos.compact.extraArgs, ["--retention.resolution-raw=7d", "--retention.resolution-5m=30d", "--retention.resolution-1h=90d"]);
        for (const p of THANOS_RESOURCE_PATHS) {
            const r = get(thanos, p);
            assert.ok(r?.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory, p);
        }
        assert.equal(thanos.receive.ingestor.persistence.enabled, true);
    });

    it("serves remote write with the ingest certificate it mounts", () => {
        const router = thanos.receive.router;
        const mount = router.extraVolumeMounts.find((m: any) => m.name === "ingest-tls");
        assert.equal(router.extraVolumes.find((v: any) => v.name === "ingest-tls").secret.secretName, INGEST_TLS_SECRET);
        assert.deepEqual(router.extraArgs, [
            `--remote-write.server-tls-cert=${mount.mountPath}/tls.crt`,
            `--remote-write.server-tls-key=${mount.mountPath}/tls.key`,
        ]);
    });

    it("exposes only remote write on the shared ingest IP, selecting the router pods", () => {
        const svc = receiveIngestService(MGMT, INGEST_IP);
        assert.equal(svc.spec.type, "LoadBalancer");
        assert.equal(svc.spec.externalTrafficPolicy, "Cluster");
        assert.deepEqual(svc.metadata.annotations, ingestServiceAnnotations(MGMT, INGEST_IP));
        assert.deepEqual(
            svc.spec.ports.map((p: any) => p.port),
            [19291],
        );
        assert.deepEqual(svc.spec.selector, { ...RECEIVE_ROUTER_SELECTOR });
        assert.equal(svc.spec.selector["app.kubernetes.io/component"], "receive-router");
    });

    it("renders objstore.yml from Vault's keys: S3 over verified https, path-style, the CA file the pods mount", () => {
        const args = objstoreExternalSecretArgs(S3);
        const template = (args.template as any).data[THANOS_OBJSTORE_KEY] as string;
        assert.equal(template, objstoreTemplate(S3));
        const rendered = template.replace("{{ .accessKeyId }}", "AKFAKE").replace("{{ .secretAccessKey }}", "skfake");
        const cfg = parse(rendered);
        assert.equal(cfg.type, "S3");
        assert.deepEqual(
            { ...cfg.config, http_config: undefined },
            {
                bucket: "thanos",
                endpoint: "s3.object-storage.svc.cluster.local",
                region: "us-east-1",
                access_key: "AKFAKE",
                secret_key: "skfake",
                insecure: false,
                bucket_lookup_type: "path",
                http_config: undefined,
            },
        );
        // Every pod that reads the bucket mounts the CA where the config points.
        const caFile: string = cfg.config.http_config.tls_config.ca_file;
        for (const c of [thanos.storeGateway, thanos.compact, thanos.receive.ingestor]) {
            const mount = c.extraVolumeMounts.find((m: any) => m.name === "vault-root-ca");
            assert.equal(path.posix.dirname(caFile), mount.mountPath);
            assert.equal(c.extraVolumes.find((v: any) => v.name === "vault-root-ca").configMap.name, ROOT_CA_CONFIGMAP);
        }
        assert.deepEqual(thanos.objstoreConfig, { create: false, name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY });
        assert.deepEqual(
            args.data.map((d) => [d.path, d.property]),
            [
                [S3.credentialPath, "accessKeyId"],
                [S3.credentialPath, "secretAccessKey"],
            ],
        );
        assert.equal(s3Host("https://s3.example:8443"), "s3.example:8443");
        assert.throws(() => s3Host("http://s3.example"), /not https/);
    });
});

describe("scrape and trust custom resources against the upstream CRDs", function () {
    before(function () {
        requireSchemas(this);
    });

    it("PodMonitors for the Cilium agent, Hubble and the operator are valid and select the chart's pods and port names", () => {
        const monitors = ciliumPodMonitors();
        for (const m of monitors) {
            const validate = strictCrdValidator(m.apiVersion, m.kind)!;
            assert.ok(validate(m), `${m.metadata.name}: ${errorsOf(validate)}`);
            assert.deepEqual(m.spec.namespaceSelector, { matchNames: ["kube-system"] });
        }
        assert.deepEqual(
            monitors.map((m) => [m.metadata.name, m.spec.podMetricsEndpoints[0].port]),
            [
                ["cilium-agent", "prometheus"],
                ["hubble", "hubble-metrics"],
                ["cilium-operator", "prometheus"],
            ],
        );
        const broken = plain(monitors[0]);
        broken.spec.podMetricsEndpoints[0].prot = "prometheus";
        const validate = strictCrdValidator(broken.apiVersion, broken.kind)!;
        assert.equal(validate(broken), false, "a misspelt field must be refused");
    });

    it("the objstore ExternalSecret is valid", () => {
        const es = externalSecretSpec(objstoreExternalSecretArgs(S3));
        const validate = strictCrdValidator(es.apiVersion, es.kind)!;
        assert.ok(validate(es), errorsOf(validate));
    });

    it("Cilium exposes the metrics the PodMonitors scrape, on the ports they name (cilium 1.20.0 values.yaml)", () => {
        const defaults = parse(fs.readFileSync(path.join(SCHEMAS, `cilium-${CHARTS.cilium.version}.values.yaml`), "utf8"));
        const values = {
            prometheus: CILIUM_METRICS.agent,
            operator: { prometheus: CILIUM_METRICS.operator },
            hubble: { metrics: { enabled: [...CILIUM_METRICS.hubble.enabled] } },
        };
        assert.deepEqual(unknownPaths(plain(values), defaults), []);
        assert.equal(defaults.prometheus.port, 9962);
        assert.equal(defaults.operator.prometheus.port, 9963);
        assert.equal(defaults.hubble.metrics.port, 9965);
    });
});

describe("createMetrics under the offline mocks (central on mgmt, agent on app1)", function () {
    this.timeout(60_000);
    let run: OkRun;
    before(async () => {
        run = await sharedTestProgram(path.join(__dirname, "metrics-fixtures", "program.ts"));
    });
    const res = (type: string, name: string) => findResource(run.resources, type, name);

    it("installs the pinned charts: the stack on both, Thanos on mgmt only", () => {
        const releases = run.resources.filter((r) => r.type === RELEASE);
        assert.deepEqual(releases.map((r) => r.name).sort(), [
            `${APP}-metrics-stack-release`,
            `${MGMT}-metrics-stack-release`,
            `${MGMT}-metrics-thanos-release`,
        ]);
        for (const r of releases) {
            const pin = r.name.includes("thanos") ? CHARTS.thanos : CHARTS.kubePrometheusStack;
            assert.deepEqual([r.inputs.chart, r.inputs.version, (r.inputs.repositoryOpts as any).repo], [pin.chart, pin.version, pin.repo]);
            assert.equal(r.inputs.namespace, MONITORING_NAMESPACE);
        }
    });

    it("passes the remote-write URL from the arg (an Output on the agent) into the values", () => {
        const values = res(RELEASE, `${APP}-metrics-stack-release`).inputs.values as any;
        assert.equal(values.prometheus.prometheusSpec.remoteWrite[0].url, AGENT_REMOTE_WRITE_URL);
        assert.equal(values.prometheus.agentMode, true);
    });

    it("puts the root CA in a ConfigMap of `monitoring` on both clusters, before the stack", () => {
        for (const c of [MGMT, APP]) {
            const cm = res("kubernetes:core/v1:ConfigMap", `${c}-metrics-root-ca`);
            assert.deepEqual(cm.inputs.data, { "ca.crt": ROOT_CA_PEM });
            assert.ok(res(RELEASE, `${c}-metrics-stack-release`).dependencies.includes(cm.urn));
        }
    });

    it("orders mgmt: certificate after the issuer; objstore after the store; Thanos after the stack's CRDs, the certificate and the objstore; the ingest Service after Thanos", () => {
        const stack = res(RELEASE, `${MGMT}-metrics-stack-release`);
        const cert = res("kubernetes:cert-manager.io/v1:Certificate", `${MGMT}-metrics-ingest-tls`);
        const objstore = res("kubernetes:external-secrets.io/v1:ExternalSecret", `${MGMT}-metrics-thanos-objstore`);
        const thanosRelease = res(RELEASE, `${MGMT}-metrics-thanos-release`);
        const svc = res("kubernetes:core/v1:Service", `${MGMT}-metrics-thanos-receive-ingest`);
        assert.ok(cert.dependencies.includes(res("kubernetes:cert-manager.io/v1:ClusterIssuer", "issuer").urn));
        assert.ok(objstore.dependencies.includes(res("kubernetes:external-secrets.io/v1:ClusterSecretStore", "store").urn));
        for (const dep of [stack, cert, objstore]) {
            assert.ok(thanosRelease.dependencies.includes(dep.urn), dep.name);
        }
        assert.ok(svc.dependencies.includes(thanosRelease.urn));
        assert.equal((svc.inputs.metadata as any).annotations[ALLOW_SHARED_IP_ANNOTATION], "ingest");
    });

    it("creates the PodMonitors after the stack (its CRDs) on both clusters, and nothing of Thanos on the agent", () => {
        for (const c of [MGMT, APP]) {
            const stack = res(RELEASE, `${c}-metrics-stack-release`);
            for (const m of ["cilium-agent", "hubble", "cilium-operator"]) {
                assert.ok(res("kubernetes:monitoring.coreos.com/v1:PodMonitor", `${c}-metrics-${m}`).dependencies.includes(stack.urn));
            }
        }
        assert.ok(!run.resources.some((r) => r.name.startsWith(`${APP}-metrics-thanos`) || r.name === `${APP}-metrics-ingest-tls`));
    });

    it("keeps S3 keys out of Pulumi entirely: no secret in any input, the objstore carries only placeholders", () => {
        const mine = run.resources.filter((r) => r.name.startsWith(`${MGMT}-metrics`) || r.name.startsWith(`${APP}-metrics`));
        assert.ok(mine.length >= 14, `${mine.length} resources`);
        for (const r of mine) {
            assert.ok(!containsSecret(r.inputs), `${r.name} has a secret input`);
            assert.doesNotMatch(JSON.stringify(r.inputs), /(access|secret)_key: "?(?!\{\{)[A-Za-z0-9]/, r.name);
        }
        const objstore = res("kubernetes:external-secrets.io/v1:ExternalSecret", `${MGMT}-metrics-thanos-objstore`).inputs as any;
        assert.match(objstore.spec.target.template.data[THANOS_OBJSTORE_KEY], /access_key: "\{\{ \.accessKeyId \}\}"/);
    });
});
