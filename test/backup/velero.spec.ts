// Velero: the values against chart 12.1.0's values.schema.json (merged over its defaults, as Helm
// validates) and its values.yaml keys, the Schedules and BackupStorageLocation as the chart renders
// them against the Velero CRDs, and the credentials ExternalSecret. Pure functions only.
import { strict as assert } from "assert";
import { coalesce, unknownKeys } from "../support/chart-values";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { externalSecretSpec } from "../../components/lib/external-secret";
import {
    credentialsExternalSecretArgs,
    CRITICAL_NAMESPACES,
    renderedBackupStorageLocation,
    renderedSchedules,
    VELERO_NAMESPACE,
    veleroSchedules,
    veleroValues,
    VeleroValuesArgs,
} from "../../components/velero";
import { CHARTS, IMAGES } from "../../config/versions";
import { chartSchemaValidator, errorsOf, requireSchemas, SCHEMAS, strictCrdValidator } from "../networking/helpers";

const CHART_DIR = `charts/${CHARTS.velero.chart}-${CHARTS.velero.version}`;
const ROOT_CA = "-----BEGIN CERTIFICATE-----\nplatform-root-ca\n-----END CERTIFICATE-----\n";
const MGMT: VeleroValuesArgs = { clusterName: "mgmt", s3Endpoint: "https://192.168.64.202/", rootCaPem: ROOT_CA, criticalNamespaces: [...CRITICAL_NAMESPACES] };
const APP: VeleroValuesArgs = { ...MGMT, clusterName: "app1", criticalNamespaces: ["monitoring"] };
/** Where the values set requests and limits: server, node agent, plugin init container, hook Job (RESOURCE_PATHS for the lead). */
const RESOURCE_PATHS = ["resources", "nodeAgent.resources", "initContainers.0.resources", "upgradeJobResources", "kubectl.resources"];

