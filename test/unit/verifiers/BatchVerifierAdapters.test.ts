/**
 * The IBatchVerifier adapters around the generated verifiers, without a prover: proof
 * length, non-canonical public signals and a well-formed but false proof. Real proofs go
 * through the same adapters in test/verifiers/RealProofs.test.ts.
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";

import { SNARK_SCALAR_FIELD } from "../../../src/crypto/field";
import {
  FflonkBatchVerifier__factory,
  Groth16BatchVerifier__factory,
  PlonkBatchVerifier__factory,
  TinyFflonkVerifier__factory,
  TinyGroth16Verifier__factory,
  TinyPlonkVerifier__factory,
  type IBatchVerifier,
} from "../../../typechain-types";

const System = { Groth16: 0n, Plonk: 1n, Fflonk: 2n } as const;
const SIGNALS = Array.from({ length: 11 }, (_, i) => BigInt(i + 1));

interface AdapterCase {
  name: string;
  system: bigint;
  proofWords: number;
}

const CASES: AdapterCase[] = [
  { name: "Groth16BatchVerifier", system: System.Groth16, proofWords: 8 },
  { name: "PlonkBatchVerifier", system: System.Plonk, proofWords: 24 },
  { name: "FflonkBatchVerifier", system: System.Fflonk, proofWords: 24 },
];

const adaptersFixture = deployments.createFixture(async () => {
  const [deployer] = await ethers.getSigners();
  const groth16 = await new TinyGroth16Verifier__factory(deployer).deploy();
  const plonk = await new TinyPlonkVerifier__factory(deployer).deploy();
  const fflonk = await new TinyFflonkVerifier__factory(deployer).deploy();
  const adapters: Record<
    string,
    { adapter: IBatchVerifier & { verifier(): Promise<string> }; verifier: string }
  > = {
    Groth16BatchVerifier: {
      adapter: await new Groth16BatchVerifier__factory(deployer).deploy(groth16),
      verifier: await groth16.getAddress(),
    },
    PlonkBatchVerifier: {
      adapter: await new PlonkBatchVerifier__factory(deployer).deploy(plonk),
      verifier: await plonk.getAddress(),
    },
    FflonkBatchVerifier: {
      adapter: await new FflonkBatchVerifier__factory(deployer).deploy(fflonk),
      verifier: await fflonk.getAddress(),
    },
  };
  return adapters;
});

/** A proof of the right length whose words are small field elements: well formed, false. */
function junkProof(words: number): string {
  return ethers.AbiCoder.defaultAbiCoder().encode(
    Array.from({ length: words }, () => "uint256"),
    Array.from({ length: words }, (_, i) => BigInt(i + 1)),
  );
}

describe("batch verifier adapters", function () {
  for (const c of CASES) {
    describe(c.name, function () {
      it("names its proof system and its generated verifier", async function () {
        const { adapter, verifier } = (await adaptersFixture())[c.name];
        expect(await adapter.proofSystem()).to.equal(c.system);
        expect(await adapter.verifier()).to.equal(verifier);
      });

      it("rejects a proof of the wrong length with MalformedProof", async function () {
        const { adapter } = (await adaptersFixture())[c.name];
        const expected = BigInt(c.proofWords * 32);
        const short = junkProof(c.proofWords - 1);
        await expect(adapter.verify(SIGNALS, short))
          .to.be.revertedWithCustomError(adapter, "MalformedProof")
          .withArgs(expected, expected - 32n);
        await expect(adapter.verify(SIGNALS, "0x"))
          .to.be.revertedWithCustomError(adapter, "MalformedProof")
          .withArgs(expected, 0n);
      });

      it("returns false, without calling the verifier, for a signal at or above r", async function () {
        const { adapter } = (await adaptersFixture())[c.name];
        for (const i of [0, 7, 10]) {
          const signals = [...SIGNALS];
          signals[i] = SNARK_SCALAR_FIELD + BigInt(i);
          expect(await adapter.verify(signals, junkProof(c.proofWords))).to.equal(false);
        }
      });

      it("returns false for a well-formed proof that does not verify", async function () {
        const { adapter } = (await adaptersFixture())[c.name];
        expect(await adapter.verify(SIGNALS, junkProof(c.proofWords))).to.equal(false);
        expect(await adapter.verify(SIGNALS, "0x" + "00".repeat(c.proofWords * 32))).to.equal(false);
      });
    });
  }
});
