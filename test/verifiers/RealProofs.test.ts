/**
 * Every generated verifier, with a real proof of its configuration, on the local chain,
 * through its IBatchVerifier adapter and the VerifierRegistry (deployed by the real
 * deploy scripts).
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";

import { DEPLOYMENTS, TAGS, verifierDeploymentName } from "../../src/chain/deployments";
import { SNARK_SCALAR_FIELD } from "../../src/crypto/field";
import { PUBLIC_SIGNAL_NAMES } from "../../src/zk/batch";
import { PROOF_SYSTEM_ID, circuitId, type CircuitName, type ProofSystem } from "../../src/zk/circuits";
import { releaseSnarkjs } from "../../src/zk/snarkjs";
import { GENERATED_DIR } from "../../src/zk/build";
import { verifyProof } from "../../src/zk/prove";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  IBatchVerifier__factory,
  VerifierGasProbe__factory,
  VerifierRegistry__factory,
} from "../../typechain-types";
import { provedBatch, rerandomizeGroth16, type ProvedBatch } from "../helpers/proofs";

const PROVE_TIMEOUT_MS = 600_000;
/** Groth16 verification floor: 4 pairings + 45k, plus one ECMUL and ECADD per public signal. */
const GROTH16_FLOOR = 181_000 + 6_150 * PUBLIC_SIGNAL_NAMES.length;
const PROVER_INDEX = PUBLIC_SIGNAL_NAMES.indexOf("prover");

const verifiersFixture = deployments.createFixture(async () => {
  await deployments.fixture([TAGS.verifiers]);
  const [deployer] = await ethers.getSigners();
  const registry = VerifierRegistry__factory.connect(
    (await deployments.get(DEPLOYMENTS.verifierRegistry)).address,
    deployer,
  );
  const probe = await new VerifierGasProbe__factory(deployer).deploy();
  return { registry, probe, deployer };
});

const CASES: [CircuitName, ProofSystem][] = [
  ["dev", "groth16"],
  ["tiny", "groth16"],
  ["tiny", "plonk"],
  ["tiny", "fflonk"],
];

export const verifierGas: Record<string, bigint> = {};

describe("generated verifiers with real proofs", function () {
  this.timeout(PROVE_TIMEOUT_MS);
  after(releaseSnarkjs);

  for (const [config, system] of CASES) {
    describe(`${config} / ${system}`, function () {
      let proved: ProvedBatch;
      let signals: bigint[];

      before(async function () {
        // One of them goes through the worker thread, as provers run it.
        proved = await provedBatch(config, system, system === "plonk");
        signals = proved.batch.publicSignals;
        expect(proved.proof.publicSignals.map(BigInt)).to.deep.equal(signals);
        // Off-chain verification with the committed verification key agrees.
        const vkey = JSON.parse(
          readFileSync(path.join(GENERATED_DIR, `${config}.${system}.vkey.json`), "utf8"),
        );
        expect(await verifyProof(system, vkey, proved.proof.publicSignals, proved.proof.proof)).to.equal(
          true,
        );
      });

      async function adapter() {
        const { deployer } = await verifiersFixture();
        return IBatchVerifier__factory.connect(
          (await deployments.get(verifierDeploymentName(config, system, "adapter"))).address,
          deployer,
        );
      }

      it("verifies through its adapter and the registry", async function () {
        const { registry, probe } = await verifiersFixture();
        const v = await adapter();
        expect(await v.verify(signals, proved.calldata)).to.equal(true);
        expect(
          await registry.verify(circuitId(config), PROOF_SYSTEM_ID[system], signals, proved.calldata),
        ).to.equal(true);
        const [ok, viaAdapter] = await probe.measure(v, signals, proved.calldata);
        expect(ok).to.equal(true);
        // The generated verifier alone, called with its own calldata.
        const generated = (await deployments.get(verifierDeploymentName(config, system, "generated")))
          .address;
        const iface = new ethers.Interface(
          (await deployments.get(verifierDeploymentName(config, system, "generated"))).abi,
        );
        const coder = ethers.AbiCoder.defaultAbiCoder();
        const proofArgs =
          system === "groth16"
            ? coder.decode(["uint256[2]", "uint256[2][2]", "uint256[2]"], proved.calldata).toArray()
            : [coder.decode([system === "plonk" ? "uint256[24]" : "bytes32[24]"], proved.calldata)[0]];
        const [rawOk, raw] = await probe.measureCall(
          generated,
          iface.encodeFunctionData("verifyProof", [...proofArgs, signals]),
        );
        expect(rawOk).to.equal(true);
        verifierGas[`${config}.${system}`] = raw;
        console.log(
          `      verifier execution gas: ${raw} generated, ${viaAdapter} through the adapter ` +
            `(Groth16 floor ${GROTH16_FLOOR}); proving ${Math.round(proved.proof.ms)} ms`,
        );
        if (system === "groth16") expect(Number(raw)).to.be.lessThanOrEqual(1.05 * GROTH16_FLOOR);
      });

      it("rejects a public signal at or above r (an alias of a valid one)", async function () {
        const v = await adapter();
        const aliased = [...signals];
        aliased[0] += SNARK_SCALAR_FIELD;
        expect(await v.verify(aliased, proved.calldata)).to.equal(false);
      });

      it("rejects the proof for another prover", async function () {
        const v = await adapter();
        const stolen = [...signals];
        stolen[PROVER_INDEX] = BigInt(ethers.Wallet.createRandom().address);
        expect(await v.verify(stolen, proved.calldata)).to.equal(false);
      });

      it("rejects any changed signal and a malformed proof", async function () {
        const v = await adapter();
        for (const i of [1, 2, 5, 6]) {
          const changed = [...signals];
          changed[i] = (changed[i] + 1n) % SNARK_SCALAR_FIELD;
          expect(await v.verify(changed, proved.calldata), PUBLIC_SIGNAL_NAMES[i]).to.equal(false);
        }
        await expect(v.verify(signals, proved.calldata.slice(0, -64))).to.be.revertedWithCustomError(
          v,
          "MalformedProof",
        );
      });

      if (system === "groth16") {
        it("accepts a re-randomised proof: replay protection is the settlement contract's", async function () {
          const v = await adapter();
          const other = rerandomizeGroth16(proved.calldata);
          expect(other).to.not.equal(proved.calldata);
          expect(await v.verify(signals, other)).to.equal(true);
        });
      }
    });
  }
});
