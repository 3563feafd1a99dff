import { strict as assert } from "assert";
import { assertPolicyMetadata, check } from "../helpers";

const NAME = "external-secret-lifecycle";
const externalSecret = (spec: Record<string, any> = {}, apiVersion = "external-secrets.io/v1") => ({
    apiVersion,
    kind: "ExternalSecret",
    metadata: { name: "app-secrets", namespace: "apps" },
    spec: { refreshInterval: "1h", secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" }, target: { deletionPolicy: "Retain" }, ...spec },
});

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes Retain with a refresh of at most one hour (seed 001 §5.3)", () => {
        assert.deepEqual(check(NAME, [externalSecret(), externalSecret({ refreshInterval: "30m" })]), []);
    });

    it("fails deletionPolicy Delete", () => {
        assert.deepEqual(
            check(NAME, externalSecret({ target: { deletionPolicy: "Delete" } })).map((v) => v.message),
            [`spec.target.deletionPolicy is "Delete"; set it to "Retain" so the Secret survives a Vault outage.`],
        );
    });

    it('fails a refresh longer than an hour, and "0" (never refresh)', () => {
        assert.match(check(NAME, externalSecret({ refreshInterval: "1h30m" }))[0].message, /^spec\.refreshInterval is "1h30m"/);
        assert.match(check(NAME, externalSecret({ refreshInterval: "0" }))[0].message, /^spec\.refreshInterval is "0"/);
    });

    it("fails the v1beta1 API, which ESO no longer serves", () => {
        assert.match(check(NAME, externalSecret({}, "external-secrets.io/v1beta1"))[0].message, /no longer served since ESO v0\.17\.0/);
    });
});
