import { strict as assert } from "assert";
import { assertPolicyMetadata } from "../helpers";
import { checkProvider } from "./_provider";

const NAME = "tls-private-key-strength";
const TYPE = "tls:index/privateKey:PrivateKey";

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes ED25519 (node SSH keys), ECDSA P256 and RSA with the 2048-bit default", () => {
        for (const props of [{ algorithm: "ED25519" }, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { algorithm: "RSA" }, { algorithm: "RSA", rsaBits: 4096 }]) {
            assert.deepEqual(checkProvider(NAME, TYPE, props), [], JSON.stringify(props));
        }
    });

    it("fails ECDSA on the provider's default curve P224", () => {
        assert.deepEqual(
            checkProvider(NAME, TYPE, { algorithm: "ECDSA" }).map((v) => v.message),
            [`ecdsaCurve is "P224" (the provider default); set it to one of P256, P384, P521.`],
        );
    });

    it("fails RSA below 2048 bits", () => {
        assert.deepEqual(
            checkProvider(NAME, TYPE, { algorithm: "RSA", rsaBits: 1024 }).map((v) => v.message),
            ["rsaBits is 1024; use at least 2048, or ECDSA P256 / ED25519."],
        );
    });
});
