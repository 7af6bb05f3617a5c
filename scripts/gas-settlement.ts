/**
 * Gas of settlement, from receipts on the in-process chain with real proofs:
 *   npx hardhat run scripts/gas-settlement.ts
 * submitBatch, settle per proof system (the `tiny` circuit: the one all three systems can
 * set up here), settle with and without an app hook (`dev`, Groth16), reassign; and settle
 * gas per message for batch capacities of 4 (`dev`), 64 and 256 (a Groth16 settlement costs
 * the same for any circuit with 11 public signals, so capacity only divides it).
 */
import hre from "hardhat";

import { DEPLOYMENTS, TAGS } from "../src/chain/deployments";
import { createProject, fundFees, stakeProvers } from "../src/chain/scenario";
import { settleBatch } from "../src/chain/settlement";
import { keyHash, signEddsaPoseidon } from "../src/crypto";
import { DeviceClient, generateIdentity } from "../src/device";
import { ProjectMirror } from "../src/prover/mirror";
import { wasmPath, zkeyPath } from "../src/zk/build";
import { CIRCUIT_CONFIGS, circuitId, type CircuitName, type ProofSystem } from "../src/zk/circuits";
import { messageDigest } from "../src/zk/batch";
import { prove } from "../src/zk/prove";
import { releaseSnarkjs } from "../src/zk/snarkjs";
import {
  BatchManager__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  RecordingApp__factory,
} from "../typechain-types";

const SETTINGS = { minInterval: 60, maxUnits: 1_000n, proverFee: 10n ** 16n, rewardRate: 3n };
const GROTH16_FLOOR = 181_000 + 6_150 * 11;

async function main() {
  process.env.STATE_DEPTH = "4";
  const { deployments, ethers } = hre;
  await deployments.fixture([TAGS.settlement]);
  const [deployer, owner, sequencer, relayer, deviceOwner, ...provers] = await ethers.getSigners();
  const at = async (n: string) => (await deployments.get(n)).address;
  const c = {
    projectRegistry: ProjectRegistry__factory.connect(await at(DEPLOYMENTS.projectRegistry), deployer),
    pool: ProverPool__factory.connect(await at(DEPLOYMENTS.proverPool), deployer),
    manager: BatchManager__factory.connect(await at(DEPLOYMENTS.batchManager), deployer),
    token: MockERC20__factory.connect(await at(DEPLOYMENTS.stakingToken), deployer),
  };
  const devices = DeviceRegistry__factory.connect(await at(DEPLOYMENTS.deviceRegistry), relayer);
  await stakeProvers(
    c,
    provers.slice(0, 3),
    [1n, 2n, 3n].map((x) => x * 10n ** 20n),
  );
  const rows: [string, bigint][] = [];

  async function run(config: CircuitName, systems: ProofSystem[], hookAfter?: number) {
    const shape = CIRCUIT_CONFIGS[config];
    const projectId = await createProject(c, owner, sequencer.address, {
      circuitId: circuitId(config),
      proofSystem: 0,
      ...SETTINGS,
    });
    await fundFees(c, owner, projectId, 10n ** 18n);
    const domain = await c.manager.domainOf(projectId);
    const mirror = new ProjectMirror(shape, domain);
    for (const [i, system] of systems.entries()) {
      if (hookAfter !== undefined && i === hookAfter) {
        const app = await new RecordingApp__factory(deployer).deploy();
        await c.manager.connect(owner).setApp(projectId, app);
      }
      // One new device per batch (its registry op) and D·K messages from registered devices.
      const identity = generateIdentity();
      const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 600n;
      await new DeviceClient(identity, devices).register({ owner: deviceOwner.address, projectId, deadline });
      const index = Number((await devices.deviceOf(BigInt(identity.wallet.address))).index);
      const op = {
        index: BigInt(index),
        keyHash: keyHash(BigInt(identity.wallet.address), identity.babyJub.ax, identity.babyJub.ay),
      };
      const deviceId = BigInt(identity.wallet.address);
      const slot = {
        deviceId,
        index,
        key: { ax: identity.babyJub.ax, ay: identity.babyJub.ay },
        messages: Array.from({ length: shape.K * shape.D }, (_, k) => {
          const timestamp = 1_900_000_000n + BigInt(k) * 60n;
          const payloadHash = timestamp;
          const digest = messageDigest(domain, deviceId, timestamp, 2n, payloadHash);
          return {
            timestamp,
            units: 2n,
            payloadHash,
            signature: signEddsaPoseidon(identity.babyJub.privateKey, digest),
          };
        }),
      };
      const draft = mirror.build([op], [slot], 0n, {
        minInterval: 60n,
        maxUnits: SETTINGS.maxUnits,
        rewardRate: SETTINGS.rewardRate,
      });
      const opsTo = await devices.opCount(projectId);
      const submit = await (
        await c.manager
          .connect(sequencer)
          .submitBatch(
            projectId,
            draft.built.signals.messagesHash,
            draft.built.digests.length,
            opsTo,
            "ipfs://b",
          )
      ).wait();
      const batchId = await c.manager.batchCount();
      const assigned = (await c.manager.batchOf(batchId)).prover;
      const signer = provers.find((p) => p.address === assigned)!;
      const pending = mirror.build([op], [slot], BigInt(assigned), {
        minInterval: 60n,
        maxUnits: SETTINGS.maxUnits,
        rewardRate: SETTINGS.rewardRate,
      });
      const proof = await prove(system, pending.built.input, {
        wasm: wasmPath(config, system),
        zkey: zkeyPath(config, system),
      });
      const receipt = await settleBatch(c.manager.connect(signer), batchId, pending.built, proof);
      mirror.commit(pending);
      rows.push([`submitBatch (${config})`, submit!.gasUsed]);
      rows.push([
        `settle ${config} ${system}${hookAfter !== undefined && i >= hookAfter ? " with app hook" : ""}`,
        receipt.gasUsed,
      ]);
    }
  }

  await run("tiny", ["groth16", "plonk", "fflonk"]);
  await run("dev", ["groth16", "groth16", "groth16"], 2);
  await releaseSnarkjs();

  for (const [name, gas] of rows) console.log(`${name.padEnd(40)} ${gas.toLocaleString("en-US")}`);
  const settle = rows.filter(([n]) => n.startsWith("settle dev groth16") && !n.includes("hook")).at(-1)![1];
  console.log(`settle / Groth16 floor (${GROTH16_FLOOR}): ${(Number(settle) / GROTH16_FLOOR).toFixed(3)}`);
  for (const capacity of [CIRCUIT_CONFIGS.dev.D * CIRCUIT_CONFIGS.dev.K, 64, 256]) {
    console.log(
      `settle gas per message at capacity ${capacity}: ${Math.round(Number(settle) / capacity).toLocaleString("en-US")}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
