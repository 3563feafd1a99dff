// ExternalSecrets: the pinned chart's values against its JSON Schema 2020-12, the vault-backend
// ClusterSecretStore against the upstream CRD, and what the component registers under the mocks.
import { strict as assert } from "assert";
// The chart's schema declares JSON Schema 2020-12 (../shared/schemas/charts/SOURCE.txt); ajv's default build is draft-07.
import Ajv2020 from "ajv/dist/2020";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
    clusterSecretStoreSpec,
    ESO_NAMESPACE,
    ESO_SERVICE_ACCOUNT,
    ESO_VAULT_AUDIENCES,
    ESO_VAULT_ROLE,
    externalSecretsValues,
} from "../../components/external-secrets";
import { CLUSTER_SECRET_STORE, KV_MOUNT } from "../../components/lib/trust";
import { CHARTS } from "../../config/versions";
import { PSA_LABEL_PREFIX } from "../../policy-pack/conventions";
import { unwrapSecrets } from "../../tools/offline/record";
import { findResource, OkRun, sharedTestProgram } from "../support/offline";
import { errorsOf, requireSchemas, SCHEMAS, strictCrdValidator } from "../networking/helpers";
import { CLUSTER, VAULT_ADDRESS, VAULT_CA_PEM } from "./object-storage-fixtures/constants";

const CHART_DIR = `charts/${CHARTS.externalSecrets.chart}-${CHARTS.externalSecrets.version}`;
const plain = (o: unknown): any => JSON.parse(JSON.stringify(o));

