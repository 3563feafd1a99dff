// EtcdBackup and Velero under the offline mocks (one program run, test/backup/fixtures/program.ts):
// what each registers, in which order, that no credential travels in an input, and the policy
// pack's verdict on them.
import { strict as assert } from "assert";
import * as path from "path";
import { CHARTS } from "../../config/versions";
import { PSA_LABEL_PREFIX } from "../../policy-pack/conventions";
import { evaluatePolicies, PlannedResource } from "../../policy-pack/evaluate";
import { unwrapSecrets } from "../../tools/offline/record";
import { findResource, OkRun, sharedTestProgram } from "../support/offline";
import { CLUSTER, CONTROL_PLANES, ROOT_CA_PEM } from "./fixtures/constants";

const COMMAND = "command:local:Command";
const ES = "kubernetes:external-secrets.io/v1:ExternalSecret";

describe("EtcdBackup and Velero under the offline mocks", function () {
    let run: OkRun;
    let revealed: PlannedResource[];
    const urnOf = (type: string, name: string) => findResource(run.resources, type, name).urn;
    before(async function () {
        run = await sharedTestProgram(path.join(__dirname, "fixtures", "program.ts"));
        revealed = run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs, "reveal") as Record<string, unknown> }));
    });

    it("EtcdBackup: one install step per control-plane node, after the cluster and its node, replaced with the machine, not secret", () => {
        const component = urnOf("platform:backup:EtcdBackup", "mgmt-etcd-backup");
        const steps = run.resources.filter((r) => r.type === COMMAND && r.parent === component);
        assert.deepEqual(
            steps.map((s) => s.name),
            CONTROL_PLANES.map((n) => `mgmt-etcd-backup-install-${n}`),
        );
        for (const [i, step] of steps.entries()) {
            assert.ok(step.dependencies.includes(urnOf("kubernetes:core/v1:ConfigMap", "cluster-stand-in")), step.name);
            assert.ok(step.dependencies.includes(urnOf("random:index/randomId:RandomId", `${CONTROL_PLANES[i]}-machine`)), `${step.name} waits for its node`);
            assert.equal(step.inputs.logging, undefined, "no secret in it, so its output is logged");
            assert.deepEqual(step.inputs.triggers, [`machine-${CONTROL_PLANES[i]}`]);
            const stdin = unwrapSecrets(step.inputs.stdin, "reveal") as string;
            assert.match(stdin, /systemctl enable --now platform-etcd-snapshot\.timer/);
            assert.match(stdin, new RegExp(`PREFIX='etcd/${CLUSTER}/${CONTROL_PLANES[i]}'`));
            assert.ok(stdin.includes(ROOT_CA_PEM), "the CA file is Vault's root CA");
            assert.match(stdin, /platform_delete\(\)/, "a delete that removes the timer");
        }
        const recorded = unwrapSecrets(findResource(run.resources, "platform:backup:EtcdBackup", "mgmt-etcd-backup").outputs, "reveal") as any;
        assert.deepEqual(
            Object.keys(recorded.nodeSteps),
            CONTROL_PLANES.map((n) => `install-${n}`),
        );
        assert.equal(recorded.snapshotCommand, "/usr/local/sbin/platform-etcd-snapshot");
        assert.equal(run.outputs.snapshotCommand.value, "/usr/local/sbin/platform-etcd-snapshot");
    });

    it("EtcdBackup: the S3 credential comes from Vault into kube-system through the store, and no input carries it", () => {
        const es = findResource(run.resources, ES, "mgmt-etcd-backup-s3-credentials");
        assert.deepEqual(es.inputs.metadata as any, { name: "etcd-backup-s3", namespace: "kube-system" });
        assert.ok(es.dependencies.includes(urnOf("kubernetes:external-secrets.io/v1:ClusterSecretStore", "store")));
        assert.deepEqual(
            (es.inputs.spec as any).data.map((d: any) => d.remoteRef.key),
            ["platform/shared/s3-velero", "platform/shared/s3-velero"],
        );
    });

    it("Velero: a privileged namespace with its exemption, the credentials ExternalSecret in it, then the pinned release", () => {
        const ns = findResource(run.resources, "kubernetes:core/v1:Namespace", "mgmt-velero-namespace");
        const meta = ns.inputs.metadata as any;
        assert.equal(meta.name, "velero");
        assert.equal(meta.labels[`${PSA_LABEL_PREFIX}enforce`], "privileged");
        assert.ok(Object.keys(meta.annotations).some((k) => k.endsWith("reason")));
        const es = findResource(run.resources, ES, "mgmt-velero-credentials");
        assert.ok(es.dependencies.includes(ns.urn));
        assert.ok(es.dependencies.includes(urnOf("kubernetes:external-secrets.io/v1:ClusterSecretStore", "store")));
        const release = findResource(run.resources, "kubernetes:helm.sh/v3:Release", "mgmt-velero-release");
        assert.equal(release.inputs.chart, CHARTS.velero.chart);
        assert.equal(release.inputs.version, CHARTS.velero.version);
        assert.equal(release.inputs.namespace, "velero");
        for (const dep of [ns.urn, es.urn, urnOf("kubernetes:core/v1:ConfigMap", "cni-stand-in")]) {
            assert.ok(release.dependencies.includes(dep), dep);
        }
        const values = release.inputs.values as any;
        assert.equal(values.configuration.backupStorageLocation[0].prefix, CLUSTER);
        assert.deepEqual(Object.keys(values.schedules), ["daily", "hourly-critical"]);
        assert.equal(run.outputs.backupLocation.value, "s3://velero/mgmt/");
    });

    it("nothing registered holds a credential, and the pack passes the namespace, the ExternalSecrets and the release", () => {
        assert.doesNotMatch(JSON.stringify(revealed), /aws_secret_access_key=[^{]|AKIA/);
        const mine = revealed.filter((r) => !r.type.startsWith("test:") && !["cluster-stand-in", "cni-stand-in", "store", "cluster"].includes(r.name));
        const policies = ["namespace-psa-labels", "external-secret-lifecycle", "helm-chart-pinned", "no-latest-image-tag"];
        assert.deepEqual(evaluatePolicies(mine, { policyNames: policies }), []);
        const unpinned = mine.map((r) => (r.name === "mgmt-velero-release" ? { ...r, inputs: { ...r.inputs, version: undefined } } : r));
        assert.ok(evaluatePolicies(unpinned, { policyNames: ["helm-chart-pinned"] }).length > 0, "an unpinned chart must be flagged");
    });
});
