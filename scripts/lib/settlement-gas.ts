/**
 * Gas of settlement with real proofs, from receipts on the in-process chain (used by
 * `npm run gas:settlement` and `npm run bench`): submitBatch, settle per proof system on
 * the `tiny` circuit (the one all three systems set up here), settle of the `dev` circuit
 * with and without an app hook, reassign, and each generated verifier's execution gas,
 * called directly with the same proofs.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS, verifierDeploymentName } from "../../src/chain/deployments";
import { createProject, fundFees, stakeProvers } from "../../src/chain/scenario";
import { settleBatch } from "../../src/chain/settlement";
import { keyHash, signEddsaPoseidon } from "../../src/crypto";
import { DeviceClient, generateIdentity } from "../../src/device";
import { ProjectMirror } from "../../src/prover/mirror";
import { wasmPath, zkeyPath } from "../../src/zk/build";
import { messageDigest } from "../../src/zk/batch";
import {
  CIRCUIT_CONFIGS,
  PROOF_SYSTEM_ID,
  circuitId,
  type CircuitName,
  type ProofSystem,
} from "../../src/zk/circuits";
import { encodeProof, prove, type Proof } from "../../src/zk/prove";
import { releaseSnarkjs } from "../../src/zk/snarkjs";
import {
  BatchManager__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  RecordingApp__factory,
} from "../../typechain-types";
import { executionGas } from "./gas";

const SETTINGS = { minInterval: 60, maxUnits: 1_000n, proverFee: 10n ** 16n, rewardRate: 3n };

export interface SettleSample {
  config: CircuitName;
  system: ProofSystem;
  /** Settled with an app hook (RecordingApp) on the project. */
  hook: boolean;
  /** The project's first settlement (fresh storage slots). */
  first: boolean;
  gas: bigint;
  proveMs: number;
}

export interface SettlementGas {
  submit: { config: CircuitName; first: boolean; gas: bigint }[];
  settle: SettleSample[];
  /** Execution gas of each generated verifier, called directly with a real `tiny` proof. */
  verify: Partial<Record<ProofSystem, bigint>>;
  reassign: bigint;
}

export interface SettlementGasOptions {
  /** Proof systems for `tiny` (Groth16 always; PLONK and FFLONK proofs take ~35–50 s). */
  tinySystems?: ProofSystem[];
  onStep?: (label: string) => void;
}

export async function measureSettlementGas(
  hre: HardhatRuntimeEnvironment,
  options: SettlementGasOptions = {},
): Promise<SettlementGas> {
  const tinySystems = options.tinySystems ?? ["groth16", "plonk", "fflonk"];
  const step = options.onStep ?? (() => {});
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
  const result: SettlementGas = { submit: [], settle: [], verify: {}, reassign: 0n };

  async function verifierGas(config: CircuitName, proof: Proof): Promise<bigint> {
    const deployment = await deployments.get(verifierDeploymentName(config, proof.system, "generated"));
    const iface = new ethers.Interface(deployment.abi);
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const calldata = await encodeProof(proof);
    const args =
      proof.system === "groth16"
        ? coder.decode(["uint256[2]", "uint256[2][2]", "uint256[2]"], calldata).toArray()
        : [coder.decode([proof.system === "plonk" ? "uint256[24]" : "bytes32[24]"], calldata)[0]];
    const data = iface.encodeFunctionData("verifyProof", [...args, proof.publicSignals.map(BigInt)]);
    return executionGas(deployer, deployment.address, data);
  }

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
      // A batch is proven in the proof system recorded at its submission: switch first.
      await (
        await c.projectRegistry.connect(owner).setSettings(projectId, {
          circuitId: circuitId(config),
          proofSystem: PROOF_SYSTEM_ID[system],
          ...SETTINGS,
        })
      ).wait();
      const hook = hookAfter !== undefined && i >= hookAfter;
      if (hookAfter !== undefined && i === hookAfter) {
        const app = await new RecordingApp__factory(deployer).deploy();
        await c.manager.connect(owner).setApp(projectId, app);
      }
      // One new device per batch (its registry op) and D·K messages from registered devices.
      const identity = generateIdentity();
      const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 600n;
      await new DeviceClient(identity, devices).register({ owner: deviceOwner.address, projectId, deadline });
      const index = Number((await devices.deviceOf(BigInt(identity.wallet.address))).index);
      const deviceId = BigInt(identity.wallet.address);
      const op = {
        index: BigInt(index),
        keyHash: keyHash(deviceId, identity.babyJub.ax, identity.babyJub.ay),
      };
      const slot = {
        deviceId,
        index,
        key: { ax: identity.babyJub.ax, ay: identity.babyJub.ay },
        messages: Array.from({ length: shape.K * shape.D }, (_, k) => {
          const timestamp = 1_900_000_000n + BigInt(k) * 60n;
          const digest = messageDigest(domain, deviceId, timestamp, 2n, timestamp);
          return {
            timestamp,
            units: 2n,
            payloadHash: timestamp,
            signature: signEddsaPoseidon(identity.babyJub.privateKey, digest),
          };
        }),
      };
      const settings = { minInterval: 60n, maxUnits: SETTINGS.maxUnits, rewardRate: SETTINGS.rewardRate };
      const draft = mirror.build([op], [slot], 0n, settings);
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
      result.submit.push({ config, first: i === 0, gas: submit!.gasUsed });
      const batchId = await c.manager.batchCount();
      const assigned = (await c.manager.batchOf(batchId)).prover;
      const signer = provers.find((p) => p.address === assigned)!;
      const pending = mirror.build([op], [slot], BigInt(assigned), settings);
      step(`prove ${config} ${system}`);
      const proof = await prove(system, pending.built.input, {
        wasm: wasmPath(config, system),
        zkey: zkeyPath(config, system),
      });
      const receipt = await settleBatch(c.manager.connect(signer), batchId, pending.built, proof);
      mirror.commit(pending);
      result.settle.push({ config, system, hook, first: i === 0, gas: receipt.gasUsed, proveMs: proof.ms });
      if (config === "tiny") result.verify[system] = await verifierGas(config, proof);
    }
    return projectId;
  }

  await run("tiny", tinySystems);
  const dev = await run("dev", ["groth16", "groth16", "groth16", "groth16"], 3);
  await releaseSnarkjs();

  // reassign: a batch whose prover lets the deadline pass; anyone may call it.
  step("reassign");
  await (await c.manager.connect(sequencer).submitBatch(dev, 1n, 1, await devices.opCount(dev), "")).wait();
  const late = await c.manager.batchCount();
  const { deadline } = await c.manager.batchOf(late);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(deadline) + 1]);
  result.reassign = (await (await c.manager.connect(relayer).reassign(late)).wait())!.gasUsed;
  return result;
}
