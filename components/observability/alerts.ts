/**
 * The platform's alert rules (issue 10; seeds 001 §7.5 and 002): PVC fill, node memory and disk,
 * quota use, certificate expiry, Vault sealed, a remote-write backlog and Falco critical events,
 * as monitoring.coreos.com/v1 PrometheusRules. Every rule has a `for`, a `severity` label and
 * summary/description annotations, and groups by `cluster` where the series carry it: the
 * senders' external label, so one rule set covers the three clusters wherever it is evaluated
 * (on mgmt's own Prometheus the label is empty in queries and added to the alert as mgmt's
 * external label). The PromQL names only metrics from `KNOWN_METRICS`.
 *
 * mgmt's Prometheus selects every PrometheusRule in the cluster (metrics.ts: `ruleSelectorNilUsesHelmValues:
 * false` leaves its `ruleSelector` empty), so the rules carry no selector label.
 *
 * Scrapes the rules need besides kube-prometheus-stack's defaults (kubelet, node-exporter,
 * kube-state-metrics, Prometheus itself):
 * - cert-manager's controller metrics (`certmanager_certificate_expiration_timestamp_seconds`);
 * - Vault's `/v1/sys/metrics?format=prometheus` (`vault_core_unsealed`): Vault's `telemetry`
 *   stanza, `unauthenticated_metrics_access` on the listener, and a ServiceMonitor
 *   (vault chart `serverTelemetry.serviceMonitor`); `VaultMetricsMissing` fires until then;
 * - Falcosidekick's `/metrics` (`falcosecurity_falcosidekick_falco_events_total`): Falco's events
 *   are counted where Falcosidekick receives them, a plain counter with the rule and priority
 *   as labels, so the alert needs no Loki ruler and reaches Alertmanager like every other rule.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CERTIFICATE_RENEW_BEFORE } from "../lib/certificate";
import { MONITORING_NAMESPACE } from "./endpoints";
import { REMOTE_WRITE_QUEUE } from "./metrics";

/** Alertmanager routes on it; kube-prometheus-stack's inhibit rules use the same values. */
export type Severity = "warning" | "critical";

/** One alerting rule (monitoring.coreos.com/v1 `Rule`, alerting form). */
export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: Severity };
    annotations: { summary: string; description: string };
}

/** One rule group. */
export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

/** An alerting rule; `summary` and `description` may use `{{ $labels.x }}` and `{{ $value }}`. */
function alert(name: string, expr: string, forDuration: string, severity: Severity, summary: string, description: string): AlertRule {
    return { alert: name, expr, for: forDuration, labels: { severity }, annotations: { summary, description } };
}

const WHERE = "{{ $labels.cluster }}";

/** Seed 001 §7.5: a claim over 85 % is a warning, over 95 % critical. */
export function storageRules(): RuleGroup {
    const fill = "max by (cluster, namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes)";
    const pvc = `${WHERE} {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }}`;
    return {
        name: "platform.storage",
        rules: [
            alert(
                "PVCNearlyFull",
                `${fill} > 0.85`,
                "5m",
                "warning",
                `PVC ${pvc} is over 85 % full`,
                `PVC ${pvc} is {{ $value | humanizePercentage }} full; grow it or free space.`,
            ),
            alert(
                "PVCCriticallyFull",
                `${fill} > 0.95`,
                "1m",
                "critical",
                `PVC ${pvc} is over 95 % full`,
                `PVC ${pvc} is {{ $value | humanizePercentage }} full; writes fail soon. Act now.`,
            ),
        ],
    };
}

