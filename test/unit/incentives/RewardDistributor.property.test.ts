/**
 * Stateful property test (fast-check model-based commands against the in-process chain):
 * random sequences of settle, fund, set-rate, transfer, revoke, claim, claimMany and
 * withdraw keep `Σ paid ≤ Σ funded` and `paid(device) ≤ accrued(device)` for every
 * device, the distributor's balance equal to its books, and every claim paying exactly
 * what the model says: its unpaid accrual, or what the pool holds when that is less.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { claimManyArgs } from "../../../src/rewards";
import { rewardsFixture } from "../../helpers/rewards";

const DEVICES = 4;

type World = Awaited<ReturnType<typeof rewardsFixture>>;

interface Model {
  funded: bigint;
  withdrawn: bigint;
  paid: bigint[];
  owner: string[];
  revoked: boolean[];
  /** Σ paid to each account, as the model expects it. */
  received: Map<string, bigint>;
}

interface Real {
  w: World;
  accounts: HardhatEthersSigner[];
}

const accrued = (r: Real, d: number) => r.w.scenario.tree.leaf(r.w.scenario.devices[d].index).accruedReward;

async function checkInvariants(m: Model, r: Real): Promise<void> {
  const { rewards, projectId, rewardToken } = r.w;
  const pool = await rewards.poolOf(projectId);
  let sumPaid = 0n;
  for (let d = 0; d < DEVICES; d++) {
    const paid = await rewards.paidOf(r.w.scenario.devices[d].deviceId);
    expect(paid, `paid(${d})`).to.equal(m.paid[d]);
    expect(paid <= accrued(r, d), `paid(${d}) ≤ accrued(${d})`).to.equal(true);
    sumPaid += paid;
  }
  expect(pool.paid).to.equal(sumPaid);
  expect(pool.funded).to.equal(m.funded);
  expect(sumPaid <= pool.funded, "Σ paid ≤ Σ funded").to.equal(true);
  expect(pool.paid <= pool.owed, "Σ paid ≤ Σ owed").to.equal(true);
  expect(await rewardToken.balanceOf(rewards)).to.equal(m.funded - m.withdrawn - sumPaid);
  for (const [account, amount] of m.received) expect(await rewardToken.balanceOf(account)).to.equal(amount);
}

/** The model's payout for device d: its unpaid accrual, capped by what the pool holds. */
function expectedPayout(m: Model, r: Real, d: number): bigint {
  const a = accrued(r, d);
  const claimable = a > m.paid[d] ? a - m.paid[d] : 0n;
  const balance = m.funded - m.withdrawn - m.paid.reduce((x, y) => x + y, 0n);
  return claimable < balance ? claimable : balance;
}

function pay(m: Model, d: number, amount: bigint): void {
  m.paid[d] += amount;
  m.received.set(m.owner[d], (m.received.get(m.owner[d]) ?? 0n) + amount);
}

class SettleCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly reports: { device: number; units: bigint[] }[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const active = this.reports.filter((x) => !m.revoked[x.device]);
    // A revoked device sends nothing; with nothing else to batch there is no batch.
    if (active.length === 0 && !(await r.w.scenario.hasPendingOps())) return;
    await r.w.scenario.settle(active);
    await checkInvariants(m, r);
  }
  toString = () => `settle(${JSON.stringify(this.reports, (_, v) => (typeof v === "bigint" ? `${v}` : v))})`;
}

class FundCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly amount: bigint) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await r.w.scenario.fund(this.amount, r.accounts[0]);
    m.funded += this.amount;
    await checkInvariants(m, r);
  }
  toString = () => `fund(${this.amount})`;
}

class SetRateCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly rate: bigint) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await r.w.scenario.setRate(this.rate);
    await checkInvariants(m, r);
  }
  toString = () => `setRate(${this.rate})`;
}

class TransferCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly device: number,
    readonly to: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const from = r.accounts.find((a) => a.address === m.owner[this.device])!;
    const to = r.accounts[this.to].address;
    const { deviceId } = r.w.scenario.devices[this.device];
    await r.w.deviceRegistry.connect(from).transferFrom(from.address, to, deviceId);
    m.owner[this.device] = to;
    await checkInvariants(m, r);
  }
  toString = () => `transfer(${this.device} → account ${this.to})`;
}

class RevokeCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number) {}
  check = (m: Readonly<Model>) => !m.revoked[this.device];
  async run(m: Model, r: Real) {
    const owner = r.accounts.find((a) => a.address === m.owner[this.device])!;
    await r.w.deviceRegistry.connect(owner).revoke(r.w.scenario.devices[this.device].deviceId);
    m.revoked[this.device] = true;
    await checkInvariants(m, r);
  }
  toString = () => `revoke(${this.device})`;
}

class ClaimCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly device: number,
    readonly rootsBack: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const history = r.w.scenario.history;
    if (history.length === 0) return;
    // Against the current root or an older one (a claim racing settlements).
    const at = history[Math.max(0, history.length - 1 - this.rootsBack)].tree;
    const leafAccrued = at.leaf(r.w.scenario.devices[this.device].index).accruedReward;
    const balance = m.funded - m.withdrawn - m.paid.reduce((x, y) => x + y, 0n);
    const claimable = leafAccrued > m.paid[this.device] ? leafAccrued - m.paid[this.device] : 0n;
    const expected = claimable < balance ? claimable : balance;
    const a = r.w.scenario.claimArgs(this.device, at);
    const caller = r.accounts[2];
    expect(
      await r.w.rewards.connect(caller).claim.staticCall(r.w.projectId, a.deviceId, a.leaf, a.siblings),
    ).to.equal(expected);
    await r.w.rewards.connect(caller).claim(r.w.projectId, a.deviceId, a.leaf, a.siblings);
    pay(m, this.device, expected);
    await checkInvariants(m, r);
  }
  toString = () => `claim(${this.device}, ${this.rootsBack} roots back)`;
}

class ClaimManyCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly devices: number[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    if (r.w.scenario.history.length === 0) return;
    const chosen = [...this.devices].sort(
      (a, b) => r.w.scenario.devices[a].index - r.w.scenario.devices[b].index,
    );
    const args = claimManyArgs(
      r.w.scenario.tree,
      chosen.map((d) => r.w.scenario.devices[d]),
    );
    await r.w.rewards.claimMany(r.w.projectId, args.deviceIds, args.leaves, args.proof);
    for (const d of chosen) pay(m, d, expectedPayout(m, r, d));
    await checkInvariants(m, r);
  }
  toString = () => `claimMany(${this.devices.join(", ")})`;
}

class WithdrawCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly percent: bigint) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const available = await r.w.rewards.withdrawable(r.w.projectId);
    const amount = (available * this.percent) / 100n;
    if (amount === 0n) return;
    const owner = r.w.projectOwner;
    await r.w.rewards.connect(owner).withdrawPool(r.w.projectId, amount, owner.address);
    m.withdrawn += amount;
    m.received.set(owner.address, (m.received.get(owner.address) ?? 0n) + amount);
    await checkInvariants(m, r);
  }
  toString = () => `withdraw(${this.percent}% of withdrawable)`;
}

const device = fc.integer({ min: 0, max: DEVICES - 1 });
const commands = fc.commands(
  [
    fc
      .uniqueArray(
        fc.record({
          device,
          units: fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 2 }),
        }),
        { selector: (x) => x.device, minLength: 1, maxLength: DEVICES },
      )
      .map((reports) => new SettleCmd(reports)),
    fc.bigInt({ min: 1n, max: 5_000n }).map((a) => new FundCmd(a)),
    fc.bigInt({ min: 0n, max: 20n }).map((rate) => new SetRateCmd(rate)),
    fc.tuple(device, fc.integer({ min: 0, max: 2 })).map(([d, to]) => new TransferCmd(d, to)),
    device.map((d) => new RevokeCmd(d)),
    fc.tuple(device, fc.integer({ min: 0, max: 2 })).map(([d, back]) => new ClaimCmd(d, back)),
    fc.uniqueArray(device, { minLength: 1, maxLength: DEVICES }).map((ds) => new ClaimManyCmd(ds)),
    fc.bigInt({ min: 1n, max: 100n }).map((p) => new WithdrawCmd(p)),
  ],
  { maxCommands: 16 },
);

describe("RewardDistributor (stateful property)", function () {
  this.timeout(600_000);

  it("keeps Σ paid ≤ Σ funded and paid ≤ accrued under any sequence of operations", async function () {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const w = await rewardsFixture(DEVICES);
        // The accounts ioIDs move between: the device owner, the stranger, the relayer.
        const accounts = [w.deviceOwner, w.stranger, w.relayer];
        const model: Model = {
          funded: 0n,
          withdrawn: 0n,
          paid: Array(DEVICES).fill(0n),
          owner: Array(DEVICES).fill(w.deviceOwner.address),
          revoked: Array(DEVICES).fill(false),
          received: new Map(accounts.map((a) => [a.address, 0n])),
        };
        // Funding mints to account 0 and moves it all to the pool: its balance is unchanged.
        await fc.asyncModelRun(() => ({ model, real: { w, accounts } }), cmds);
      }),
      { numRuns: 25 },
    );
  });
});
