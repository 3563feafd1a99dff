// Grafana, the dashboards and the alert rules (issue 10): the pure builders checked against the
// pinned chart's values.yaml, the upstream CRDs, the Services the metrics/logs/traces helpers name,
// and a minimal PromQL reading (balanced brackets, metric names from the allow-list, forwarded by
// the agents); then Grafana and the rules under the offline mocks (grafana-fixtures/program.ts,
// one run) for names, ordering, secrets and the policy pack.
import { strict as assert } from "assert";
import { unknownKeys } from "../support/chart-values";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { MAIN_GATEWAY } from "../../components/cilium-mesh";
import { ADMIN_GROUP, GROUPS_CLAIM } from "../../components/keycloak/realm";
import { CERTIFICATE_RENEW_BEFORE } from "../../components/lib/certificate";
import { externalSecretSpec } from "../../components/lib/external-secret";
import { KV_MOUNT } from "../../components/lib/trust";
import { AlertRule, platformRuleGroups, prometheusRule } from "../../components/observability/alerts";
import { dashboardFiles, falcoStreams, platformDashboards } from "../../components/observability/dashboards";
import { KNOWN_METRICS } from "../../components/observability/dashboards/metrics";
import { DATASOURCES } from "../../components/observability/dashboards/panels";
import { ALERTMANAGER_URL, MONITORING_NAMESPACE, ROOT_CA_CONFIGMAP, ROOT_CA_KEY, THANOS_QUERY_URL } from "../../components/observability/endpoints";
import {
    dashboardsConfigMap,
    GRAFANA_NAMES,
    GRAFANA_RELEASE,
    GRAFANA_SERVICE_PORT,
    grafanaDatasources,
    grafanaExternalSecrets,
    grafanaRoute,
    grafanaValues,
} from "../../components/observability/grafana";
import { LOKI_QUERY_URL } from "../../components/observability/logs";
import { ESSENTIAL_SERIES, REMOTE_WRITE_QUEUE } from "../../components/observability/metrics";
import { TEMPO_QUERY_URL } from "../../components/observability/traces";
import { CHARTS } from "../../config/versions";
import { evaluatePolicies } from "../../policy-pack/evaluate";
import { containsSecret, RecordedResource, RunResult, unwrapSecrets } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";
import { ValidateFunction } from "ajv";
import { compile, errorsOf, requireSchemas, SCHEMAS, strictCrdValidator, strictStructural } from "../networking/helpers";

const ISSUER = "https://192.168.64.203/realms/platform";
const CHART_DIR = path.join(SCHEMAS, "charts", `grafana-${CHARTS.grafana.version}`);

// --- a minimal PromQL reading ---------------------------------------------------------------

/** PromQL functions and aggregations the platform's queries may call. */
const FUNCTIONS = new Set(["sum", "min", "max", "avg", "count", "topk", "sort_desc", "rate", "increase", "max_over_time", "absent", "time", "vector"]);
/** Keywords that are neither metrics nor calls. */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"]);