/** Node memory and disk (node-exporter); in-memory and image filesystems are left out. */
export function nodeRules(): RuleGroup {
    const fsSelector = 'fstype!~"tmpfs|overlay|squashfs"';
    const fsUsed = `1 - node_filesystem_avail_bytes{${fsSelector}} / node_filesystem_size_bytes{${fsSelector}}`;
    const node = `${WHERE} {{ $labels.instance }}`;
    return {
        name: "platform.nodes",
        rules: [
            alert(
                "NodeMemoryHigh",
                "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > 0.9",
                "10m",
                "warning",
                `Node ${node} has under 10 % memory available`,
                `Node ${node} uses {{ $value | humanizePercentage }} of its memory; pods will be evicted or OOM-killed.`,
            ),
            alert(
                "NodeFilesystemAlmostFull",
                `(${fsUsed}) > 0.85`,
                "10m",
                "warning",
                `Filesystem {{ $labels.mountpoint }} on ${node} is over 85 % full`,
                `{{ $labels.mountpoint }} on ${node} is {{ $value | humanizePercentage }} full; the kubelet starts evicting at its hard threshold.`,
            ),
            alert(
                "NodeFilesystemFull",
                `(${fsUsed}) > 0.95`,
                "5m",
                "critical",
                `Filesystem {{ $labels.mountpoint }} on ${node} is over 95 % full`,
                `{{ $labels.mountpoint }} on ${node} is {{ $value | humanizePercentage }} full. Act now.`,
            ),
        ],
    };
}

/** A namespace's ResourceQuota at 90 % of a hard limit (kube-state-metrics `kube_resourcequota`). */
export function quotaRules(): RuleGroup {
    const by = "cluster, namespace, resourcequota, resource";
    return {
        name: "platform.quota",
        rules: [
            alert(
                "ResourceQuotaAlmostFull",
                `max by (${by}) (kube_resourcequota{type="used"}) / on (${by}) max by (${by}) (kube_resourcequota{type="hard"} > 0) > 0.9`,
                "15m",
                "warning",
                `Quota {{ $labels.resourcequota }} in ${WHERE} {{ $labels.namespace }} is over 90 % used`,
                `{{ $labels.resource }} of quota {{ $labels.namespace }}/{{ $labels.resourcequota }} is {{ $value | humanizePercentage }} used; new pods will be refused.`,
            ),
        ],
    };
}

/** Hours in a Go duration of whole hours (`360h`). */
function hours(duration: string): number {
    const m = /^(\d+)h$/.exec(duration);
    if (!m) {
        throw new Error(`expected a duration in whole hours, got ${duration}`);
    }
    return Number(m[1]);
}

/**
 * Certificate expiry. cert-manager renews every platform certificate `CERTIFICATE_RENEW_BEFORE`
 * (360 h) before it expires, so one with a day less left has failed to renew (warning); three
 * days before expiry it is critical.
 */
export function certificateRules(): RuleGroup {
    const left = "min by (cluster, namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time()";
    const lateRenewal = (hours(CERTIFICATE_RENEW_BEFORE) - 24) * 3600;
    const cert = `${WHERE} {{ $labels.namespace }}/{{ $labels.name }}`;
    return {
        name: "platform.certificates",
        rules: [
            alert(
                "CertificateNotRenewed",
                `${left} < ${lateRenewal}`,
                "1h",
                "warning",
                `Certificate ${cert} was not renewed`,
                `Certificate ${cert} expires in {{ $value | humanizeDuration }}; cert-manager should have renewed it a day ago. Check its CertificateRequest and vault-issuer.`,
            ),
            alert(
                "CertificateExpiringSoon",
                `${left} < ${3 * 24 * 3600}`,
                "10m",
                "critical",
                `Certificate ${cert} expires in under 3 days`,
                `Certificate ${cert} expires in {{ $value | humanizeDuration }}.`,
            ),
        ],
    };
}

/** Vault sealed (after a restart nothing unseals it automatically: `npm run vault:unseal`), or its metrics gone. */
export function vaultRules(): RuleGroup {
    return {
        name: "platform.vault",
        rules: [
            alert(
                "VaultSealed",
                "vault_core_unsealed == 0",
                "1m",
                "critical",
                `Vault {{ $labels.instance }} on ${WHERE} is sealed`,
                "Vault is sealed: no secret syncs, certificate issuance or cluster onboarding until it is unsealed (`npm run vault:unseal`).",
            ),
            alert(
                "VaultMetricsMissing",
                "absent(vault_core_unsealed)",
                "15m",
                "warning",
                "Vault's seal status is not being scraped",
                "No vault_core_unsealed series for 15 minutes: Vault is down, its telemetry is off, or its ServiceMonitor is missing, so VaultSealed cannot fire.",
            ),
        ],
    };
}

