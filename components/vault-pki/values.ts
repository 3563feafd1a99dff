/**
 * Values of the Vault chart (hashicorp/vault-helm 0.34.1, Vault 2.0.4; values.yaml of the tag):
 * one raft server with its data on a Retain volume, a TLS listener, and one LoadBalancer Service
 * on the fixed Vault IP.
 */
import { METALLB_ANNOTATIONS, servicePoolName } from "../metallb";
import { ContainerResources, resources } from "../lib/pinned-release";
import { VAULT_SERVICE } from "../lib/trust";

/** Helm's release name; the chart names its objects after it (StatefulSet `vault`, pod `vault-0`, Services `vault`, `vault-active`, `vault-internal`, `vault-ui`). */
export const VAULT_RELEASE = VAULT_SERVICE.name;

/** The Kubernetes TLS Secret holding the listener's certificate, key and CA. */
export const VAULT_TLS_SECRET = "vault-tls";

/** Where the Secret is mounted in the server container. */
export const VAULT_TLS_DIR = "/vault/userconfig/vault-tls";

/** The server's requests and limits (one pod; the capacity report sums them). */
export const VAULT_RESOURCES: ContainerResources = resources("100m", "256Mi", "500m", "512Mi");

/** Arguments of `vaultValues`. */
export interface VaultValuesArgs {
    /** Cluster name, for MetalLB's service pool. */
    clusterName: string;
    /** The fixed LoadBalancer IP (config `network.serviceIps.vault`). */
    vaultIp: string;
    /** StorageClass of the raft volume ("local-path-retain"). */
    storageClass: string;
}

/**
 * Vault's server config (HCL). TLS from the mounted Secret; `disable_mlock` because the container
 * runs without IPC_LOCK (restricted PSA drops every capability) and raft's mmap'd store is not
 * mlock-able anyway (Vault docs, "Integrated storage": disable_mlock is recommended). The chart
 * sets api_addr, cluster_addr and the raft node id (VAULT_RAFT_NODE_ID = pod name) itself.
 */
export function raftConfig(): string {
    return [
        "ui = true",
        "disable_mlock = true",
        "",
        'listener "tcp" {',
        '  address         = "[::]:8200"',
        '  cluster_address = "[::]:8201"',
        `  tls_cert_file   = "${VAULT_TLS_DIR}/tls.crt"`,
        `  tls_key_file    = "${VAULT_TLS_DIR}/tls.key"`,
        "}",
        "",
        'storage "raft" {',
        '  path = "/vault/data"',
        "}",
        "",
        'service_registration "kubernetes" {}',
        "",
    ].join("\n");
}

/**
 * Chart values. Choices that are not the chart's defaults:
 * - `server.ha` with raft and one replica (upstream-facts §5): the standalone mode stores in `file`.
 * - The LoadBalancer is the chart's `ui` Service (`vault-ui`), not `server.service.type`: the
 *   latter's type and annotations go to `vault`, `vault-active` and `vault-standby` alike
 *   (server-service.yaml, server-ha-active-service.yaml), three LoadBalancers asking MetalLB for
 *   one IP. `activeVaultPodOnly: false` and `publishNotReadyAddresses`, because a sealed pod is
 *   neither ready nor labelled active, and the init and unseal steps must reach it.
 * - The pod and container securityContexts spelled out to meet PSA `restricted`: the chart's
 *   defaults (non-root uid 100, gid 1000, no privilege escalation) lack the seccomp profile and
 *   the dropped capabilities. The chart sets SKIP_SETCAP, so Vault needs no capability.
 * - The injector is off: nothing uses sidecar injection (External Secrets reads Vault).
 */
export function vaultValues(args: VaultValuesArgs): Record<string, unknown> {
    return {
        global: { tlsDisable: false },
        injector: { enabled: false },
        server: {
            resources: VAULT_RESOURCES,
            // The in-pod CLI (readiness probe, `kubectl exec vault-0 -- vault ...`) talks to 127.0.0.1 over TLS.
            extraEnvironmentVars: { VAULT_CACERT: `${VAULT_TLS_DIR}/ca.crt` },
            volumes: [{ name: "tls", secret: { secretName: VAULT_TLS_SECRET, defaultMode: 0o440 } }],
            volumeMounts: [{ name: "tls", mountPath: VAULT_TLS_DIR, readOnly: true }],
            dataStorage: { enabled: true, storageClass: args.storageClass },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            standalone: { enabled: false },
            ha: { enabled: true, replicas: 1, raft: { enabled: true, setNodeId: true, config: raftConfig() } },
            statefulSet: {
                securityContext: {
                    pod: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            },
        },
        ui: {
            enabled: true,
            serviceType: "LoadBalancer",
            externalPort: VAULT_SERVICE.port,
            targetPort: VAULT_SERVICE.port,
            activeVaultPodOnly: false,
            publishNotReadyAddresses: true,
            annotations: { [METALLB_ANNOTATIONS.pool]: servicePoolName(args.clusterName), [METALLB_ANNOTATIONS.ips]: args.vaultIp },
        },
    };
}
