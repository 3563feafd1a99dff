import { strict as assert } from "assert";
import { assertPolicyMetadata } from "../helpers";
import { checkProvider } from "./_provider";

const NAME = "vault-pki-role-max-ttl";
const TYPE = "vault:pkiSecret/secretBackendRole:SecretBackendRole";

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes 30 days given as string seconds, number or duration", () => {
        for (const maxTtl of ["2592000", 2592000, "720h"]) {
            assert.deepEqual(checkProvider(NAME, TYPE, { backend: "pki_int", name: "k8s-certs", maxTtl }), [], String(maxTtl));
        }
    });

    it("fails a max TTL above 30 days", () => {
        assert.deepEqual(
            checkProvider(NAME, TYPE, { maxTtl: "2592001" }).map((v) => v.message),
            [`maxTtl "2592001" is 2592001 seconds, above the 2592000-second limit; lower it.`],
        );
    });

    it("fails an unset or malformed max TTL", () => {
        assert.match(checkProvider(NAME, TYPE, {})[0].message, /^maxTtl is not set/);
        assert.match(checkProvider(NAME, TYPE, { maxTtl: "a month" })[0].message, /^maxTtl "a month" is not a duration/);
    });
});
