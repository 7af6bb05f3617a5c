/**
 * Reward-pool and claim operations over the kit: what the rewards:* tasks do. Claims are
 * built from public data only (a replay of the project's settled batches).
 */
import type { Signer } from "ethers";

import { IERC20__factory } from "../../typechain-types";
import { UserError } from "../errors";
import type { BatchDataLoader } from "../da/batch-data";
import { claimArgs, claimManyArgs, deviceRewards, type DeviceRewards } from "../rewards/claims";
import { replayProject, type ProjectReplay } from "../rewards/replay";
import type { Kit, SettlementKit } from "./contracts";

export interface ReplayHooks {
  load?: BatchDataLoader;
  onBatch?: (done: number, total: number) => void;
}

async function pool(s: SettlementKit, projectId: bigint) {
  const p = await s.rewards.poolOf(projectId);
  if (p.token === "0x0000000000000000000000000000000000000000")
    throw new UserError(`project ${projectId} has no reward token: run rewards:set-token first`);
  return p;
}

export async function setRewardToken(s: SettlementKit, projectId: bigint, token: string): Promise<string> {
  return (await (await s.rewards.setRewardToken(projectId, token)).wait())!.hash;
}

/** Approves the distributor if needed, then funds the project's pool. */
export async function fundPool(
  s: SettlementKit,
  signer: Signer,
  projectId: bigint,
  amount: bigint,
): Promise<string> {
  if (amount <= 0n) throw new UserError("the amount must be positive");
  const token = IERC20__factory.connect((await pool(s, projectId)).token, signer);
  const me = await signer.getAddress();
  const balance = await token.balanceOf(me);
  if (balance < amount) throw new UserError(`balance ${balance} is below the amount ${amount}`);
  const spender = await s.rewards.getAddress();
  if ((await token.allowance(me, spender)) < amount) await (await token.approve(spender, amount)).wait();
  return (await (await s.rewards.fund(projectId, amount)).wait())!.hash;
}

/** Sets the reward rate per unit from the next submitted batch on (project owner). */
export async function setRewardRate(kit: Kit, projectId: bigint, rate: bigint): Promise<string> {
  if (rate < 0n || rate >= 1n << 128n) throw new UserError("the rate must fit 128 bits");
  const settings = await kit.projectRegistry.settingsOf(projectId);
  const next = {
    circuitId: settings.circuitId,
    proofSystem: settings.proofSystem,
    minInterval: settings.minInterval,
    maxUnits: settings.maxUnits,
    proverFee: settings.proverFee,
    rewardRate: rate,
  };
  return (await (await kit.projectRegistry.setSettings(projectId, next)).wait())!.hash;
}

export async function poolStatus(s: SettlementKit, projectId: bigint) {
  const [p, withdrawable, root] = await Promise.all([
    s.rewards.poolOf(projectId),
    s.rewards.withdrawable(projectId),
    s.rewards.currentRoot(projectId),
  ]);
  return {
    projectId,
    token: p.token,
    funded: p.funded,
    withdrawn: p.withdrawn,
    owed: p.owed,
    paid: p.paid,
    balance: p.funded - p.withdrawn - p.paid,
    withdrawable,
    currentRoot: root,
  };
}

async function projectOf(kit: Kit, deviceId: bigint): Promise<bigint> {
  try {
    return (await kit.deviceRegistry.deviceOf(deviceId)).projectId;
  } catch {
    throw new UserError(`device ${deviceId} is not registered`);
  }
}

async function replay(
  kit: Kit,
  s: SettlementKit,
  projectId: bigint,
  hooks: ReplayHooks,
): Promise<ProjectReplay> {
  return replayProject(
    { deviceRegistry: kit.deviceRegistry, manager: s.manager, fromBlock: kit.fromBlock },
    projectId,
    {
      load: hooks.load,
      onBatch: hooks.onBatch,
    },
  );
}

/** A device's units, accrued, paid and claimable rewards, from a replay of its project. */
export async function showDeviceRewards(
  kit: Kit,
  s: SettlementKit,
  deviceId: bigint,
  hooks: ReplayHooks = {},
): Promise<DeviceRewards> {
  const projectId = await projectOf(kit, deviceId);
  const { tree } = await replay(kit, s, projectId, hooks);
  return deviceRewards(s.rewards, kit.deviceRegistry, tree, deviceId);
}

export interface ClaimResult {
  projectId: bigint;
  txHash: string;
  gasUsed: bigint;
  paid: { deviceId: bigint; recipient: string; amount: bigint }[];
  shortfall: { deviceId: bigint; unpaid: bigint }[];
}

/**
 * Claims the devices' rewards: one transaction per project (`claim` for one device,
 * `claimMany` with a multiproof for several), each against the project's current root.
 */
export async function claimDevices(
  kit: Kit,
  s: SettlementKit,
  deviceIds: bigint[],
  hooks: ReplayHooks = {},
): Promise<ClaimResult[]> {
  if (deviceIds.length === 0) throw new UserError("name at least one device");
  const byProject = new Map<bigint, { deviceId: bigint; index: number }[]>();
  for (const deviceId of new Set(deviceIds)) {
    const projectId = await projectOf(kit, deviceId);
    const index = Number((await kit.deviceRegistry.deviceOf(deviceId)).index);
    byProject.set(projectId, [...(byProject.get(projectId) ?? []), { deviceId, index }]);
  }
  const results: ClaimResult[] = [];
  for (const [projectId, devices] of byProject) {
    const { tree, batches } = await replay(kit, s, projectId, hooks);
    if (batches.length === 0) throw new UserError(`project ${projectId} has no settled batch yet`);
    let tx;
    if (devices.length === 1) {
      const a = claimArgs(tree, devices[0].index);
      tx = await s.rewards.claim(projectId, devices[0].deviceId, a.leaf, a.siblings);
    } else {
      const a = claimManyArgs(tree, devices);
      tx = await s.rewards.claimMany(projectId, a.deviceIds, a.leaves, a.proof);
    }
    const receipt = (await tx.wait())!;
    const result: ClaimResult = {
      projectId,
      txHash: receipt.hash,
      gasUsed: receipt.gasUsed,
      paid: [],
      shortfall: [],
    };
    for (const log of receipt.logs) {
      const parsed = s.rewards.interface.parseLog(log);
      if (parsed?.name === "RewardClaimed")
        result.paid.push({
          deviceId: parsed.args.deviceId,
          recipient: parsed.args.recipient,
          amount: parsed.args.amount,
        });
      if (parsed?.name === "RewardShortfall")
        result.shortfall.push({ deviceId: parsed.args.deviceId, unpaid: parsed.args.unpaid });
    }
    results.push(result);
  }
  return results;
}