function get(value: any, dotted: string): any {
    return dotted.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

describe("Velero: chart values (velero 12.1.0)", function () {
    let defaults: any;
    before(function () {
        requireSchemas(this);
        defaults = parse(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.yaml"), "utf8"));
    });

    it("validate, merged over the chart's defaults, against its values.schema.json, which catches a wrong type", () => {
        const validate = chartSchemaValidator(`${CHART_DIR}/values.schema.json`);
        for (const args of [MGMT, APP]) {
            assert.ok(validate(coalesce(defaults, veleroValues(args))), errorsOf(validate));
        }
        assert.equal(validate(coalesce(defaults, { ...veleroValues(MGMT), deployNodeAgent: "yes" })), false);
    });

    it("set only keys of the chart's values.yaml (global.podResources is the documented, commented-out key)", () => {
        const open = ["configuration.repositoryMaintenanceJob.repositoryConfigData.global"];
        assert.deepEqual(unknownKeys(veleroValues(MGMT), defaults, open), []);
        assert.deepEqual(unknownKeys({ ...veleroValues(MGMT), nodeAgnet: {} }, defaults, open), ["nodeAgnet"], "a misspelt key is caught");
        assert.match(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.yaml"), "utf8"), /#\s+podResources:\n\s*#\s+cpuRequest:/);
    });

    it("set requests and limits on every container the chart runs with these values, at paths the chart reads", () => {
        const values = veleroValues(MGMT);
        for (const at of RESOURCE_PATHS) {
            const top = at.split(".")[0];
            assert.ok(top in defaults, `${top} is not a key of values.yaml`);
            for (const kind of ["requests", "limits"]) {
                assert.ok(get(values, `${at}.${kind}.cpu`) && get(values, `${at}.${kind}.memory`), `${at}.${kind}`);
            }
        }
        const maintenance = values.configuration as any;
        assert.deepEqual(Object.keys(maintenance.repositoryMaintenanceJob.repositoryConfigData.global.podResources).sort(), [
            "cpuLimit",
            "cpuRequest",
            "memoryLimit",
            "memoryRequest",
        ]);
    });

    it("runs the pinned AWS plugin as the plugins init container, kopia node agent, no volume snapshots, and the Vault-fed credential", () => {
        const values: any = veleroValues(MGMT);
        assert.deepEqual(
            values.initContainers.map((c: any) => [c.name, c.image, c.volumeMounts]),
            [["velero-plugin-for-aws", IMAGES.veleroPluginForAws, [{ mountPath: "/target", name: "plugins" }]]],
        );
        assert.match(IMAGES.veleroPluginForAws, /:v1\.14\.\d+$/, "plugin 1.14.x is the line for Velero 1.18");
        assert.equal(values.snapshotsEnabled, false);
        assert.equal(values.deployNodeAgent, true);
        assert.equal(values.configuration.uploaderType, "kopia");
        assert.equal(values.configuration.defaultVolumesToFsBackup, true);
        assert.deepEqual(values.credentials, { useSecret: true, existingSecret: "velero-credentials" });
        assert.doesNotMatch(JSON.stringify(values), /aws_secret_access_key|secretContents/);
    });
});

describe("Velero: the BackupStorageLocation and Schedules the chart renders, against the Velero CRDs", function () {
    before(function () {
        requireSchemas(this);
    });

    it("the BackupStorageLocation: aws, bucket velero, prefix = cluster, path-style, mgmt's endpoint, us-east-1, Vault's root CA", () => {
        const bsl = renderedBackupStorageLocation(veleroValues(APP));
        const validate = strictCrdValidator("velero.io/v1", "BackupStorageLocation")!;
        assert.ok(validate(bsl), errorsOf(validate));
        assert.equal(bsl.spec.provider, "aws");
        assert.deepEqual({ ...bsl.spec.objectStorage, caCert: undefined }, { bucket: "velero", prefix: "app1", caCert: undefined });
        assert.equal(Buffer.from(bsl.spec.objectStorage.caCert, "base64").toString(), ROOT_CA);
        assert.deepEqual(bsl.spec.config, { region: "us-east-1", s3ForcePathStyle: "true", s3Url: "https://192.168.64.202", checksumAlgorithm: "" });
        assert.equal(bsl.spec.default, true);
        assert.equal(validate({ ...bsl, spec: { ...bsl.spec, objectStorage: { ...bsl.spec.objectStorage, bucket: undefined } } }), false, "no bucket fails");
    });

    it("the Schedules: daily 02:00 kept 720h for all but kube-system and velero, hourly kept 168h for the critical namespaces", () => {
        const validate = strictCrdValidator("velero.io/v1", "Schedule")!;
        const schedules = renderedSchedules(veleroValues(MGMT));
        for (const s of schedules) {
            assert.ok(validate(s), `${s.metadata.name}: ${errorsOf(validate)}`);
            assert.equal(s.metadata.namespace, VELERO_NAMESPACE);
        }
        const byName = Object.fromEntries(schedules.map((s) => [s.metadata.name, s.spec]));
        assert.deepEqual(Object.keys(byName), ["velero-daily", "velero-hourly-critical"]);
        assert.equal(byName["velero-daily"].schedule, "0 2 * * *");
        assert.equal(byName["velero-daily"].template.ttl, "720h");
        assert.deepEqual(byName["velero-daily"].template.includedNamespaces, ["*"]);
        assert.deepEqual(byName["velero-daily"].template.excludedNamespaces, ["kube-system", "velero"]);
        assert.equal(byName["velero-hourly-critical"].schedule, "0 * * * *");
        assert.equal(byName["velero-hourly-critical"].template.ttl, "168h");
        assert.deepEqual(byName["velero-hourly-critical"].template.includedNamespaces, ["vault", "keycloak", "monitoring"]);
        const app = renderedSchedules(veleroValues(APP)).find((s) => s.metadata.name === "velero-hourly-critical")!;
        assert.deepEqual(app.spec.template.includedNamespaces, ["monitoring"], "only the critical namespaces that exist there");
        assert.deepEqual(Object.keys(veleroSchedules([])), ["daily"], "no hourly schedule without a critical namespace");
        const typo = { ...schedules[0], spec: { ...schedules[0].spec, template: { ...schedules[0].spec.template, tll: "720h" } } };
        assert.equal(validate(typo), false, "a misspelt template field fails the CRD");
    });
});

describe("Velero: the credentials ExternalSecret", () => {
    const spec = externalSecretSpec(credentialsExternalSecretArgs("app2"));

    it("validates against the ESO CRD and reads the shared velero credential's two fields", function () {
        requireSchemas(this);
        const validate = strictCrdValidator("external-secrets.io/v1", "ExternalSecret")!;
        assert.ok(validate(spec), errorsOf(validate));
        assert.deepEqual(
            spec.spec.data.map((d: any) => [d.secretKey, d.remoteRef.key, d.remoteRef.property]),
            [
                ["accessKeyId", "platform/shared/s3-velero", "accessKeyId"],
                ["secretAccessKey", "platform/shared/s3-velero", "secretAccessKey"],
            ],
        );
        assert.equal(spec.metadata.namespace, "velero");
        assert.equal(spec.spec.target.deletionPolicy, "Retain");
    });

    it("renders the AWS credentials file under `cloud`, the key the chart mounts", () => {
        const rendered = (spec.spec.target.template.data.cloud as string).replace(
            /\{\{ \.(\w+) \}\}/g,
            (_, k) => ({ accessKeyId: "AK", secretAccessKey: "SK" })[k as "accessKeyId"],
        );
        assert.equal(rendered, "[default]\naws_access_key_id=AK\naws_secret_access_key=SK\n");
    });
});
