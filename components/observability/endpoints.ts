/**
 * Names of mgmt's observability Services and of the ingest endpoint the app clusters send to,
 * shared by metrics (O1), logs/traces (O2) and Grafana/alerts (O3), so each is spelled once.
 *
 * Ingest: one LAN address (`network.serviceIps.ingest`) carries Thanos Receive's remote write
 * (19291), Loki's push API (3100) and OTLP (4317 gRPC, 4318 http). Each port is its own
 * LoadBalancer Service; MetalLB puts them on one IP because they carry the same sharing key, ask
 * for the same address and use `externalTrafficPolicy: Cluster` (metallb.io "Usage", IP address
 * sharing). All three speak TLS with a `vault-issuer` certificate whose IP SAN is the ingest IP;
 * senders trust Vault's PKI root CA (`vaultRootCaPem`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { CertificateArgs, platformCertificate } from "../lib/certificate";
import { METALLB_ANNOTATIONS, servicePoolName } from "../metallb";

/** Namespace of Prometheus, Alertmanager, Thanos (and Grafana). */
export const MONITORING_NAMESPACE = PRIVILEGED_NAMESPACES.monitoring.namespace;
/** Namespace of Loki and the log shipper. */
export const LOGGING_NAMESPACE = PRIVILEGED_NAMESPACES.logging.namespace;

/** kube-prometheus-stack's `fullnameOverride`: its Services are `<this>-prometheus`, `<this>-alertmanager`. */
export const PROMETHEUS_STACK_FULLNAME = "kube-prometheus";
/** Helm release name of Thanos; the chart names its objects `thanos-<component>` (stevehipwell thanos `thanos.fullname`). */
export const THANOS_RELEASE = "thanos";

/** `<service>.<namespace>.svc.cluster.local`. */
function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/** Thanos Query's http API (chart `query.service.httpPort` 10902): Grafana's default datasource. */
export const THANOS_QUERY_URL = `http://${serviceHost(`${THANOS_RELEASE}-query`, MONITORING_NAMESPACE)}:10902`;
/** Alertmanager of kube-prometheus-stack (`alertmanager.service.port` 9093). */
export const ALERTMANAGER_URL = `http://${serviceHost(`${PROMETHEUS_STACK_FULLNAME}-alertmanager`, MONITORING_NAMESPACE)}:9093`;
/** mgmt's own Prometheus (`prometheus.service.port` 9090), for a "last 2 days, this cluster" datasource. */
export const PROMETHEUS_URL = `http://${serviceHost(`${PROMETHEUS_STACK_FULLNAME}-prometheus`, MONITORING_NAMESPACE)}:9090`;

/** Ports of the ingest address. */
export const INGEST_PORTS = { remoteWrite: 19291, lokiPush: 3100, otlpGrpc: 4317, otlpHttp: 4318 } as const;

/** Where the app clusters send: TLS everywhere (the gRPC one is host:port, as OTLP exporters take it). */
export interface IngestUrls {
    /** Thanos Receive's Prometheus remote-write endpoint. */
    remoteWrite: string;
    /** Loki's push API. */
    lokiPush: string;
    /** OTLP over gRPC, `<ip>:4317` (TLS on; the exporter's `tls.ca_file` names the Vault root CA). */
    otlpGrpc: string;
    /** OTLP over http, base URL (the exporter appends `/v1/traces`). */
    otlpHttp: string;
}

/** The ingest URLs for mgmt's ingest IP (from mgmt's stack outputs, never a literal). */
export function ingestUrls(ingestIp: string): IngestUrls {
    return {
        remoteWrite: `https://${ingestIp}:${INGEST_PORTS.remoteWrite}/api/v1/receive`,
        lokiPush: `https://${ingestIp}:${INGEST_PORTS.lokiPush}/loki/api/v1/push`,
        otlpGrpc: `${ingestIp}:${INGEST_PORTS.otlpGrpc}`,
        otlpHttp: `https://${ingestIp}:${INGEST_PORTS.otlpHttp}`,
    };
}

/** MetalLB's sharing-key annotation. */
export const ALLOW_SHARED_IP_ANNOTATION = "metallb.io/allow-shared-ip";
/** The sharing key of the three ingest Services. */
export const INGEST_SHARING_KEY = "ingest";

/** Annotations of every ingest LoadBalancer Service: the ingest IP, mgmt's fixed-IP pool, the sharing key. */
export function ingestServiceAnnotations(clusterName: string, ingestIp: string): Record<string, string> {
    return {
        [METALLB_ANNOTATIONS.ips]: ingestIp,
        [METALLB_ANNOTATIONS.pool]: servicePoolName(clusterName),
        [ALLOW_SHARED_IP_ANNOTATION]: INGEST_SHARING_KEY,
    };
}

/**
 * The TLS Secret every ingest server mounts. A cert-manager Secret lives in its Certificate's
 * namespace only, so each namespace with an ingest server gets its own Certificate of the same
 * names: `monitoring` (Thanos Receive, here) and `logging` (Loki, O2; the OTLP collector uses
 * the one of its own namespace).
 */
export const INGEST_TLS_SECRET = "ingest-tls";

/** The ingest certificate's names: the ingest IP and its name on the lab's domain (names the `k8s-certs` role allows). */
export function ingestCertificateArgs(clusterName: string, ingestIp: string, namespace: string = MONITORING_NAMESPACE): CertificateArgs {
    return {
        name: INGEST_TLS_SECRET,
        namespace,
        secretName: INGEST_TLS_SECRET,
        dnsNames: [`ingest.${clusterName}.local.dev`],
        ipAddresses: [ingestIp],
    };
}

/** Creates the ingest Certificate in `namespace`; pass the issuer (and the namespace) in `opts.dependsOn`. */
export function ingestCertificate(
    name: string,
    clusterName: string,
    ingestIp: string,
    namespace: string,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return platformCertificate(name, ingestCertificateArgs(clusterName, ingestIp, namespace), opts);
}

/** The ConfigMap with Vault's PKI root CA that ingest senders and S3 clients mount (each namespace its own copy). */
export const ROOT_CA_CONFIGMAP = "vault-root-ca";
/** Its key. */
export const ROOT_CA_KEY = "ca.crt";

/** The root-CA ConfigMap in `namespace`; the PEM is public, so a ConfigMap (not a Secret) is right. */
export function rootCaConfigMap(
    namespace: string,
    rootCaPem: pulumi.Input<string>,
): { metadata: { name: string; namespace: string }; data: Record<string, pulumi.Input<string>> } {
    return { metadata: { name: ROOT_CA_CONFIGMAP, namespace }, data: { [ROOT_CA_KEY]: rootCaPem } };
}

/** Where a consumer writes on mgmt's S3 endpoint (components/object-storage). */
export interface S3Target {
    /** ObjectStorage's in-cluster endpoint, `https://s3.object-storage.svc.cluster.local`. */
    endpoint: string;
    /** The region every client signs with (ObjectStorage.region). */
    region: string;
    /** The consumer's bucket. */
    bucket: string;
    /** The consumer's credential in Vault's KV (fields accessKeyId, secretAccessKey). */
    credentialPath: string;
}

/** The endpoint's host (the S3 clients of Thanos, Loki and Tempo take host[:port] and speak https unless told `insecure`); refuses plain http. */
export function s3Host(endpoint: string): string {
    const url = new URL(endpoint);
    if (url.protocol !== "https:") {
        throw new Error(`S3 endpoint ${endpoint} is not https; the platform's S3 speaks TLS only`);
    }
    return url.host;
}
