/**
 * Falco (all clusters): syscall-level runtime detection from the pinned falcosecurity chart, with
 * the platform's custom rules (`rules.ts`) next to the upstream default rules. With `events`, the
 * chart's falcosidekick subchart forwards every event to Loki and, where an Alertmanager is
 * reachable (mgmt), the critical ones (and worse) to Alertmanager too.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { namespaceMetadata } from "../lib/psa";
import { renderFalcoCustomRules } from "./rules";

/** Namespace of the Falco DaemonSet. */
export const FALCO_NAMESPACE = PRIVILEGED_NAMESPACES.falco.namespace;

/** Where falcosidekick sends Falco's events. */
export interface FalcoEventTargets {
    /** The `cluster` field every event carries (a Loki label). */
    clusterName: string;
    /** Loki's push URL: mgmt's in-cluster Loki on mgmt, mgmt's ingest URL on the apps. */
    lokiPushUrl: string;
    /** Alertmanager's base URL (mgmt's in-cluster one); apps have none reachable and leave it out. */
    alertmanagerUrl?: string;
    /** Whether the Loki URL's certificate is signed by Vault's root CA, which is then mounted from FALCO_CA_CONFIGMAP. */
    trustVaultCa?: boolean;
}

/** The lowest priority that reaches Alertmanager. */
export const ALERT_MIN_PRIORITY = "critical";
/** The ConfigMap holding Vault's root CA in Falco's namespace, for falcosidekick's TLS to mgmt's ingest. */
export const FALCO_CA_CONFIGMAP = "falcosidekick-ca";
const SIDEKICK_CA_DIR = "/etc/platform-ca";

/** `scheme://host[:port]` and the path of a URL, as falcosidekick's `hostport` and `endpoint` take them. */
export function hostportAndPath(url: string): { hostport: string; endpoint: string } {
    const u = new URL(url);
    return { hostport: `${u.protocol}//${u.host}`, endpoint: u.pathname };
}

/**
 * The falcosidekick subchart's values (falcosecurity/charts falcosidekick values.yaml `config.loki`,
 * `config.alertmanager`, `config.tlsclient`): Loki gets every event, labelled with the cluster;
 * Alertmanager gets ALERT_MIN_PRIORITY and above on its v2 API (Alertmanager 0.27 removed v1).
 * With it on, the Falco chart points Falco's http_output at the sidekick Service.
 */
export function falcosidekickValues(targets: FalcoEventTargets): Record<string, unknown> {
    const loki = hostportAndPath(targets.lokiPushUrl);
    const ca = targets.trustVaultCa;
    return {
        enabled: true,
        replicaCount: 1,
        resources: resources("20m", "32Mi", "100m", "128Mi"),
        config: {
            customfields: `cluster:${targets.clusterName}`,
            tlsclient: { cacertfile: ca ? `${SIDEKICK_CA_DIR}/ca.crt` : "" },
            loki: { hostport: loki.hostport, endpoint: loki.endpoint, minimumpriority: "", checkcert: true },
            ...(targets.alertmanagerUrl
                ? { alertmanager: { hostport: targets.alertmanagerUrl, endpoint: "/api/v2/alerts", minimumpriority: ALERT_MIN_PRIORITY, checkcert: true } }
                : {}),
        },
        ...(ca
            ? {
                  extraVolumes: [{ name: "platform-ca", configMap: { name: FALCO_CA_CONFIGMAP } }],
                  extraVolumeMounts: [{ name: "platform-ca", mountPath: SIDEKICK_CA_DIR, readOnly: true }],
              }
            : {}),
    };
}

/**
 * Helm values (falco chart 9.1.0 values.yaml): the modern eBPF probe (Ubuntu 24.04 kernels; the
 * legacy `ebpf` kind is gone in 9.x), our rules, and requests and limits for every container the
 * chart can run: Falco itself (the chart's own defaults, made explicit), falcoctl's rule
 * install and follow containers, and the driver loader init container; with event targets, falcosidekick.
 */
export function falcoValues(events?: FalcoEventTargets): Record<string, unknown> {
    const falcoctl = resources("10m", "32Mi", "100m", "128Mi");
    return {
        driver: { kind: "modern_ebpf", loader: { initContainer: { resources: falcoctl } } },
        customRules: { "rules-custom.yaml": renderFalcoCustomRules() },
        resources: resources("100m", "512Mi", "1000m", "1024Mi"),
        falcoctl: { artifact: { install: { resources: falcoctl }, follow: { resources: falcoctl } } },
        ...(events ? { falcosidekick: falcosidekickValues(events) } : {}),
    };
}

/** Arguments of Falco. */
export interface FalcoArgs {
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /**
     * Where falcosidekick sends events; without it there is no falcosidekick. `lokiPushUrl` may be a
     * stack output (mgmt's ingest URL); `vaultRootCaPem`, when given, is mounted for its TLS.
     */
    events?: {
        clusterName: string;
        lokiPushUrl: pulumi.Input<string>;
        alertmanagerUrl?: string;
        vaultRootCaPem?: pulumi.Input<string>;
    };
    /** With `events`: what the sidekick needs running first (Loki and its relay on mgmt). */
    eventsAfter?: pulumi.Resource[];
}

/** Falco in one cluster. */
export class Falco extends pulumi.ComponentResource {
    /** Name of the release's namespace. */
    public readonly namespace: string;
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: FalcoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:Falco", name, {}, opts);
        const events = args.events;
        const k8sOpts = { parent: this, provider: args.provider };
        // Privileged: the eBPF probe runs privileged with hostPID and host /proc, /sys and the
        // container runtime socket; no lower PSS level allows that. Created here rather than by
        // pinnedRelease so the sidekick's CA ConfigMap can exist before the release.
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: namespaceMetadata({ privileged: PRIVILEGED_NAMESPACES.falco }) }, k8sOpts);
        const before: pulumi.Resource[] = [ns];
        if (events?.vaultRootCaPem) {
            before.push(
                new k8s.core.v1.ConfigMap(
                    `${name}-sidekick-ca`,
                    { metadata: { name: FALCO_CA_CONFIGMAP, namespace: FALCO_NAMESPACE }, data: { "ca.crt": events.vaultRootCaPem } },
                    { ...k8sOpts, dependsOn: [ns] },
                ),
            );
        }
        const values = events
            ? pulumi.output(events.lokiPushUrl).apply((lokiPushUrl) =>
                  falcoValues({
                      clusterName: events.clusterName,
                      lokiPushUrl,
                      alertmanagerUrl: events.alertmanagerUrl,
                      trustVaultCa: !!events.vaultRootCaPem,
                  }),
              )
            : falcoValues();
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.falco,
                releaseName: "falco",
                namespace: { existing: FALCO_NAMESPACE },
                values,
                provider: args.provider,
                after: [...args.after, ...before, ...(events ? (args.eventsAfter ?? []) : [])],
            },
            this,
        );
        this.namespace = namespace;
        this.release = release;
        this.registerOutputs({ namespace, release: release.status });
    }
}
