import { strict as assert } from "assert";
import { assertPolicyMetadata } from "../helpers";
import { checkProvider } from "./_provider";

const NAME = "random-password-length";
const TYPE = "random:index/randomPassword:RandomPassword";

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes 20 characters", () => {
        assert.deepEqual(checkProvider(NAME, TYPE, { length: 20, special: true }), []);
    });

    it("fails 16 characters", () => {
        assert.deepEqual(
            checkProvider(NAME, TYPE, { length: 16 }).map((v) => v.message),
            ["length is 16; set it to at least 20."],
        );
    });

    it("takes the minimum from config", () => {
        assert.equal(checkProvider(NAME, TYPE, { length: 20 }, { [NAME]: { minLength: 32 } }).length, 1);
    });
});