function get(value: any, dotted: string): any {
    return dotted.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

describe("ExternalSecrets: chart values (external-secrets 2.9.0)", function () {
    let validate: ReturnType<Ajv2020["compile"]>;
    let defaults: any;
    before(function () {
        requireSchemas(this);
        const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.schema.json"), "utf8"));
        assert.match(schema.$schema, /2020-12/);
        validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
        defaults = parse(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.yaml"), "utf8"));
    });

    it("validates against the chart's values.schema.json, and the schema would catch a wrong type", () => {
        assert.ok(validate(externalSecretsValues()), errorsOf(validate));
        assert.equal(validate({ ...externalSecretsValues(), installCRDs: "yes" }), false, "a mutated value must fail the schema");
    });

    it("installs the CRDs and names the controller's ServiceAccount as the Vault role expects", () => {
        const values = plain(externalSecretsValues());
        assert.equal(values.installCRDs, true);
        assert.deepEqual(values.serviceAccount, { create: true, name: ESO_SERVICE_ACCOUNT });
    });

    it("sets requests and limits on the controller, the webhook and the cert controller, at paths the chart reads", () => {
        const values = plain(externalSecretsValues());
        for (const at of ["resources", "webhook.resources", "certController.resources"]) {
            assert.ok(get(defaults, at) !== undefined, `${at} is not a key of the chart's values.yaml`);
            for (const kind of ["requests", "limits"]) {
                assert.ok(get(values, `${at}.${kind}.cpu`) && get(values, `${at}.${kind}.memory`), `${at}.${kind}`);
            }
        }
    });

    it("keeps the chart's restricted-compatible securityContext defaults, so the namespace can enforce restricted", () => {
        for (const at of ["securityContext", "webhook.securityContext", "certController.securityContext"]) {
            const sc = get(defaults, at);
            assert.equal(sc.runAsNonRoot, true, at);
            assert.equal(sc.allowPrivilegeEscalation, false, at);
            assert.deepEqual(sc.capabilities.drop, ["ALL"], at);
            assert.equal(sc.seccompProfile.type, "RuntimeDefault", at);
        }
        for (const at of ["securityContext", "webhook.securityContext", "certController.securityContext"]) {
            assert.equal(get(externalSecretsValues(), at), undefined, `${at} is the chart's default, not overridden`);
        }
    });
});

describe("ExternalSecrets: the vault-backend ClusterSecretStore", function () {
    before(function () {
        requireSchemas(this);
    });

    it("is external-secrets.io/v1 and valid against the upstream CRD (v1beta1 is not served)", () => {
        const store = clusterSecretStoreSpec({ clusterName: "app1", vaultAddress: VAULT_ADDRESS, vaultCaPem: VAULT_CA_PEM });
        const validate = strictCrdValidator(store.apiVersion, store.kind)!;
        assert.ok(validate, "the CRD is in ../shared/schemas/crds");
        assert.ok(validate(store), errorsOf(validate));
        assert.throws(() => strictCrdValidator("external-secrets.io/v1beta1", "ClusterSecretStore"), /does not serve/);
        const misspelt = plain(store);
        misspelt.spec.provider.vault.auth.kubernetes.serviceAccount = misspelt.spec.provider.vault.auth.kubernetes.serviceAccountRef;
        delete misspelt.spec.provider.vault.auth.kubernetes.serviceAccountRef;
        assert.equal(validate(misspelt), false, "a misspelt field must fail the strict CRD schema");
    });

    it("reads KV v2 at `secret`, over TLS with Vault's CA inline, with the cluster's own auth mount", () => {
        for (const cluster of ["mgmt", "app1", "app2"]) {
            const vault = clusterSecretStoreSpec({ clusterName: cluster, vaultAddress: VAULT_ADDRESS, vaultCaPem: VAULT_CA_PEM }).spec.provider.vault;
            assert.equal(vault.server, VAULT_ADDRESS);
            assert.equal(vault.path, KV_MOUNT);
            assert.equal(vault.version, "v2");
            assert.equal(Buffer.from(vault.caBundle, "base64").toString(), VAULT_CA_PEM);
            assert.deepEqual(vault.auth.kubernetes, {
                mountPath: `kubernetes-${cluster}`,
                role: ESO_VAULT_ROLE,
                serviceAccountRef: { name: ESO_SERVICE_ACCOUNT, namespace: ESO_NAMESPACE, audiences: ESO_VAULT_AUDIENCES },
            });
        }
    });
});

describe("ExternalSecrets: registered under the offline mocks", function () {
    let run: OkRun;
    before(async function () {
        run = await sharedTestProgram(path.join(__dirname, "object-storage-fixtures", "program.ts"));
    });

    it("installs the pinned chart into a restricted namespace, after the CNI", () => {
        const release = findResource(run.resources, "kubernetes:helm.sh/v3:Release", "eso-release");
        assert.equal(release.inputs.chart, CHARTS.externalSecrets.chart);
        assert.equal(release.inputs.version, CHARTS.externalSecrets.version);
        assert.deepEqual(release.inputs.repositoryOpts, { repo: CHARTS.externalSecrets.repo });
        assert.equal(release.inputs.namespace, ESO_NAMESPACE);
        assert.notEqual(release.inputs.skipAwait, true, "Helm waits for the webhook before the store is created");
        assert.deepEqual(release.inputs.values, plain(externalSecretsValues()));
        assert.ok(release.dependencies.some((u) => u.endsWith("::cni-stand-in")));
        const ns = findResource(run.resources, "kubernetes:core/v1:Namespace", "eso-namespace");
        assert.equal((ns.inputs.metadata as any).labels[`${PSA_LABEL_PREFIX}enforce`], "restricted");
    });

    it("creates the store after the release and the auth mount, valid against the CRD, with the CA from the args", function () {
        requireSchemas(this);
        const store = findResource(run.resources, "kubernetes:external-secrets.io/v1:ClusterSecretStore", "eso-store");
        const object = unwrapSecrets(store.inputs, "reveal") as any;
        assert.deepEqual(object, plain(clusterSecretStoreSpec({ clusterName: CLUSTER, vaultAddress: VAULT_ADDRESS, vaultCaPem: VAULT_CA_PEM })));
        assert.equal(object.metadata.name, CLUSTER_SECRET_STORE);
        const validate = strictCrdValidator("external-secrets.io/v1", "ClusterSecretStore")!;
        assert.ok(validate(object), errorsOf(validate));
        const release = findResource(run.resources, "kubernetes:helm.sh/v3:Release", "eso-release");
        const auth = findResource(run.resources, "vault:index/authBackend:AuthBackend", "auth");
        for (const urn of [release.urn, auth.urn]) {
            assert.ok(store.options?.dependsOn?.includes(urn), `the store depends on ${urn}`);
        }
    });

    it("exports the store's name", () => {
        assert.deepEqual(run.outputs.storeName, { value: CLUSTER_SECRET_STORE, secret: false });
    });
});
