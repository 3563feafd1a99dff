/**
 * Backup (issue 11; seed 001 §15): etcd snapshots on every control-plane node and Velero on every
 * cluster, both into mgmt's S3 bucket `velero` (a prefix per cluster), with credentials from Vault.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/model";
import { EtcdBackup } from "../components/etcd-backup";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { CRITICAL_NAMESPACES, Velero } from "../components/velero";
import { BuiltNetworking } from "./networking";
import { BuiltTrust } from "./trust";

/** The etcd snapshots and Velero of one cluster. */
export interface BuiltBackup {
    etcd: EtcdBackup;
    velero: Velero;
}

/**
 * Backups of `cluster` to `s3Endpoint` (mgmt's, from its outputs on app clusters). Velero's hourly
 * schedule covers the critical namespaces this cluster has (`present`).
 */
export function deployBackup(
    config: StackConfig,
    cluster: KubeadmCluster,
    networking: BuiltNetworking,
    trust: BuiltTrust,
    s3Endpoint: pulumi.Input<string>,
    present: { namespaces: string[]; after: pulumi.Resource[] },
): BuiltBackup {
    const { name } = config;
    const common = {
        clusterName: name,
        provider: cluster.provider,
        s3Endpoint,
        rootCaPem: trust.roots.vaultRootCaPem,
        secretStore: trust.cluster.externalSecrets.store,
    };
    const etcd = new EtcdBackup(`${name}-etcd-backup`, {
        ...common,
        controlPlanes: cluster.controlPlaneNodes,
        backendKind: config.backend.kind,
        after: [cluster],
    });
    const velero = new Velero(`${name}-velero`, {
        ...common,
        criticalNamespaces: CRITICAL_NAMESPACES.filter((ns) => present.namespaces.includes(ns)),
        after: [...networking.ready, ...present.after],
    });
    return { etcd, velero };
}