/**
 * A sender's remote-write queue not draining: more samples pending than one shard's capacity
 * (REMOTE_WRITE_QUEUE, seed 001 §5.3), or more shards wanted than allowed. While mgmt is down these
 * series buffer with the data they describe and arrive after it; they fire for a slow or lossy
 * link, and say afterwards how long the backlog lasted.
 */
export function remoteWriteRules(): RuleGroup {
    const queue = `${WHERE} {{ $labels.remote_name }}`;
    return {
        name: "platform.remote-write",
        rules: [
            alert(
                "RemoteWriteBacklog",
                `sum by (cluster, remote_name, url) (prometheus_remote_storage_samples_pending) > ${REMOTE_WRITE_QUEUE.capacity}`,
                "15m",
                "warning",
                `Remote write from ${queue} is falling behind`,
                `{{ $value }} samples wait to be sent from ${WHERE} to {{ $labels.url }}; if this keeps growing the agent's WAL buffer runs out and samples are lost.`,
            ),
            alert(
                "RemoteWriteShardsMaxedOut",
                "max_over_time(prometheus_remote_storage_shards_desired[5m]) > max_over_time(prometheus_remote_storage_shards_max[5m])",
                "15m",
                "warning",
                `Remote write from ${queue} needs more shards than allowed`,
                `${WHERE} wants {{ $value }} shards for {{ $labels.url }}, above max_shards: the receiver is too slow or the link too thin.`,
            ),
        ],
    };
}

/** Falco events of priority Critical or above (Falcosidekick's counter; its `priority` label is the capitalised name). */
export function falcoRules(): RuleGroup {
    const where = `${WHERE} {{ $labels.k8s_ns_name }}/{{ $labels.k8s_pod_name }}`;
    return {
        name: "platform.falco",
        rules: [
            alert(
                "FalcoCriticalEvent",
                'sum by (cluster, rule, k8s_ns_name, k8s_pod_name) (increase(falcosecurity_falcosidekick_falco_events_total{priority=~"(?i)critical|alert|emergency"}[5m])) > 0',
                "1m",
                "critical",
                "Falco: {{ $labels.rule }}",
                `Falco rule "{{ $labels.rule }}" fired at ${where}. See the Falco events dashboard for the event itself.`,
            ),
        ],
    };
}

/** Every group of the platform. */
export function platformRuleGroups(): RuleGroup[] {
    return [storageRules(), nodeRules(), quotaRules(), certificateRules(), vaultRules(), remoteWriteRules(), falcoRules()];
}

/** The PrometheusRule of one group, `platform-<area>` in the monitoring namespace. */
export function prometheusRule(group: RuleGroup): Record<string, any> {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: group.name.replace(/^platform\./, "platform-"), namespace: MONITORING_NAMESPACE },
        spec: { groups: [group] },
    };
}

/** Arguments of `createAlertRules`. */
export interface AlertRulesArgs {
    /** Provider of mgmt. */
    provider: k8s.Provider;
    /** What serves the PrometheusRule CRD (the kube-prometheus-stack release). */
    after: pulumi.Resource[];
}

/** One PrometheusRule per group, `${name}-<area>`, under `parent`. */
export function createAlertRules(name: string, args: AlertRulesArgs, parent: pulumi.Resource): k8s.apiextensions.CustomResource[] {
    return platformRuleGroups().map(
        (group) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${group.name.replace(/^platform\./, "")}`,
                prometheusRule(group) as k8s.apiextensions.CustomResourceArgs,
                { parent, provider: args.provider, dependsOn: args.after },
            ),
    );
}
