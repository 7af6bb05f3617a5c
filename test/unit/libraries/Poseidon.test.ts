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
import { poseidon2, poseidon3, poseidon4 } from "poseidon-lite";

import { SNARK_SCALAR_FIELD } from "../../../src/crypto/field";
import {
  POSEIDON_ARITIES,
  generatePoseidonLibrary,
  poseidonLibraryPath,
} from "../../../src/codegen/poseidon";
import { DEPLOYMENTS, TAGS } from "../../../src/chain/deployments";
import { PoseidonHarness__factory } from "../../../typechain-types";
import { coverageRunning } from "../../helpers/coverage";

/**
 * Gas ceilings of one hash call (measured 18,012, 22,329 and 32,677, T5 with its tail
 * library's cold access; poseidon-solidity T4 74,434 and T5 111,520).
 */
const MAX_GAS_T3 = 19_000n;
const MAX_GAS_T4 = 23_500n;
const MAX_GAS_T5 = 34_000n;
const RUNS = 40;

const harnessFixture = deployments.createFixture(async () => {
  await deployments.fixture([TAGS.poseidon]);
  const [deployer] = await ethers.getSigners();
  const baselineT3 = await (
    await ethers.getContractFactory("poseidon-solidity/PoseidonT3.sol:PoseidonT3")
  ).deploy();
  const baseline = await (
    await ethers.getContractFactory("poseidon-solidity/PoseidonT4.sol:PoseidonT4")
  ).deploy();
  const baselineT5 = await (
    await ethers.getContractFactory("poseidon-solidity/PoseidonT5.sol:PoseidonT5")
  ).deploy();
  const harness = await new PoseidonHarness__factory(
    {
      "contracts/libraries/poseidon/PoseidonT3.sol:PoseidonT3": (
        await deployments.get(DEPLOYMENTS.poseidonT3)
      ).address,
      "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": (
        await deployments.get(DEPLOYMENTS.poseidonT4)
      ).address,
      "contracts/libraries/poseidon/PoseidonT5.sol:PoseidonT5": (
        await deployments.get(DEPLOYMENTS.poseidonT5)
      ).address,
      "poseidon-solidity/PoseidonT3.sol:PoseidonT3": await baselineT3.getAddress(),
      "poseidon-solidity/PoseidonT4.sol:PoseidonT4": await baseline.getAddress(),
      "poseidon-solidity/PoseidonT5.sol:PoseidonT5": await baselineT5.getAddress(),
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
        expect((await harness.baselineHashT3([a % SNARK_SCALAR_FIELD, b % SNARK_SCALAR_FIELD]))[0]).to.equal(
          h,
        );
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

  it("PoseidonT5 equals poseidon-lite and the poseidon-solidity baseline", async function () {
    const { harness } = await harnessFixture();
    await fc.assert(
      fc.asyncProperty(element, element, element, element, async (a, b, c, d) => {
        const [h] = await harness.hashT5([a, b, c, d]);
        expect(h).to.equal(poseidon4([a, b, c, d]));
        expect((await harness.baselineHashT5([a, b, c, d]))[0]).to.equal(h);
      }),
      { numRuns: RUNS },
    );
    const [edge] = await harness.hashT5([2n ** 256n - 1n, SNARK_SCALAR_FIELD, 0n, 1n]);
    expect(edge).to.equal(poseidon4([(2n ** 256n - 1n) % SNARK_SCALAR_FIELD, 0n, 0n, 1n]));
  });

  it("stays within its gas ceilings, well under the baseline", async function () {
    const { harness } = await harnessFixture();
    const [, t3] = await harness.hashT3([1n, 2n]);
    const [, t4] = await harness.hashT4([1n, 2n, 3n]);
    const [, t5] = await harness.hashT5([1n, 2n, 3n, 4n]);
    const [, baselineT3] = await harness.baselineHashT3([1n, 2n]);
    const [, baseline] = await harness.baselineHashT4([1n, 2n, 3n]);
    const [, baselineT5] = await harness.baselineHashT5([1n, 2n, 3n, 4n]);
    console.log(
      `      gas per hash: T3 ${t3}, T4 ${t4}, T5 ${t5} (poseidon-solidity T3 ${baselineT3}, T4 ${baseline}, T5 ${baselineT5})`,
    );
    if (coverageRunning()) return; // gas figures of instrumented code are not comparable
    expect(t3).to.be.lessThanOrEqual(MAX_GAS_T3);
    expect(t4).to.be.lessThanOrEqual(MAX_GAS_T4);
    expect(t5).to.be.lessThanOrEqual(MAX_GAS_T5);
    expect(t3).to.be.lessThan(baselineT3);
    expect(t4 * 2n).to.be.lessThan(baseline);
    expect(t5 * 2n).to.be.lessThan(baselineT5);
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