/** The expression without string literals (their contents could hold anything). */
function withoutStrings(expr: string): string {
    return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

/** Why the brackets do not balance, or "" when they do (strings left out). */
function bracketProblem(expr: string): string {
    const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    const stack: string[] = [];
    for (const ch of withoutStrings(expr)) {
        if ("([{".includes(ch)) {
            stack.push(ch);
        } else if (ch in pairs && stack.pop() !== pairs[ch]) {
            return `unbalanced ${ch}`;
        }
    }
    return stack.length ? `unclosed ${stack.join("")}` : "";
}

/** Metric names a PromQL expression reads; throws on unbalanced brackets or an unknown function. */
function promqlMetrics(expr: string): string[] {
    const problem = bracketProblem(expr);
    if (problem) {
        throw new Error(`${problem} in ${expr}`);
    }
    const bare = withoutStrings(expr)
        .replace(/\{[^{}]*\}/g, "{}")
        .replace(/\[[^[\]]*\]/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g, "$1");
    const names: string[] = [];
    for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
        const called = /^\s*\(/.test(bare.slice(m.index + m[0].length));
        if (KEYWORDS.has(m[0])) {
            continue;
        }
        if (called || FUNCTIONS.has(m[0])) {
            assert.ok(FUNCTIONS.has(m[0]), `unknown function ${m[0]} in ${expr}`);
            continue;
        }
        names.push(m[0]);
    }
    return names;
}

/** Every PromQL query of the dashboards (panels over Thanos, and the variables' label_values metric). */
function dashboardQueries(): { where: string; expr: string; datasource: string; panel: boolean }[] {
    return platformDashboards().flatMap((d: any) => [
        ...d.panels.flatMap((p: any) => p.targets.map((t: any) => ({ where: `${d.uid}/${p.title}`, expr: t.expr, datasource: t.datasource.uid, panel: true }))),
        ...d.templating.list.map((v: any) => ({
            where: `${d.uid}/$${v.name}`,
            expr: /^label_values\((.*), \w+\)$/.exec(v.query.query)![1],
            datasource: v.datasource.uid,
            panel: false,
        })),
    ]);
}

/**
 * The PrometheusRule CRD's strict validator. Its `partial_response_strategy` pattern starts with
 * RE2's `(?i)`, which JavaScript has no inline form of (and `strictCrdValidator` cannot compile), so
 * such patterns are case-folded letter by letter first: `(?i)ab` becomes `[aA][bB]`.
 */
let ruleValidator: ValidateFunction | undefined;
function prometheusRuleValidator(): ValidateFunction {
    if (ruleValidator) {
        return ruleValidator;
    }
    const file = path.join(SCHEMAS, "crds", "prometheus-operator", "monitoring.coreos.com_prometheusrules.yaml");
    const crd = parse(fs.readFileSync(file, "utf8"));
    const schema = crd.spec.versions.find((v: any) => v.name === "v1").schema.openAPIV3Schema;
    const fold = (v: any): any =>
        Array.isArray(v)
            ? v.map(fold)
            : v && typeof v === "object"
              ? Object.fromEntries(
                    Object.entries(v).map(([k, x]) => [
                        k,
                        k === "pattern" && typeof x === "string" && x.includes("(?i)")
                            ? x.replace("(?i)", "").replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`)
                            : fold(x),
                    ]),
                )
              : v;
    ruleValidator = compile(strictStructural(fold(schema)));
    return ruleValidator;
}

const alertRules = (): AlertRule[] => platformRuleGroups().flatMap((g) => g.rules);

// --- the pinned chart's values.yaml --------------------------------------------------------

let defaults: any;
const chartDefaults = () => (defaults ??= parse(fs.readFileSync(path.join(CHART_DIR, "values.yaml"), "utf8")));
const validValues = () => grafanaValues({ clusterName: "mgmt", oidcIssuerUrl: ISSUER }) as Record<string, any>;

describe("Grafana's dashboards as code", () => {
    it("are valid JSON with unique uids, unique panel ids and panels inside the 24-column grid", () => {
        const files = dashboardFiles();
        const parsed = Object.entries(files).map(([file, text]) => [file, JSON.parse(text)] as const);
        assert.deepEqual(
            parsed.map(([, d]) => d.uid),
            ["platform-cluster-overview", "platform-nodes", "platform-cilium", "platform-mesh", "platform-falco", "platform-capacity"],
        );
        for (const [file, d] of parsed) {
            assert.equal(file, `${d.uid}.json`);
            assert.ok(d.title && d.schemaVersion >= 39 && d.panels.length > 0, file);
            const ids = d.panels.map((p: any) => p.id);
            assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel ids`);
            for (const p of d.panels) {
                assert.ok(p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.w > 0 && p.gridPos.h > 0, `${file}/${p.title}`);
                assert.ok(p.targets.length > 0, `${file}/${p.title}: no query`);
            }
            assert.ok(
                d.templating.list.some((v: any) => v.name === "cluster"),
                `${file}: no cluster variable`,
            );
        }
        assert.equal(new Set(parsed.map(([, d]) => d.title)).size, parsed.length, "duplicate titles");
    });

    it("query only provisioned datasources, PromQL filtered by $cluster and naming metrics from the allow-list", () => {
        const provisioned = new Set(grafanaDatasources().map((d: any) => d.uid));
        const used = new Set<string>();
        for (const q of dashboardQueries()) {
            assert.ok(provisioned.has(q.datasource), `${q.where}: datasource ${q.datasource}`);
            if (q.datasource === DATASOURCES.loki.uid) {
                assert.equal(bracketProblem(q.expr), "", q.where);
                assert.ok(q.expr.includes(falcoStreams().slice(1, -1)), `${q.where}: not over Falcosidekick's streams`);
                continue;
            }
            if (q.panel) {
                assert.match(q.expr, /cluster=~"\$cluster"/, q.where);
            }
            for (const name of promqlMetrics(q.expr)) {
                assert.ok(name in KNOWN_METRICS, `${q.where}: ${name} is not a known metric`);
                used.add(name);
            }
        }
        for (const rule of alertRules()) {
            promqlMetrics(rule.expr).forEach((n) => used.add(n));
        }
        // No stale entries: every allowed name is read by a panel or a rule.
        assert.deepEqual(
            Object.keys(KNOWN_METRICS).filter((n) => !used.has(n)),
            [],
        );
    });

    it("read only series the senders forward (metrics.ts ESSENTIAL_SERIES)", () => {
        const kept = new RegExp(`^(${ESSENTIAL_SERIES.join("|")})$`);
        assert.deepEqual(
            Object.keys(KNOWN_METRICS).filter((n) => !kept.test(n)),
            [],
        );
    });

    it("the PromQL reading rejects what it must (so passing means something)", () => {
        assert.throws(() => promqlMetrics("sum(rate(up[5m])"), /unclosed/);
        assert.throws(() => promqlMetrics("sum(up))"), /unbalanced/);
        assert.throws(() => promqlMetrics("histogram_quantile(0.9, up)"), /unknown function/);
        assert.deepEqual(promqlMetrics('sum by (cluster) (rate(node_load1{cluster=~"a|b(c"}[5m])) / on (x) group_left() up'), ["node_load1", "up"]);
    });

    it("come from one ConfigMap in monitoring that the file provider reads at the chart's mount path", () => {
        const cm = dashboardsConfigMap();
        assert.deepEqual(cm.metadata, { name: GRAFANA_NAMES.dashboards, namespace: MONITORING_NAMESPACE });
        const values = validValues();
        const [provider] = values.dashboardProviders["dashboardproviders.yaml"].providers;
        assert.equal(values.dashboardsConfigMaps[provider.name], cm.metadata.name);
        // The chart mounts dashboardsConfigMaps.<provider> at /var/lib/grafana/dashboards/<provider> (templates/_pod.tpl).
        assert.equal(provider.options.path, `/var/lib/grafana/dashboards/${provider.name}`);
        assert.ok(Buffer.byteLength(JSON.stringify(cm.data)) < 1024 * 1024, "a ConfigMap holds at most 1 MiB");
    });
});

