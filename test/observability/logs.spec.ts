// Logs, traces and Falco events (issue 10, O2): the pure values and configs first (Loki against
// its values.schema.json, the others key by key against their charts' values.yaml, the Alloy and
// Collector configs asserted line by line, CRs against their CRDs), then one mock run of
// mgmt (central) and app1 (agent) for wiring, secrets and the policy pack.
import { strict as assert } from "assert";
import { unknownKeys } from "../support/chart-values";
import { ALERTMANAGER_URL, INGEST_PORTS, ingestUrls, LOGGING_NAMESPACE, MONITORING_NAMESPACE, s3Host } from "../../components/observability/endpoints";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ALERT_MIN_PRIORITY, FALCO_CA_CONFIGMAP, falcoValues, hostportAndPath } from "../../components/falco";
import { externalSecretSpec } from "../../components/lib/external-secret";
import { ALLOY_SELECTOR, ALLOY_STORAGE_PATH, alloyConfig, alloyValues, BUFFER_HOURS, lokiIngestService } from "../../components/observability/alloy";
import {
    CA_FILE,
    LOKI_PUSH_URL,
    LOKI_QUERY_URL,
    LOKI_RETENTION,
    lokiValues,
    S3_ENV,
    s3CredentialsExternalSecretArgs,
} from "../../components/observability/logs";
import {
    INGEST_RECEIVER_PORTS,
    OTEL_SELECTOR,
    otelCollectorConfig,
    otelCollectorValues,
    otlpIngestService,
    QUEUE_DIR,
} from "../../components/observability/otel";
import { TEMPO_OTLP_GRPC, TEMPO_QUERY_URL, tempoValues } from "../../components/observability/traces";
import { CHARTS, IMAGES } from "../../config/versions";
import { evaluatePolicies } from "../../policy-pack/evaluate";
import { unwrapSecrets } from "../../tools/offline/record";
import { chartSchemaValidator, errorsOf, requireSchemas, SCHEMAS, strictCrdValidator } from "../networking/helpers";
import { findResource, resourcesOfType } from "../support/offline";
import { APP, INGEST_IP, MGMT, ROOT_CA_PEM, S3_ENDPOINT } from "./logs-fixtures/constants";
import { LogsRun, runLogsProgram } from "./logs-fixtures/run";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const S3 = (bucket: string) => ({ endpoint: S3_ENDPOINT, region: "us-east-1", bucket, credentialPath: `platform/mgmt/s3-${bucket}` });
const URLS = ingestUrls(INGEST_IP);

/** Helm's merge of values over chart defaults: maps merge, null deletes, anything else replaces. */
function helmMerge(defaults: any, values: any): any {
    const isMap = (v: any) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(values)) {
        return values === undefined ? defaults : values;
    }
    const out: Record<string, any> = { ...defaults };
    for (const [k, v] of Object.entries(values)) {
        if (v === null) {
            delete out[k];
        } else {
            out[k] = helmMerge(defaults[k], v);
        }
    }
    return out;
}

function chartDefaults(chart: string, version: string): any {
    return parse(fs.readFileSync(path.join(SCHEMAS, "charts", `${chart}-${version}`, "values.yaml"), "utf8"));
}

