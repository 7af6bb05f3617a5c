/**
 * The generated Poseidon libraries: equal to poseidon-lite (circomlib's Poseidon) on random
 * and edge inputs, cheaper than the poseidon-solidity baseline, and not drifted from
 * their generator.
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { poseidon2, poseidon3 } from "poseidon-lite";

import { SNARK_SCALAR_FIELD } from "../../../src/crypto/field";
import {
  POSEIDON_ARITIES,
  generatePoseidonLibrary,
  poseidonLibraryPath,
} from "../../../src/codegen/poseidon";
import { DEPLOYMENTS, TAGS } from "../../../src/chain/deployments";
import { PoseidonHarness__factory } from "../../../typechain-types";

/** Gas ceilings of one hash call (measured 18,193 and 22,589; poseidon-solidity T4: 74,694). */
const MAX_GAS_T3 = 19_000n;
const MAX_GAS_T4 = 23_500n;
const RUNS = 40;

const harnessFixture = deployments.createFixture(async () => {
  await deployments.fixture([TAGS.poseidon]);
  const [deployer] = await ethers.getSigners();
  const baseline = await (
    await ethers.getContractFactory("poseidon-solidity/PoseidonT4.sol:PoseidonT4")
  ).deploy();
  const harness = await new PoseidonHarness__factory(
    {
      "contracts/libraries/poseidon/PoseidonT3.sol:PoseidonT3": (
        await deployments.get(DEPLOYMENTS.poseidonT3)
      ).address,
      "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": (
        await deployments.get(DEPLOYMENTS.poseidonT4)
      ).address,
      "poseidon-solidity/PoseidonT4.sol:PoseidonT4": await baseline.getAddress(),
    },
    deployer,
  ).deploy();
  return { harness };
});

const word = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const element = fc.bigInt({ min: 0n, max: SNARK_SCALAR_FIELD - 1n });
const input = fc.oneof(element, word, fc.constantFrom(0n, 1n, SNARK_SCALAR_FIELD - 1n, SNARK_SCALAR_FIELD));

describe("Poseidon libraries (generated)", function () {
  it("PoseidonT3 equals poseidon-lite, inputs read modulo r", async function () {
    const { harness } = await harnessFixture();
    await fc.assert(
      fc.asyncProperty(input, input, async (a, b) => {
        const [h] = await harness.hashT3([a, b]);
        expect(h).to.equal(poseidon2([a % SNARK_SCALAR_FIELD, b % SNARK_SCALAR_FIELD]));
      }),
      { numRuns: RUNS },
    );
  });

  it("PoseidonT4 equals poseidon-lite and the poseidon-solidity baseline", async function () {
    const { harness } = await harnessFixture();
    await fc.assert(
      fc.asyncProperty(element, element, element, async (a, b, c) => {
        const [h] = await harness.hashT4([a, b, c]);
        expect(h).to.equal(poseidon3([a, b, c]));
        expect((await harness.baselineHashT4([a, b, c]))[0]).to.equal(h);
      }),
      { numRuns: RUNS },
    );
    const [edge] = await harness.hashT4([SNARK_SCALAR_FIELD, 2n ** 256n - 1n, 0n]);
    expect(edge).to.equal(poseidon3([0n, (2n ** 256n - 1n) % SNARK_SCALAR_FIELD, 0n]));
  });

  it("stays within its gas ceilings, well under the baseline", async function () {
    const { harness } = await harnessFixture();
    const [, t3] = await harness.hashT3([1n, 2n]);
    const [, t4] = await harness.hashT4([1n, 2n, 3n]);
    const [, baseline] = await harness.baselineHashT4([1n, 2n, 3n]);
    console.log(`      gas per hash: T3 ${t3}, T4 ${t4} (poseidon-solidity T4 ${baseline})`);
    expect(t3).to.be.lessThanOrEqual(MAX_GAS_T3);
    expect(t4).to.be.lessThanOrEqual(MAX_GAS_T4);
    expect(t4 * 2n).to.be.lessThan(baseline);
  });

  it("matches its generator (run `npm run gen:poseidon` after changing it)", function () {
    const root = path.resolve(__dirname, "../../..");
    for (const n of POSEIDON_ARITIES) {
      expect(fs.readFileSync(poseidonLibraryPath(root, n), "utf8"), `PoseidonT${n + 1}.sol`).to.equal(
        generatePoseidonLibrary(n),
      );
    }
  });
});
