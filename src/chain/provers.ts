/** Prover-side and batch operations over the settlement kit: what the prover:* and batch:* tasks do. */
import type { Signer } from "ethers";

import { UserError } from "../errors";
import type { SettlementKit } from "./contracts";

const STATUS = ["none", "assigned", "settled", "voided"] as const;

/** Approves the pool if needed, then stakes. */
export async function stakeProver(s: SettlementKit, signer: Signer, amount: bigint): Promise<string> {
  if (amount <= 0n) throw new UserError("the amount must be positive");
  const me = await signer.getAddress();
  const balance = await s.stakingToken.balanceOf(me);
  if (balance < amount) throw new UserError(`balance ${balance} is below the amount ${amount}`);
  const pool = await s.pool.getAddress();
  if ((await s.stakingToken.allowance(me, pool)) < amount)
    await (await s.stakingToken.approve(pool, amount)).wait();
  return (await (await s.pool.stake(amount)).wait())!.hash;
}

export async function proverStatus(s: SettlementKit, prover: string) {
  const p = await s.pool.proverOf(prover);
  const [weight, total, minStake] = await Promise.all([
    s.pool.weightOf(prover),
    s.pool.totalWeight(),
    s.pool.minStake(),
  ]);
  return {
    prover,
    stake: p.stake,
    unbonding: p.unbonding,
    unbondingEndsAt: p.unbondingEndsAt,
    paused: p.paused,
    eligible: weight > 0n,
    minStake,
    selectionShare: total === 0n ? 0 : Number((weight * 10_000n) / total) / 10_000,
  };
}

export async function depositProjectFees(
  s: SettlementKit,
  signer: Signer,
  projectId: bigint,
  amount: bigint,
): Promise<string> {
  if (amount <= 0n) throw new UserError("the amount must be positive");
  const manager = await s.manager.getAddress();
  const me = await signer.getAddress();
  if ((await s.feeToken.allowance(me, manager)) < amount)
    await (await s.feeToken.approve(manager, amount)).wait();
  return (await (await s.manager.depositFees(projectId, amount)).wait())!.hash;
}

export async function describeBatch(s: SettlementKit, batchId: bigint) {
  const b = await s.manager.batchOf(batchId);
  if (b.status === 0n)
    throw new UserError(`batch ${batchId} does not exist (${await s.manager.batchCount()} so far)`);
  return {
    batchId,
    projectId: b.projectId,
    sequence: b.sequence,
    status: STATUS[Number(b.status)],
    prover: b.prover,
    deadline: b.deadline,
    messageCount: b.messageCount,
    messagesHash: b.messagesHash,
    opsTo: b.opsTo,
    fee: b.fee,
    bounty: b.bounty,
    settings: { minInterval: b.minInterval, maxUnits: b.maxUnits, rewardRate: b.rewardRate },
  };
}