/** The value of `key = ...` inside the first `block {` ... of an Alloy config (enough for these flat blocks). */
function attr(config: string, block: string, key: string): string | undefined {
    const start = config.indexOf(`${block} {`);
    assert.ok(start >= 0, `no block ${block}`);
    return new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`, "m").exec(config.slice(start))?.[1].trim();
}

describe("Alloy config (River)", () => {
    const agent = alloyConfig({ clusterName: APP, lokiPushUrl: URLS.lokiPush, caFile: CA_FILE });
    const central = (alloyValues({ clusterName: MGMT, mode: "central" }) as any).alloy.configMap.content as string;

    it("is balanced and names only components it defines", () => {
        for (const config of [agent, central]) {
            assert.equal((config.match(/{/g) ?? []).length, (config.match(/}/g) ?? []).length);
            for (const ref of config.match(/\b(loki\.(write|process)|discovery\.(kubernetes|relabel)|local\.file_match)\.[a-z_]+(?=\.)/g) ?? []) {
                const [kind, label] = [ref.slice(0, ref.lastIndexOf(".")), ref.slice(ref.lastIndexOf(".") + 1)];
                assert.ok(config.includes(`${kind} "${label}" {`), `${ref} is used but not defined`);
            }
        }
    });

    it("agent: ships to the ingest URL it was given, trusting the CA file, with the WAL on and retries outlasting it", () => {
        assert.equal(attr(agent, 'loki.write "default"', "url"), JSON.stringify(URLS.lokiPush));
        assert.equal(attr(agent, "tls_config", "ca_file"), JSON.stringify(CA_FILE));
        assert.equal(attr(agent, "wal", "enabled"), "true");
        assert.equal(attr(agent, "wal", "max_segment_age"), `"${BUFFER_HOURS}h"`);
        assert.equal(attr(agent, "endpoint", "max_backoff_period"), '"5m"');
        assert.ok(Number(attr(agent, "endpoint", "max_backoff_retries")) * 5 >= BUFFER_HOURS * 60, "retries at 5 min cover the WAL window");
        assert.equal(attr(agent, "queue_config", "block_on_overflow"), "true");
        assert.ok(!agent.includes("loki.source.api"), "agents relay nothing");
    });

    it("labels every pod stream with the cluster and tails /var/log/pods of its own node", () => {
        assert.match(agent, /rule \{\n\s+target_label = "cluster"\n\s+replacement {2}= "app1"\n\s+\}/);
        assert.match(agent, /field = "spec\.nodeName=" \+ sys\.env\("HOSTNAME"\)/);
        assert.match(agent, /replacement {3}= "\/var\/log\/pods\/\*\$1\/\*\.log"/);
        assert.match(agent, /loki\.source\.file "pod_logs" \{\n\s+targets {4}= local\.file_match\.pod_logs\.targets/);
    });

    it("central: writes to the in-cluster Loki and relays the apps through a TLS listener on the ingest port", () => {
        assert.equal(attr(central, 'loki.write "default"', "url"), JSON.stringify(LOKI_PUSH_URL));
        assert.ok(!central.includes("tls_config"), "the in-cluster Loki is plain http");
        assert.equal(attr(central, 'loki.source.api "ingest"', "listen_port"), String(INGEST_PORTS.lokiPush));
        assert.match(attr(central, "tls", "cert_file")!, /tls\.crt"$/);
        assert.equal(attr(central, 'loki.source.api "ingest"', "forward_to"), "[loki.write.default.receiver]");
        assert.match(central, /replacement {2}= "mgmt"/);
    });

    it("refuses an agent without a push URL", () => {
        assert.throws(() => alloyValues({ clusterName: APP, mode: "agent" }), /lokiPushUrl/);
    });
});

describe("Alloy values (chart 1.11.1)", function () {
    const values = alloyValues({ clusterName: APP, mode: "agent", lokiPushUrl: URLS.lokiPush }) as any;
    const central = alloyValues({ clusterName: MGMT, mode: "central" }) as any;

    it("persists positions and the WAL: the storage path is a hostPath mounted at itself", () => {
        assert.equal(values.alloy.storagePath, ALLOY_STORAGE_PATH);
        const volume = values.controller.volumes.extra.find((v: any) => v.name === "alloy-data");
        assert.deepEqual(volume.hostPath, { path: ALLOY_STORAGE_PATH, type: "DirectoryOrCreate" });
        assert.ok(values.alloy.mounts.extra.some((m: any) => m.name === "alloy-data" && m.mountPath === ALLOY_STORAGE_PATH));
        assert.equal(values.alloy.mounts.varlog, true);
        assert.equal(values.controller.type, "daemonset");
        // loki.write's wal and queue_config are experimental in Alloy 1.18.
        assert.equal(values.alloy.stabilityLevel, "experimental");
    });

    it("mounts the CA on agents and the ingest certificate on mgmt, which opens the ingest port", () => {
        assert.ok(values.alloy.mounts.extra.some((m: any) => m.mountPath === path.dirname(CA_FILE)));
        assert.deepEqual(values.alloy.extraPorts, []);
        assert.ok(central.controller.volumes.extra.some((v: any) => v.secret?.secretName === "ingest-tls"));
        assert.deepEqual(
            central.alloy.extraPorts.map((p: any) => p.port),
            [INGEST_PORTS.lokiPush],
        );
    });

    it("sets requests and limits for Alloy and its config reloader", () => {
        for (const r of [values.alloy.resources, values.configReloader.resources]) {
            assert.ok(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory);
        }
    });

    it("sets only keys the chart's values.yaml has", function () {
        requireSchemas(this);
        const defaults = chartDefaults(CHARTS.alloy.chart, CHARTS.alloy.version);
        for (const v of [values, central]) {
            assert.deepEqual(unknownKeys(v, defaults, ["alloy.resources", "configReloader.resources"]), []);
        }
        assert.deepEqual(unknownKeys({ alloy: { storagePaht: "/x" } }, defaults, []), ["alloy.storagePaht"], "the key check catches a misspelling");
    });

    it("the ingest Service selects the chart's pods on the ingest port, on the shared ingest IP", () => {
        const svc = lokiIngestService(MGMT, INGEST_IP) as any;
        assert.equal(svc.spec.type, "LoadBalancer");
        assert.deepEqual(svc.spec.selector, ALLOY_SELECTOR);
        assert.equal(svc.spec.ports[0].port, INGEST_PORTS.lokiPush);
        assert.equal(svc.metadata.annotations["metallb.io/allow-shared-ip"], "ingest");
        assert.equal(svc.metadata.annotations["metallb.io/loadBalancerIPs"], INGEST_IP);
    });
});

describe("Loki values (chart 18.11.0)", function () {
    const values = lokiValues({ s3: S3("loki"), storageClass: "local-path" }) as any;

    it("validate, merged over the chart's defaults, against its values.schema.json", function () {
        requireSchemas(this);
        const validate = chartSchemaValidator(`charts/loki-${CHARTS.loki.version}/values.schema.json`);
        const merged = helmMerge(chartDefaults(CHARTS.loki.chart, CHARTS.loki.version), values);
        assert.ok(validate(merged), errorsOf(validate));
        assert.equal(validate(helmMerge(merged, { singleBinary: { replicas: "one" } })), false, "the schema rejects a wrong type");
    });

    it("sets only keys the chart's values.yaml has (bucketNames is documented there commented out)", function () {
        requireSchemas(this);
        // loki.limits_config is Loki's own config block, passed through verbatim.
        const open = ["singleBinary.resources", "loki.limits_config"];
        assert.deepEqual(unknownKeys(values, chartDefaults(CHARTS.loki.chart, CHARTS.loki.version), open), ["loki.storage.bucketNames"]);
    });

    it("runs one Monolithic replica on S3 (path-style, https, the Vault CA), tsdb v13, 7 days' retention by the compactor", () => {
        assert.equal(values.deploymentMode, "Monolithic");
        assert.equal(values.singleBinary.replicas, 1);
        for (const target of ["read", "write", "backend"]) assert.equal(values[target].replicas, 0);
        const s3 = values.loki.storage.s3;
        assert.equal(s3.endpoint, "s3.object-storage.svc.cluster.local");
        assert.equal(s3.s3ForcePathStyle, true);
        assert.equal(s3.insecure, false);
        assert.equal(s3.http_config.ca_file, CA_FILE);
        assert.deepEqual(values.loki.storage.bucketNames, { chunks: "loki", ruler: "loki", admin: "loki" });
        assert.deepEqual(
            values.loki.schemaConfig.configs.map((c: any) => [c.store, c.schema]),
            [["tsdb", "v13"]],
        );
        assert.equal(values.loki.limits_config.retention_period, LOKI_RETENTION);
        assert.equal(values.loki.compactor.retention_enabled, true);
        assert.equal(values.loki.auth_enabled, false);
    });

    it("keeps the bundled MinIO, the gateway, canary, caches and test off, with requests and limits set", () => {
        for (const key of ["minio", "gateway", "lokiCanary", "chunksCache", "resultsCache", "test"]) assert.equal(values[key].enabled, false, key);
        assert.deepEqual(values.singleBinary.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1000m", memory: "1Gi" } });
    });

    it("holds no credential: the keys are env placeholders filled from the ExternalSecret", () => {
        assert.equal(values.loki.storage.s3.accessKeyId, `\${${S3_ENV.accessKeyId}}`);
        assert.ok(values.singleBinary.extraArgs.includes("-config.expand-env=true"));
        assert.deepEqual(values.singleBinary.extraEnvFrom, [{ secretRef: { name: "loki-s3" } }]);
    });

    it("refuses a plain-http S3 endpoint", () => {
        assert.throws(() => s3Host("http://s3.object-storage.svc.cluster.local"), /not https/);
    });
});

describe("Tempo values (chart 2.2.4) and the query URLs", function () {
    const values = tempoValues({ s3: S3("tempo"), storageClass: "local-path" }) as any;

    it("store blocks on S3 with the Vault CA, take OTLP only and set requests and limits", () => {
        const s3 = values.tempo.storage.trace.s3;
        assert.equal(values.tempo.storage.trace.backend, "s3");
        assert.deepEqual(
            [s3.bucket, s3.endpoint, s3.forcepathstyle, s3.insecure, s3.tls_ca_path],
            ["tempo", "s3.object-storage.svc.cluster.local", true, false, CA_FILE],
        );
        assert.equal(s3.access_key, `\${${S3_ENV.accessKeyId}}`);
        assert.equal(values.tempo.receivers.jaeger, null);
        assert.ok(values.tempo.receivers.otlp.protocols.grpc);
        assert.ok(values.tempo.resources.requests.cpu && values.tempo.resources.limits.memory);
    });

    it("set only keys the chart's values.yaml has (persistence.storageClassName is documented there commented out)", function () {
        requireSchemas(this);
        const defaults = chartDefaults(CHARTS.tempo.chart, CHARTS.tempo.version);
        const open = ["tempo.resources", "tempo.storage.trace", "tempo.extraArgs"];
        assert.deepEqual(unknownKeys(values, defaults, open), ["persistence.storageClassName"]);
    });

    it("names the in-cluster Services Grafana and the collector use", () => {
        assert.equal(LOKI_QUERY_URL, "http://loki.logging.svc.cluster.local:3100");
        assert.equal(TEMPO_QUERY_URL, "http://tempo.monitoring.svc.cluster.local:3200");
        assert.equal(TEMPO_OTLP_GRPC, "tempo.monitoring.svc.cluster.local:4317");
    });
});

describe("OpenTelemetry Collector values", () => {
    const agent = otelCollectorValues({ mode: "agent", otlpEndpoint: URLS.otlpGrpc }) as any;
    const central = otelCollectorValues({ mode: "central" }) as any;

    it("sets the chart's required mode and image repository, the pinned tag and the k8s distribution's binary", () => {
        assert.equal(agent.mode, "daemonset");
        assert.equal(`${agent.image.repository}:${agent.image.tag}`, IMAGES.otelCollector);
        assert.equal(agent.command.name, "otelcol-k8s");
    });

    it("agent: exports to the endpoint it was given over TLS, queued on disk and retried without a deadline", () => {
        const exp = agent.config.exporters["otlp_grpc/mgmt"];
        assert.equal(exp.endpoint, URLS.otlpGrpc);
        assert.deepEqual(exp.tls, { ca_file: CA_FILE });
        assert.deepEqual(exp.sending_queue, { enabled: true, num_consumers: 4, queue_size: 5000, storage: "file_storage/queue" });
        assert.equal(exp.retry_on_failure.max_elapsed_time, 0);
        assert.equal(agent.config.extensions["file_storage/queue"].directory, QUEUE_DIR);
        assert.ok(agent.config.service.extensions.includes("file_storage/queue"));
        assert.deepEqual(agent.config.service.pipelines.traces.exporters, ["otlp_grpc/mgmt"]);
        assert.ok(agent.extraVolumes.some((v: any) => v.hostPath?.path === QUEUE_DIR));
        assert.ok(agent.initContainers[0].command.join(" ").includes(`chown 10001:10001 ${QUEUE_DIR}`));
    });

    it("central: exports to Tempo and also receives the apps on a TLS receiver behind the ingest Service", () => {
        const cfg = central.config;
        assert.equal(cfg.exporters["otlp_grpc/tempo"].endpoint, TEMPO_OTLP_GRPC);
        assert.deepEqual(cfg.service.pipelines.traces.receivers, ["otlp", "otlp/ingest"]);
        assert.ok(cfg.receivers["otlp/ingest"].protocols.grpc.tls.cert_file.endsWith("tls.crt"));
        assert.equal(cfg.receivers["otlp/ingest"].protocols.grpc.endpoint, `\${env:MY_POD_IP}:${INGEST_RECEIVER_PORTS.grpc}`);
        const svc = otlpIngestService(MGMT, INGEST_IP) as any;
        assert.deepEqual(svc.spec.selector, OTEL_SELECTOR);
        assert.deepEqual(
            svc.spec.ports.map((p: any) => [p.port, p.targetPort]),
            [
                [INGEST_PORTS.otlpGrpc, INGEST_RECEIVER_PORTS.grpc],
                [INGEST_PORTS.otlpHttp, INGEST_RECEIVER_PORTS.http],
            ],
        );
        assert.equal(svc.metadata.namespace, MONITORING_NAMESPACE);
    });

    it("refuses an agent without an endpoint, and sets requests and limits on every container", () => {
        assert.throws(() => otelCollectorConfig({ mode: "agent" }), /otlpEndpoint/);
        for (const r of [agent.resources, agent.initContainers[0].resources]) assert.ok(r.requests.memory && r.limits.cpu);
    });
});

describe("Falco events (falcosidekick)", () => {
    it("is off unless asked for, so Falco's values stay as they were", () => {
        assert.equal("falcosidekick" in falcoValues(), false);
    });

    it("mgmt: every event to the in-cluster Loki, critical and worse to Alertmanager's v2 API", () => {
        const sk = (falcoValues({ clusterName: MGMT, lokiPushUrl: LOKI_PUSH_URL, alertmanagerUrl: ALERTMANAGER_URL }) as any).falcosidekick;
        assert.equal(sk.enabled, true);
        assert.deepEqual(hostportAndPath(LOKI_PUSH_URL), { hostport: "http://loki.logging.svc.cluster.local:3100", endpoint: "/loki/api/v1/push" });
        assert.equal(sk.config.loki.hostport, "http://loki.logging.svc.cluster.local:3100");
        assert.equal(sk.config.loki.minimumpriority, "");
        assert.deepEqual(
            [sk.config.alertmanager.hostport, sk.config.alertmanager.endpoint, sk.config.alertmanager.minimumpriority],
            [ALERTMANAGER_URL, "/api/v2/alerts", ALERT_MIN_PRIORITY],
        );
        assert.equal(sk.config.customfields, "cluster:mgmt");
        assert.ok(sk.resources.requests.cpu && sk.resources.limits.memory);
        assert.equal(sk.extraVolumes, undefined);
    });

    it("apps: to mgmt's ingest Loki over TLS with the Vault CA mounted, and no Alertmanager", () => {
        const sk = (falcoValues({ clusterName: APP, lokiPushUrl: URLS.lokiPush, trustVaultCa: true }) as any).falcosidekick;
        assert.equal(sk.config.loki.hostport, `https://${INGEST_IP}:${INGEST_PORTS.lokiPush}`);
        assert.equal(sk.config.alertmanager, undefined);
        assert.equal(sk.config.tlsclient.cacertfile, "/etc/platform-ca/ca.crt");
        assert.equal(sk.extraVolumes[0].configMap.name, FALCO_CA_CONFIGMAP);
    });
});

