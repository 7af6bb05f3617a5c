/**
 * Constraint counts are pinned (circuits/constraints.json, written by circuits:build and
 * checked by circuits:check); here the small configurations are recompiled and compared,
 * the per-message cost is held to its target, and `circom --inspect` must report nothing
 * in the kit's own templates.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

import { CONSTRAINTS_FILE, constraintsPerMessage, type ConstraintsFile } from "../../src/zk/build";
import { CIRCUIT_CONFIGS, compileCircuit, inspectWarnings } from "../../src/zk/circuits";

const ROOT = path.resolve(__dirname, "../..");
const PINNED: ConstraintsFile = JSON.parse(fs.readFileSync(path.join(ROOT, CONSTRAINTS_FILE), "utf8"));
/** DESIGN.md §4: below 6,500 constraints per message at K = 8, depth 20, state update included. */
const PER_MESSAGE_TARGET = 6_500;
const COMPILE_TIMEOUT_MS = 300_000;

describe("circuit constraint counts", function () {
  this.timeout(COMPILE_TIMEOUT_MS);

  for (const name of ["dev", "tiny"] as const) {
    it(`${name}: the compiled count equals the pinned one`, async function () {
      const compiled = await compileCircuit(`${name}-pin`, CIRCUIT_CONFIGS[name], 2, {
        wasm: false,
        root: ROOT,
      });
      expect(compiled.constraints).to.equal(PINNED[name].r1cs);
    });
  }

  it("pins every configuration, and the dev one fits a 2^15 Groth16 setup", function () {
    for (const name of Object.keys(CIRCUIT_CONFIGS)) expect(PINNED, name).to.have.property(name);
    expect(PINNED.dev.r1cs + 12).to.be.at.most(2 ** 15);
    expect(PINNED.tiny.plonkGates).to.be.at.most(2 ** 16);
  });

  it(`costs at most ${PER_MESSAGE_TARGET} constraints per message at K = 8, depth 20`, function () {
    const perMessage = constraintsPerMessage(PINNED)!;
    console.log(`      ${perMessage} constraints per message (K = 8, depth 20, state update included)`);
    expect(perMessage).to.be.at.most(PER_MESSAGE_TARGET);
  });

  it("has no `circom --inspect` warnings in the kit's templates", async function () {
    expect(await inspectWarnings("dev", CIRCUIT_CONFIGS.dev, ROOT)).to.deep.equal([]);
  });
});
