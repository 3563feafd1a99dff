/**
 * EtcdBackup: etcd snapshots on every control-plane node (seed 001 §15.0, seed 002 H), every 6 h,
 * kept 14 days, each checked with `etcdutl snapshot status` and copied to S3 (bucket `velero`,
 * prefix `etcd/<cluster>/<node>/`), so losing a node does not lose its snapshots.
 *
 * - One step per control-plane node, right after the KubeadmCluster: this is the node bootstrap of
 *   the etcd backup (the VM bootstrap runs before the node is a control-plane member, and the script
 *   needs the member's etcd container). A rebuilt machine gets the step again (trigger).
 * - etcdctl/etcdutl are not installed: the script runs them in the etcd container kubeadm runs
 *   (`crictl exec`), so they are always the running member's version, with no second download to pin.
 *   The restore (tools/dr/etcd-restore.sh), which runs when etcd is down, runs etcdutl from the same
 *   image with `ctr run`.
 * - The seed's script (etcdctl snapshot save, 7 days, local only) is outdated: etcd 3.6 removed
 *   `etcdctl snapshot status` and `snapshot restore` (they are etcdutl's), and a local copy dies with
 *   the node.
 * - The S3 credential (Vault `platform/shared/s3-velero`) reaches the node only through an
 *   ExternalSecret into kube-system, read at run time with the node's admin.conf; no Pulumi input
 *   carries it, so the steps are not secret and log normally.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExternalSecretArgs, platformExternalSecret } from "../lib/external-secret";
import { ClusterNode } from "../kubeadm-cluster";
import { CREDENTIAL_FIELDS, credentialPath, S3_REGION } from "../object-storage/consumers";
import { NodeConnection } from "../vm-node/connection";
import { NODE_STEPS_OUTPUT, nodeCommand, NodeStepRecord } from "../vm-node/node-command";
import { backupFiles, BackupNodeValues, CREDENTIALS_SECRET, renderInstallScript, renderRemoveScript, SNAPSHOT_COMMAND } from "./files";

export { SNAPSHOT_COMMAND } from "./files";

export const ETCD_BACKUP_TYPE = "platform:backup:EtcdBackup";

/** The ExternalSecret that copies Velero's S3 credential (shared by every cluster) into kube-system for the script. */
export function credentialsExternalSecretArgs(clusterName: string): ExternalSecretArgs {
    return {
        ...CREDENTIALS_SECRET,
        data: CREDENTIAL_FIELDS.map((field) => ({ secretKey: field, path: credentialPath(clusterName, "velero"), property: field })),
    };
}

/** Arguments of an EtcdBackup. */
export interface EtcdBackupArgs {
    /** `cluster.name`: the S3 prefix `etcd/<cluster>/<node>/`. */
    clusterName: string;
    /** Every control-plane node (KubeadmCluster.controlPlaneNodes). */
    controlPlanes: ClusterNode[];
    /** How nodes are reached (`backend.kind`); the Command type is chosen before connections resolve. */
    backendKind: NodeConnection["kind"];
    /** mgmt's S3 endpoint, https://<serviceIps.s3> (path-style). */
    s3Endpoint: pulumi.Input<string>;
    /** Vault's PKI root CA (PEM): the S3 certificate chains to it. */
    rootCaPem: pulumi.Input<string>;
    /** Provider of this cluster, for the ExternalSecret. */
    provider: k8s.Provider;
    /** This cluster's `vault-backend` ClusterSecretStore (ExternalSecrets.store). */
    secretStore: pulumi.Resource;
    /** What must be up first: the KubeadmCluster. */
    after: pulumi.Input<pulumi.Resource>[];
}

/** Snapshots of every control-plane node's etcd, on a timer, to local disk and S3. */
export class EtcdBackup extends pulumi.ComponentResource {
    /** The snapshot command on every control-plane node (the upgrade runs it first). */
    public readonly snapshotCommand: string;

    constructor(name: string, args: EtcdBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ETCD_BACKUP_TYPE, name, {}, opts);
        if (args.controlPlanes.length === 0) {
            throw new Error(`EtcdBackup ${name}: needs the cluster's control-plane nodes`);
        }
        this.snapshotCommand = SNAPSHOT_COMMAND;
        platformExternalSecret(`${name}-s3-credentials`, credentialsExternalSecretArgs(args.clusterName), {
            parent: this,
            provider: args.provider,
            dependsOn: [args.secretStore],
        });

        const records: Record<string, pulumi.Output<NodeStepRecord>> = {};
        for (const node of args.controlPlanes) {
            const resource = `${name}-install-${node.nodeName}`;
            const files = pulumi
                .all([args.s3Endpoint, args.rootCaPem])
                .apply(([s3Endpoint, caPem]) =>
                    backupFiles({ clusterName: args.clusterName, node: node.nodeName, s3Endpoint, region: S3_REGION, caPem } satisfies BackupNodeValues),
                );
            const install = files.apply(renderInstallScript);
            nodeCommand(
                resource,
                {
                    connection: node.connection,
                    kind: args.backendKind,
                    // Nothing secret travels: the credential is read on the node when a snapshot runs.
                    secret: false,
                    create: install,
                    update: install,
                    delete: renderRemoveScript(),
                    triggers: [node.identity],
                },
                { parent: this, dependsOn: [...args.after, node] },
            );
            records[`install-${node.nodeName}`] = pulumi.all([files, install]).apply(([f, script]) => ({
                resource,
                node: node.nodeName,
                files: f,
                scripts: { create: script, update: script, delete: renderRemoveScript() },
            }));
        }

        this.registerOutputs({ snapshotCommand: this.snapshotCommand, [NODE_STEPS_OUTPUT]: pulumi.all(records) });
    }
}