describe("ExternalSecrets of the S3 credentials against the upstream CRD", function () {
    it("validate strictly and read the consumer's Vault path", function () {
        requireSchemas(this);
        const validate = strictCrdValidator("external-secrets.io/v1", "ExternalSecret")!;
        const spec = externalSecretSpec(s3CredentialsExternalSecretArgs("loki-s3", LOGGING_NAMESPACE, "platform/mgmt/s3-loki"));
        assert.ok(validate(spec), errorsOf(validate));
        assert.deepEqual(
            spec.spec.data.map((d: any) => [d.secretKey, d.remoteRef.key, d.remoteRef.property]),
            [
                [S3_ENV.accessKeyId, "platform/mgmt/s3-loki", "accessKeyId"],
                [S3_ENV.secretAccessKey, "platform/mgmt/s3-loki", "secretAccessKey"],
            ],
        );
    });
});

describe("logs and traces under the offline mocks (mgmt central, app1 agent)", function () {
    this.timeout(60_000);
    let run: LogsRun;
    before(async () => {
        run = await runLogsProgram();
    });
    const values = (name: string) => (unwrapSecrets(findResource(run.resources, RELEASE, name).inputs, "reveal") as any).values;

    it("installs Loki, Tempo, Alloy and the Collector on mgmt, Alloy and the Collector on app1, into logging and monitoring", () => {
        const releases = resourcesOfType(run.resources, RELEASE).map((r) => [r.name, r.inputs.chart, r.inputs.namespace]);
        assert.deepEqual(releases.sort(), [
            ["app1-falco-release", CHARTS.falco.chart, "falco"],
            ["app1-obs-alloy-release", CHARTS.alloy.chart, LOGGING_NAMESPACE],
            ["app1-obs-otel-release", CHARTS.otelCollector.chart, MONITORING_NAMESPACE],
            ["mgmt-falco-release", CHARTS.falco.chart, "falco"],
            ["mgmt-obs-alloy-release", CHARTS.alloy.chart, LOGGING_NAMESPACE],
            ["mgmt-obs-loki-release", CHARTS.loki.chart, LOGGING_NAMESPACE],
            ["mgmt-obs-otel-release", CHARTS.otelCollector.chart, MONITORING_NAMESPACE],
            ["mgmt-obs-tempo-release", CHARTS.tempo.chart, MONITORING_NAMESPACE],
        ]);
    });

    it("takes app1's endpoints from the outputs it was given (the ingest URLs of mgmt's IP)", () => {
        const alloy = values("app1-obs-alloy-release");
        assert.ok(alloy.alloy.configMap.content.includes(`url                 = "${URLS.lokiPush}"`));
        assert.equal(values("app1-obs-otel-release").config.exporters["otlp_grpc/mgmt"].endpoint, URLS.otlpGrpc);
        assert.equal(values("app1-falco-release").falcosidekick.config.loki.hostport, `https://${INGEST_IP}:3100`);
    });

    it("never spells an IP in the component code: addresses come from arguments", () => {
        for (const file of ["logs.ts", "traces.ts", "alloy.ts", "otel.ts"]) {
            const src = fs.readFileSync(path.join(__dirname, "../../components/observability", file), "utf8");
            const ips = (src.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? []).filter((ip) => ip !== "0.0.0.0");
            assert.deepEqual(ips, [], file);
        }
    });

    it("orders the pods after what they mount: the S3 ExternalSecret and CA before Loki, the ingest cert before mgmt's Alloy, the CA before app1's Falco", () => {
        const deps = (name: string) => findResource(run.resources, RELEASE, name).dependencies;
        const urn = (type: string, name: string) => findResource(run.resources, type, name).urn;
        assert.ok(deps("mgmt-obs-loki-release").includes(urn("kubernetes:external-secrets.io/v1:ExternalSecret", "mgmt-obs-loki-s3")));
        assert.ok(deps("mgmt-obs-loki-release").includes(urn("kubernetes:core/v1:ConfigMap", "mgmt-obs-loki-ca")));
        assert.ok(deps("mgmt-obs-tempo-release").includes(urn("kubernetes:external-secrets.io/v1:ExternalSecret", "mgmt-obs-tempo-s3")));
        assert.ok(deps("mgmt-obs-alloy-release").includes(urn("kubernetes:cert-manager.io/v1:Certificate", "mgmt-obs-alloy-ingest-tls")));
        assert.ok(deps("app1-falco-release").includes(urn("kubernetes:core/v1:ConfigMap", "app1-falco-sidekick-ca")));
        assert.ok(deps("mgmt-falco-release").includes(findResource(run.resources, RELEASE, "mgmt-obs-loki-release").urn));
        const es = findResource(run.resources, "kubernetes:external-secrets.io/v1:ExternalSecret", "mgmt-obs-loki-s3");
        assert.ok(es.dependencies.includes(urn("kubernetes:external-secrets.io/v1:ClusterSecretStore", "store")));
    });

    it("keeps every release's values readable (no secret in them) and puts the CA, public, in ConfigMaps", () => {
        for (const r of resourcesOfType(run.resources, RELEASE)) {
            assert.ok(!JSON.stringify(unwrapSecrets(r.inputs, "redact")).includes("[secret]"), r.name);
            assert.doesNotMatch(JSON.stringify(r.inputs.values), /accessKeyId"\s*:\s*"(?!\$\{)/, r.name);
        }
        const ca = findResource(run.resources, "kubernetes:core/v1:ConfigMap", "app1-obs-alloy-ca");
        assert.equal((ca.inputs as any).data["ca.crt"], ROOT_CA_PEM);
    });

    it("passes the policy pack: ExternalSecrets' lifecycle, pinned charts; the two ingest Services by the pack's default allow-list only", () => {
        const revealed = run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs, "reveal") as Record<string, unknown> }));
        const mine = revealed.filter((r) => !["store", "issuer"].includes(r.name));
        assert.deepEqual(
            evaluatePolicies(mine, { policyNames: ["external-secret-lifecycle", "helm-chart-pinned", "no-latest-image-tag", "no-external-services"] }),
            [],
        );
        const withoutAllowList = evaluatePolicies(mine, { policyNames: ["no-external-services"], config: { "no-external-services": { allowedServices: [] } } });
        assert.deepEqual(withoutAllowList.map((v) => v.name).sort(), ["mgmt-obs-alloy-ingest", "mgmt-obs-otel-ingest"]);
    });
});