describe("The platform's PrometheusRules", () => {
    it("validate against the prometheus-operator CRD, one per area, names unique", function () {
        requireSchemas(this);
        const validate = prometheusRuleValidator();
        const objects = platformRuleGroups().map(prometheusRule);
        for (const o of objects) {
            assert.ok(validate(o), `${o.metadata.name}: ${errorsOf(validate)}`);
            assert.equal(o.metadata.namespace, MONITORING_NAMESPACE);
        }
        assert.deepEqual(
            objects.map((o) => o.metadata.name),
            ["platform-storage", "platform-nodes", "platform-quota", "platform-certificates", "platform-vault", "platform-remote-write", "platform-falco"],
        );
        const names = alertRules().map((r) => r.alert);
        assert.equal(new Set(names).size, names.length);
        // The validator is strict: an unknown field fails.
        const broken = prometheusRule(platformRuleGroups()[0]);
        broken.spec.groups[0].rules[0].severity = "warning";
        assert.equal(validate(broken), false);
    });

    it("give every rule a for, a severity and summary/description, and read only allowed metrics", () => {
        for (const r of alertRules()) {
            assert.match(r.for, /^\d+[smh]$/, r.alert);
            assert.ok(["warning", "critical"].includes(r.labels.severity), r.alert);
            assert.ok(r.annotations.summary.length > 10 && r.annotations.description.length > 10, r.alert);
            for (const name of promqlMetrics(r.expr)) {
                assert.ok(name in KNOWN_METRICS, `${r.alert}: ${name}`);
            }
        }
    });

    it("hold the seeds' thresholds: PVC 85 % warning and 95 % critical, quota 90 %, node memory and disk", () => {
        const byName = Object.fromEntries(alertRules().map((r) => [r.alert, r]));
        const threshold = (name: string) => Number(/> ([\d.]+)$/.exec(byName[name].expr)![1]);
        assert.deepEqual([threshold("PVCNearlyFull"), byName.PVCNearlyFull.labels.severity], [0.85, "warning"]);
        assert.deepEqual([threshold("PVCCriticallyFull"), byName.PVCCriticallyFull.labels.severity], [0.95, "critical"]);
        assert.match(byName.PVCNearlyFull.expr, /kubelet_volume_stats_used_bytes \/ kubelet_volume_stats_capacity_bytes/);
        assert.equal(threshold("ResourceQuotaAlmostFull"), 0.9);
        assert.match(byName.ResourceQuotaAlmostFull.expr, /type="used".*\/.*type="hard"/);
        assert.equal(threshold("NodeMemoryHigh"), 0.9);
        assert.deepEqual([threshold("NodeFilesystemAlmostFull"), threshold("NodeFilesystemFull")], [0.85, 0.95]);
        // Certificates: a day after cert-manager should have renewed (renewBefore), then 3 days before expiry.
        const renewSeconds = Number(CERTIFICATE_RENEW_BEFORE.replace("h", "")) * 3600;
        assert.match(
            byName.CertificateNotRenewed.expr,
            new RegExp(`certmanager_certificate_expiration_timestamp_seconds\\) - time\\(\\) < ${renewSeconds - 86400}$`),
        );
        assert.match(byName.CertificateExpiringSoon.expr, / < 259200$/);
        assert.equal(byName.VaultSealed.expr, "vault_core_unsealed == 0");
        assert.equal(byName.VaultSealed.labels.severity, "critical");
        assert.match(byName.RemoteWriteBacklog.expr, new RegExp(`samples_pending\\) > ${REMOTE_WRITE_QUEUE.capacity}$`));
        assert.match(byName.RemoteWriteShardsMaxedOut.expr, /shards_desired.*> .*shards_max/);
    });

    it("fire on Falco events of priority Critical and above only", () => {
        const rule = alertRules().find((r) => r.alert === "FalcoCriticalEvent")!;
        const [, body] = /priority=~"\(\?i\)([^"]+)"/.exec(rule.expr)!;
        // PromQL anchors regex matchers; (?i) is RE2's case-insensitive flag.
        const matches = new RegExp(`^(?:${body})$`, "i");
        for (const p of ["Critical", "Alert", "Emergency", "critical"]) {
            assert.ok(matches.test(p), p);
        }
        for (const p of ["Error", "Warning", "Notice", "Informational", "Debug"]) {
            assert.ok(!matches.test(p), p);
        }
    });
});

