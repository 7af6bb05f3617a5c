/** The TypeScript fast Poseidon: equal to poseidon-lite for 1 to 5 inputs; constants not drifted. */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { poseidon1, poseidon2, poseidon3, poseidon4, poseidon5 } from "poseidon-lite";

import { fastPoseidonConstantsPath, generateFastPoseidonConstants } from "../../../src/codegen/poseidon";
import { SNARK_SCALAR_FIELD } from "../../../src/crypto/field";
import { poseidon } from "../../../src/crypto/poseidon";

const lite = [poseidon1, poseidon2, poseidon3, poseidon4, poseidon5];
const element = fc.bigInt({ min: 0n, max: SNARK_SCALAR_FIELD - 1n });

describe("fast Poseidon (src/crypto/poseidon.ts)", function () {
  it("equals poseidon-lite for 1 to 5 inputs (property)", function () {
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 5 }), (inputs) => {
        expect(poseidon(inputs)).to.equal(lite[inputs.length - 1](inputs));
      }),
      { numRuns: 300 },
    );
    expect(poseidon([SNARK_SCALAR_FIELD + 5n, 0n])).to.equal(poseidon2([5n, 0n]));
    expect(() => poseidon([])).to.throw("not supported");
  });

  it("matches its generator (run `npm run gen:poseidon` after changing it)", function () {
    const root = path.resolve(__dirname, "../../..");
    expect(fs.readFileSync(fastPoseidonConstantsPath(root), "utf8")).to.equal(
      generateFastPoseidonConstants(),
    );
  });
});
