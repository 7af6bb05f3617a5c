/**
 * Measures the gas of reward claims at a given state depth, from receipts on the
 * in-process chain (used by `npm run gas:rewards` and pinned by the test suite). The batch
 * is settled through a mock verifier: what a claim costs depends only on the tree's depth
 * and the leaves, not on the proof (proofs are measured by gas:settlement).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS } from "../../src/chain/deployments";
import { createProject, fundFees, stakeProvers } from "../../src/chain/scenario";
import { keyHash } from "../../src/crypto";
import { DeviceClient, generateIdentity } from "../../src/device";
import { claimArgs, claimManyArgs } from "../../src/rewards";
import { StateTree } from "../../src/trees";
import {
  MockBatchVerifier__factory,
  MockERC20__factory,
  PoseidonHarness__factory,
} from "../../typechain-types";
import { localKit } from "./local";

const SETTINGS = { proofSystem: 0, minInterval: 60, maxUnits: 1_000n, proverFee: 10n ** 16n, rewardRate: 3n };

export interface ClaimGas {
  depth: number;
  /** A device's first claim, paying an owner who holds no reward token yet. */
  claimFirstNewHolder: bigint;
  /** A device's first claim. */
  claimFirst: bigint;
  /** The same device after another batch. */
  claimRepeat: bigint;
  /** claimMany gas per device, by the number of devices (adjacent indices, one owner). */
  claimManyPerDevice: Record<number, bigint>;
  claimManyTotal: Record<number, bigint>;
  poseidonT3: bigint;
  poseidonT5: bigint;
  poseidonSolidityT3: bigint;
  poseidonSolidityT5: bigint;
}

export async function measureClaimGas(
  hre: HardhatRuntimeEnvironment,
  depth: number,
  manySizes: number[],
): Promise<ClaimGas> {
  const { ethers } = hre;
  const kit = await localKit(hre, depth);
  const { deployer, owner, sequencer, deviceOwner, relayer, provers } = kit.signers;
  const c = kit.scenario;
  const { rewards, verifiers, at } = kit;
  const registry = kit.deviceRegistry;

  const mockCircuit = ethers.id("depin-kit/batch/mock/v1");
  await verifiers.register(mockCircuit, 0, await new MockBatchVerifier__factory(deployer).deploy(0, true));
  const projectId = await createProject(c, owner, sequencer.address, { circuitId: mockCircuit, ...SETTINGS });
  await stakeProvers(c, provers.slice(0, 1), [10n ** 21n]);
  await fundFees(c, owner, projectId, 10n ** 18n);
  const rewardToken = await new MockERC20__factory(deployer).deploy("Reward", "RWD");
  await rewards.connect(owner).setRewardToken(projectId, rewardToken);
  await rewardToken.mint(owner.address, 10n ** 30n);
  await rewardToken.connect(owner).approve(rewards, 10n ** 30n);
  await rewards.connect(owner).fund(projectId, 10n ** 30n);

  // Devices: two for single claims (the first owned by `relayer`, whose balance starts at
  // zero), then one run of adjacent indices per claimMany size.
  const count = 2 + manySizes.reduce((a, b) => a + b, 0);
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
  const devices: { deviceId: bigint; index: number }[] = [];
  const tree = new StateTree(depth);
  for (let i = 0; i < count; i++) {
    const identity = generateIdentity();
    const client = new DeviceClient(identity, registry);
    await client.register({ owner: i === 0 ? relayer.address : deviceOwner.address, projectId, deadline });
    devices.push({ deviceId: client.deviceId, index: i });
    tree.applyOp({
      index: BigInt(i),
      keyHash: keyHash(client.deviceId, identity.babyJub.ax, identity.babyJub.ay),
    });
  }

  // A batch that credits every device (the mock verifier accepts the root we computed).
  let opsTo = 0;
  async function settle(unitsOf: (i: number) => bigint) {
    let total = 0n;
    for (const d of devices) {
      const leaf = tree.leaf(d.index);
      const units = unitsOf(d.index);
      total += units;
      tree.set(d.index, {
        ...leaf,
        cumulativeUnits: leaf.cumulativeUnits + units,
        lastTimestamp: leaf.lastTimestamp + 60n,
        accruedReward: leaf.accruedReward + units * SETTINGS.rewardRate,
      });
    }
    opsTo = count;
    await c.manager.connect(sequencer).submitBatch(projectId, 1n, count, opsTo, "");
    const batchId = await c.manager.batchCount();
    const assigned = (await c.manager.batchOf(batchId)).prover;
    const prover = provers.find((p) => p.address === assigned)!;
    await c.manager.connect(prover).settle(batchId, tree.root, total, 0, "0x");
  }
  await settle((i) => BigInt(10 + i));

  const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
    (await (await tx).wait())!.gasUsed;
  const claim = (i: number) => {
    const a = claimArgs(tree, devices[i].index);
    return gasOf(rewards.claim(projectId, devices[i].deviceId, a.leaf, a.siblings));
  };
  const many = (from: number, n: number) => {
    const a = claimManyArgs(tree, devices.slice(from, from + n));
    return gasOf(rewards.claimMany(projectId, a.deviceIds, a.leaves, a.proof));
  };

  const claimFirstNewHolder = await claim(0);
  const claimFirst = await claim(1);
  const claimManyTotal: Record<number, bigint> = {};
  let from = 2;
  for (const n of manySizes) {
    claimManyTotal[n] = await many(from, n);
    from += n;
  }
  await settle(() => 5n);
  const claimRepeat = await claim(1);
  const claimManyPerDevice = Object.fromEntries(
    Object.entries(claimManyTotal).map(([n, total]) => [Number(n), total / BigInt(n)]),
  );

  const baseline = async (t: 3 | 4 | 5) =>
    (
      await (await ethers.getContractFactory(`poseidon-solidity/PoseidonT${t}.sol:PoseidonT${t}`)).deploy()
    ).getAddress();
  const harness = await new PoseidonHarness__factory(
    {
      "contracts/libraries/poseidon/PoseidonT3.sol:PoseidonT3": await at(DEPLOYMENTS.poseidonT3),
      "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": await at(DEPLOYMENTS.poseidonT4),
      "contracts/libraries/poseidon/PoseidonT5.sol:PoseidonT5": await at(DEPLOYMENTS.poseidonT5),
      "poseidon-solidity/PoseidonT3.sol:PoseidonT3": await baseline(3),
      "poseidon-solidity/PoseidonT4.sol:PoseidonT4": await baseline(4),
      "poseidon-solidity/PoseidonT5.sol:PoseidonT5": await baseline(5),
    },
    deployer,
  ).deploy();
  return {
    depth,
    claimFirstNewHolder,
    claimFirst,
    claimRepeat,
    claimManyPerDevice,
    claimManyTotal,
    poseidonT3: (await harness.hashT3([1n, 2n]))[1],
    poseidonT5: (await harness.hashT5([1n, 2n, 3n, 4n]))[1],
    poseidonSolidityT3: (await harness.baselineHashT3([1n, 2n]))[1],
    poseidonSolidityT5: (await harness.baselineHashT5([1n, 2n, 3n, 4n]))[1],
  };
}