describe("Grafana's values", () => {
    it("set only keys the pinned chart's values.yaml has (grafana.ini, datasources and the dashboard maps are free-form)", function () {
        requireSchemas(this);
        const values = validValues();
        assert.deepEqual(unknownKeys(values, chartDefaults(), ["grafana.ini"]), []);
        // The check catches a misspelt key.
        assert.deepEqual(unknownKeys({ ...values, envFromSecrets2: [] }, chartDefaults(), ["grafana.ini"]), ["envFromSecrets2"]);
    });

    it("run one container with requests and limits: the chart's sidecars, chown init container and test pod stay off", function () {
        requireSchemas(this);
        const values = validValues();
        const defaults = chartDefaults();
        assert.deepEqual(values.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
        for (const s of ["alerts", "dashboards", "datasources", "plugins", "notifiers"]) {
            assert.equal(defaults.sidecar[s].enabled, false, `sidecar.${s} is on by default`);
            assert.equal(values.sidecar, undefined);
        }
        // initChownData only renders with persistence, which is off by default and stays off.
        assert.equal(defaults.persistence.enabled, false);
        assert.equal(values.persistence, undefined);
        assert.equal(values.testFramework.enabled, false);
        assert.equal(defaults.imageRenderer.enabled, false);
    });

    it("point the datasources at the Services the metrics, logs and traces helpers name, with fixed uids and Thanos the default", () => {
        const ds = Object.fromEntries(grafanaDatasources().map((d: any) => [d.uid, d]));
        assert.deepEqual(Object.fromEntries(Object.values(ds).map((d: any) => [d.uid, [d.type, d.url]])), {
            thanos: ["prometheus", THANOS_QUERY_URL],
            loki: ["loki", LOKI_QUERY_URL],
            tempo: ["tempo", TEMPO_QUERY_URL],
            alertmanager: ["alertmanager", ALERTMANAGER_URL],
        });
        assert.deepEqual(
            Object.values(ds)
                .filter((d: any) => d.isDefault)
                .map((d: any) => d.uid),
            ["thanos"],
        );
        for (const d of Object.values(ds) as any[]) {
            assert.match(d.url, /^http:\/\/[a-z0-9-]+\.(monitoring|logging)\.svc\.cluster\.local:\d+$/, d.uid);
        }
        assert.deepEqual(validValues().datasources["datasources.yaml"], { apiVersion: 1, datasources: grafanaDatasources() });
    });

    it("link Tempo to Loki and Loki to Tempo by uid, matching the trace IDs OTel log lines carry", () => {
        const ds = Object.fromEntries(grafanaDatasources().map((d: any) => [d.uid, d]));
        const toLogs = ds.tempo.jsonData.tracesToLogsV2;
        assert.equal(toLogs.datasourceUid, ds.loki.uid);
        assert.equal(toLogs.filterByTraceID, true);
        const [field] = ds.loki.jsonData.derivedFields;
        assert.equal(field.datasourceUid, ds.tempo.uid);
        // `$$` is a literal `$` in a provisioning file.
        assert.equal(field.url, "$${__value.raw}");
        const re = new RegExp(field.matcherRegex);
        for (const line of ['level=info traceID=4bf92f3577b34da6 msg="ok"', '{"trace_id":"4bf92f3577b34da6","msg":"ok"}', '{"traceId": "4bf92f3577b34da6"}']) {
            assert.equal(re.exec(line)?.[1], "4bf92f3577b34da6", line);
        }
        assert.equal(re.exec("level=info msg=no-trace"), null);
    });

    it("log in through Keycloak: endpoints below the issuer, the root CA mounted for TLS, platform-admins Admin", () => {
        const values = validValues();
        const ini = values["grafana.ini"];
        const oauth = ini["auth.generic_oauth"];
        assert.equal(ini.server.root_url, "https://grafana.mgmt.local.dev");
        assert.equal(ini.server.domain, "grafana.mgmt.local.dev");
        for (const [key, suffix] of [
            ["auth_url", "auth"],
            ["token_url", "token"],
            ["api_url", "userinfo"],
        ]) {
            assert.equal(oauth[key], `${ISSUER}/protocol/openid-connect/${suffix}`, key);
        }
        assert.ok(oauth.signout_redirect_url.startsWith(`${ISSUER}/protocol/openid-connect/logout?post_logout_redirect_uri=`));
        assert.equal(decodeURIComponent(oauth.signout_redirect_url.split("=")[1]), "https://grafana.mgmt.local.dev/login");
        assert.equal(oauth.use_pkce, true);
        assert.equal(oauth.tls_skip_verify_insecure, false);
        const [mount] = values.extraConfigmapMounts;
        assert.equal(mount.configMap, ROOT_CA_CONFIGMAP);
        assert.equal(oauth.tls_client_ca, `${mount.mountPath}/${ROOT_CA_KEY}`);
        assert.equal(oauth.groups_attribute_path, GROUPS_CLAIM);
        assert.equal(oauth.role_attribute_path, `contains(groups[*], '${ADMIN_GROUP}') && 'Admin' || 'Viewer'`);
        // No credential in the values: id and secret come from the env Secret, the admin from its Secret.
        assert.equal(oauth.client_id, undefined);
        assert.equal(oauth.client_secret, undefined);
        assert.equal(values.envFromSecret, GRAFANA_NAMES.oidcSecret);
        assert.equal(values.admin.existingSecret, GRAFANA_NAMES.adminSecret);
        assert.doesNotMatch(JSON.stringify(values), /adminPassword|client_secret|secretKey/);
    });

    it("take the OIDC client from Vault as GF_ env variables and the admin from its own KV entry, both valid ExternalSecrets", function () {
        requireSchemas(this);
        const secrets = grafanaExternalSecrets("mgmt");
        assert.deepEqual(secrets.oidc.data, [
            { secretKey: "GF_AUTH_GENERIC_OAUTH_CLIENT_ID", path: "platform/mgmt/grafana-oidc", property: "client_id" },
            { secretKey: "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", path: "platform/mgmt/grafana-oidc", property: "client_secret" },
        ]);
        assert.deepEqual(secrets.admin.data, [
            { secretKey: "admin-user", path: "platform/mgmt/grafana-admin", property: "username" },
            { secretKey: "admin-password", path: "platform/mgmt/grafana-admin", property: "password" },
        ]);
        const values = validValues();
        assert.deepEqual([values.admin.userKey, values.admin.passwordKey], ["admin-user", "admin-password"]);
        const validate = strictCrdValidator("external-secrets.io/v1", "ExternalSecret")!;
        for (const s of [secrets.admin, secrets.oidc]) {
            assert.ok(validate(externalSecretSpec(s)), errorsOf(validate));
        }
    });

    it("is served on main-gateway's https listener at grafana.mgmt.local.dev, to the chart's Service", function () {
        requireSchemas(this);
        const route = grafanaRoute("mgmt");
        const validate = strictCrdValidator("gateway.networking.k8s.io/v1", "HTTPRoute")!;
        assert.ok(validate(route), errorsOf(validate));
        assert.deepEqual(route.spec.parentRefs, [{ name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace, sectionName: MAIN_GATEWAY.https }]);
        assert.deepEqual(route.spec.hostnames, ["grafana.mgmt.local.dev"]);
        assert.deepEqual(route.spec.rules, [{ backendRefs: [{ name: GRAFANA_RELEASE, port: GRAFANA_SERVICE_PORT }] }]);
        assert.equal(chartDefaults().service.port, GRAFANA_SERVICE_PORT);
        assert.equal(route.metadata.namespace, MONITORING_NAMESPACE);
    });
});

describe("Grafana and the rules under the offline mocks", function () {
    type Ok = Extract<RunResult, { ok: true }>;
    let run: Ok;
    let mine: RecordedResource[];
    const named = (n: string): RecordedResource => {
        const found = run.resources.find((r) => r.name === n);
        assert.ok(found, `no resource ${n}; have ${run.resources.map((r) => r.name).join(", ")}`);
        return found;
    };
    const revealed = (r: RecordedResource) => unwrapSecrets(r.inputs, "reveal") as Record<string, any>;

    before(async () => {
        const result = await runOffline({
            project: "platform",
            stack: "mgmt",
            program: path.join(__dirname, "grafana-fixtures", "program.ts"),
            config: { "test:oidcIssuerUrl": ISSUER },
            secretKeys: [],
            simulatedIps: {},
            stackReferences: {},
        });
        assert.ok(result.ok, result.ok ? "" : result.error);
        run = result;
        mine = run.resources.filter((r) => r.parent === named("observability").urn);
    });

    it("creates the children `<name>-<role>` under the parent it is given", () => {
        assert.deepEqual(mine.map((r) => r.name).sort(), [
            "observability-alerts-certificates",
            "observability-alerts-falco",
            "observability-alerts-nodes",
            "observability-alerts-quota",
            "observability-alerts-remote-write",
            "observability-alerts-storage",
            "observability-alerts-vault",
            "observability-grafana-admin-kv",
            "observability-grafana-admin-password",
            "observability-grafana-admin-secret",
            "observability-grafana-dashboards",
            "observability-grafana-oidc-secret",
            "observability-grafana-release",
            "observability-grafana-route",
        ]);
        assert.equal(run.outputs.grafanaUrl.value, "https://grafana.mgmt.local.dev");
    });

    it("installs the pinned chart into monitoring with the pure function's values, none of them secret", () => {
        const release = named("observability-grafana-release");
        assert.deepEqual(
            [release.inputs.chart, release.inputs.version, (release.inputs.repositoryOpts as any).repo],
            [CHARTS.grafana.chart, "12.11.1", CHARTS.grafana.repo],
        );
        assert.equal(release.inputs.name, GRAFANA_RELEASE);
        assert.equal(release.inputs.namespace, MONITORING_NAMESPACE);
        assert.doesNotMatch(JSON.stringify(unwrapSecrets(release.inputs, "redact")), /\[secret\]/);
        assert.deepEqual(release.inputs.values, validValues());
        assert.deepEqual(revealed(named("observability-grafana-dashboards")).data, dashboardFiles());
    });

    it("keeps the admin password secret, long and in Vault, and waits for it, the OIDC Secret and the dashboards before the release", () => {
        const password = named("observability-grafana-admin-password");
        assert.ok((password.inputs.length as number) >= 20);
        assert.ok(password.additionalSecretOutputs?.includes("result"));
        const kv = named("observability-grafana-admin-kv");
        assert.deepEqual([kv.inputs.mount, kv.inputs.name], [KV_MOUNT, "platform/mgmt/grafana-admin"]);
        assert.ok(containsSecret(kv.inputs.dataJson), "dataJson is secret");
        assert.deepEqual(Object.keys(JSON.parse(revealed(kv).dataJson)).sort(), ["password", "username"]);
        assert.ok(kv.dependencies.includes(named("vault-kv").urn), "waits for Vault's KV mount");
        const urn = (n: string) => named(n).urn;
        assert.ok(named("observability-grafana-admin-secret").dependencies.includes(urn("observability-grafana-admin-kv")));
        for (const s of ["observability-grafana-admin-secret", "observability-grafana-oidc-secret"]) {
            assert.ok(named(s).dependencies.includes(urn("secret-store")), s);
        }
        const release = named("observability-grafana-release").dependencies;
        for (const n of ["observability-grafana-admin-secret", "observability-grafana-oidc-secret", "observability-grafana-dashboards", "prerequisites"]) {
            assert.ok(release.includes(urn(n)), n);
        }
        assert.ok(named("observability-grafana-route").dependencies.includes(urn("observability-grafana-release")));
        for (const r of mine.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")) {
            assert.ok(r.dependencies.includes(urn("prerequisites")), r.name);
        }
    });

    it("passes every policy of the pack, and its custom resources validate against the upstream CRDs", function () {
        requireSchemas(this);
        const resources = mine.map((r) => ({ ...r, inputs: revealed(r) }));
        assert.deepEqual(
            evaluatePolicies(resources).map((v) => `${v.policy} ${v.name}: ${v.message}`),
            [],
        );
        const crs = mine.filter((r) => r.custom && /^kubernetes:[a-z0-9.-]+\.[a-z]+\//.test(r.type) && !r.type.startsWith("kubernetes:helm.sh/"));
        assert.equal(crs.length, 7 + 2 + 1, crs.map((r) => r.type).join(", "));
        for (const r of crs) {
            const object = revealed(r);
            const validate = object.kind === "PrometheusRule" ? prometheusRuleValidator() : strictCrdValidator(object.apiVersion, object.kind);
            assert.ok(validate, `${object.apiVersion} ${object.kind}: no CRD`);
            assert.ok(validate(object), `${r.name}: ${errorsOf(validate)}`);
        }
    });
});
