import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { coverageRunning } from "../../helpers/coverage";
import { STAKES, settlementFixture } from "../../helpers/settlement";
import { MockERC20__factory, ProverPool__factory } from "../../../typechain-types";

const UNBONDING = 7n * 24n * 3600n;
const MIN_STAKE = 100n * 10n ** 18n;
const SAMPLES = 3000;
/** Selection frequency may differ from the stake share by this much (about 4σ at 3,000 draws). */
const TOLERANCE = 0.04;

async function poolFixture() {
  const f = await settlementFixture();
  await f.pool.setSlasher(f.deployer.address, true);
  return f;
}

describe("ProverPool", function () {
  describe("stake, unstake, withdraw", function () {
    it("stakes and emits Staked", async function () {
      const { pool, token, unstaked } = await poolFixture();
      const p = unstaked[0];
      await token.mint(p.address, MIN_STAKE);
      await token.connect(p).approve(await pool.getAddress(), MIN_STAKE);
      await expect(pool.connect(p).stake(MIN_STAKE))
        .to.emit(pool, "Staked")
        .withArgs(p.address, MIN_STAKE, MIN_STAKE);
      expect(await pool.weightOf(p.address)).to.equal(MIN_STAKE);
    });

    it("rejects zero amounts with ZeroAmount", async function () {
      const { pool, provers } = await poolFixture();
      await expect(pool.connect(provers[0]).stake(0)).to.be.revertedWithCustomError(pool, "ZeroAmount");
      await expect(pool.connect(provers[0]).requestUnstake(0)).to.be.revertedWithCustomError(
        pool,
        "ZeroAmount",
      );
    });

    it("unbonds, keeps unbonding stake slashable, and withdraws exactly stake − slashed", async function () {
      const { pool, token, provers, deployer } = await poolFixture();
      const p = provers[0];
      const tx = await pool.connect(p).requestUnstake(STAKES[0]);
      const at =
        BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp) + UNBONDING;
      await expect(tx).to.emit(pool, "UnstakeRequested").withArgs(p.address, STAKES[0], STAKES[0], at);
      expect(await pool.weightOf(p.address)).to.equal(0n);
      // Requested right before its deadline: still slashed, from the unbonding queue.
      const slash = 30n * 10n ** 18n;
      await expect(pool.slash(p.address, slash, deployer.address)).to.emit(pool, "Slashed");
      await expect(pool.connect(p).withdraw())
        .to.be.revertedWithCustomError(pool, "UnbondingNotFinished")
        .withArgs(at);
      await time.increaseTo(at);
      const before = await token.balanceOf(p.address);
      await expect(pool.connect(p).withdraw())
        .to.emit(pool, "Withdrawn")
        .withArgs(p.address, STAKES[0] - slash);
      expect(await token.balanceOf(p.address)).to.equal(before + STAKES[0] - slash);
      await expect(pool.connect(p).withdraw())
        .to.be.revertedWithCustomError(pool, "NothingToWithdraw")
        .withArgs(p.address);
    });

    it("rejects unstaking more than the stake with InsufficientStake", async function () {
      const { pool, provers } = await poolFixture();
      await expect(pool.connect(provers[0]).requestUnstake(STAKES[0] + 1n))
        .to.be.revertedWithCustomError(pool, "InsufficientStake")
        .withArgs(STAKES[0], STAKES[0] + 1n);
    });

    it("drops a prover below the minimum stake out of selection", async function () {
      const { pool, provers } = await poolFixture();
      await pool.connect(provers[0]).requestUnstake(STAKES[0] - MIN_STAKE + 1n);
      expect(await pool.weightOf(provers[0].address)).to.equal(0n);
      expect(await pool.totalWeight()).to.equal(STAKES[1] + STAKES[2]);
    });
  });

  describe("parameters", function () {
    it("reports the parameters it was deployed with", async function () {
      const { pool, deployer } = await poolFixture();
      expect(await pool.minStake()).to.equal(MIN_STAKE);
      expect(await pool.unbondingPeriod()).to.equal(UNBONDING);
      expect(await pool.beneficiaryBps()).to.equal(5_000n);
      expect(await pool.treasury()).to.equal(deployer.address);
    });
  });

  describe("pause", function () {
    it("takes a prover out of selection and back", async function () {
      const { pool, provers } = await poolFixture();
      await expect(pool.connect(provers[2]).pause())
        .to.emit(pool, "ProverPauseSet")
        .withArgs(provers[2].address, true);
      expect(await pool.weightOf(provers[2].address)).to.equal(0n);
      await expect(pool.connect(provers[2]).pause())
        .to.be.revertedWithCustomError(pool, "PauseUnchanged")
        .withArgs(provers[2].address, true);
      await expect(pool.connect(provers[2]).unpause())
        .to.emit(pool, "ProverPauseSet")
        .withArgs(provers[2].address, false);
      expect(await pool.weightOf(provers[2].address)).to.equal(STAKES[2]);
    });
  });

  describe("slash", function () {
    it("splits the slash between beneficiary and treasury", async function () {
      const { pool, token, provers, stranger, deployer } = await poolFixture();
      const amount = 10n * 10n ** 18n;
      const treasury = await pool.treasury();
      const [b0, t0] = [await token.balanceOf(stranger.address), await token.balanceOf(treasury)];
      await expect(pool.slash(provers[1].address, amount, stranger.address))
        .to.emit(pool, "Slashed")
        .withArgs(provers[1].address, deployer.address, stranger.address, amount, amount / 2n, amount / 2n);
      expect(await token.balanceOf(stranger.address)).to.equal(b0 + amount / 2n);
      expect(await token.balanceOf(treasury)).to.equal(t0 + amount / 2n);
      expect((await pool.proverOf(provers[1].address)).stake).to.equal(STAKES[1] - amount);
    });

    it("takes at most what the prover has", async function () {
      const { pool, provers, stranger } = await poolFixture();
      await pool.slash(provers[0].address, STAKES[0] * 2n, stranger.address);
      expect((await pool.proverOf(provers[0].address)).stake).to.equal(0n);
    });

    it("rejects a caller that is not a slasher with NotSlasher", async function () {
      const { pool, provers, stranger } = await poolFixture();
      await expect(pool.connect(stranger).slash(provers[0].address, 1n, stranger.address))
        .to.be.revertedWithCustomError(pool, "NotSlasher")
        .withArgs(stranger.address);
    });

    it("lets only the owner set slashers", async function () {
      const { pool, stranger } = await poolFixture();
      await expect(pool.setSlasher(stranger.address, true))
        .to.emit(pool, "SlasherSet")
        .withArgs(stranger.address, true);
      await expect(pool.connect(stranger).setSlasher(stranger.address, true))
        .to.be.revertedWithCustomError(pool, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });
  });

  describe("selection", function () {
    it(`draws provers in proportion to stake (±${TOLERANCE * 100} points over ${SAMPLES} seeds)`, async function () {
      const { pool, provers } = await poolFixture();
      const counts = new Map<string, number>();
      for (let i = 0; i < SAMPLES; i++) {
        const seed = BigInt(ethers.keccak256(ethers.toBeHex(i, 32)));
        const p = await pool.selectProver(seed);
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
      const total = STAKES.reduce((a, b) => a + b);
      for (const [i, p] of provers.entries()) {
        const share = Number((STAKES[i] * 1000n) / total) / 1000;
        expect(Math.abs((counts.get(p.address) ?? 0) / SAMPLES - share), p.address).to.be.lessThan(TOLERANCE);
      }
    });

    it("reverts with NoEligibleProver when nobody is eligible", async function () {
      const { pool, provers } = await poolFixture();
      for (const p of provers) await pool.connect(p).pause();
      await expect(pool.selectProver(1n)).to.be.revertedWithCustomError(pool, "NoEligibleProver");
    });

    it("costs O(log capacity): the same gas at 3 and at 40 provers", async function () {
      const { pool, token, unstaked } = await poolFixture();
      const before = await pool.selectProver.estimateGas(12345n);
      const extra = [...unstaked];
      while (extra.length < 37) extra.push(ethers.Wallet.createRandom().connect(ethers.provider) as never);
      const [funder] = await ethers.getSigners();
      for (const p of extra) {
        if ((await ethers.provider.getBalance(p.address)) === 0n)
          await funder.sendTransaction({ to: p.address, value: 10n ** 17n });
        await token.mint(p.address, MIN_STAKE);
        await token.connect(p).approve(await pool.getAddress(), MIN_STAKE);
        await pool.connect(p).stake(MIN_STAKE);
      }
      const after = await pool.selectProver.estimateGas(12345n);
      if (coverageRunning()) return; // gas figures of instrumented code are not comparable
      expect(Number(after)).to.be.closeTo(Number(before), 2_000);
    });

    it("refuses a full pool with PoolFull and bad parameters with InvalidParameters", async function () {
      const [owner, a, b, c] = await ethers.getSigners();
      const token = await new MockERC20__factory(owner).deploy("T", "T");
      const factory = new ProverPool__factory(owner);
      await expect(
        factory.deploy(owner.address, await token.getAddress(), 1n, 1n, 5000n, owner.address, 3n),
      ).to.be.revertedWithCustomError(factory, "InvalidParameters");
      const small = await factory.deploy(
        owner.address,
        await token.getAddress(),
        1n,
        1n,
        5000n,
        owner.address,
        2n,
      );
      for (const p of [a, b, c]) {
        await token.mint(p.address, 1n);
        await token.connect(p).approve(await small.getAddress(), 1n);
      }
      await small.connect(a).stake(1n);
      await small.connect(b).stake(1n);
      await expect(small.connect(c).stake(1n)).to.be.revertedWithCustomError(small, "PoolFull").withArgs(2n);
    });
  });

  describe("slots", function () {
    /** A pool of `capacity` slots with a minimum stake of MIN_STAKE, and funded signers. */
    async function smallPoolFixture(capacity: bigint) {
      const [owner, ...signers] = await ethers.getSigners();
      const token = await new MockERC20__factory(owner).deploy("T", "T");
      const pool = await new ProverPool__factory(owner).deploy(
        owner.address,
        await token.getAddress(),
        MIN_STAKE,
        UNBONDING,
        5000n,
        owner.address,
        capacity,
      );
      await pool.setSlasher(owner.address, true);
      for (const s of signers) {
        await token.mint(s.address, 10n * MIN_STAKE);
        await token.connect(s).approve(await pool.getAddress(), 10n * MIN_STAKE);
      }
      return { owner, signers, token, pool };
    }

    it("gives dust no slot: a pool filled with 1-wei stakes still takes an honest prover, who is drawn", async function () {
      const { signers, pool } = await smallPoolFixture(4n);
      const dust = signers.slice(0, 10);
      for (const d of dust) await expect(pool.connect(d).stake(1n)).to.not.emit(pool, "SlotAssigned");
      expect(await pool.slotsInUse()).to.equal(0n);
      const honest = signers[10];
      await expect(pool.connect(honest).stake(MIN_STAKE))
        .to.emit(pool, "SlotAssigned")
        .withArgs(honest.address, 1n);
      for (const seed of [0n, 1n, MIN_STAKE - 1n, 2n ** 255n])
        expect(await pool.selectProver(seed)).to.equal(honest.address);
      expect(await pool.weightOf(dust[0].address)).to.equal(0n);
      expect((await pool.proverOf(dust[0].address)).slot).to.equal(0n);
      // Dust topped up to the minimum becomes a real prover with a slot.
      await expect(pool.connect(dust[0]).stake(MIN_STAKE - 1n))
        .to.emit(pool, "SlotAssigned")
        .withArgs(dust[0].address, 2n);
      expect(await pool.weightOf(dust[0].address)).to.equal(MIN_STAKE);
    });

    it("frees the slot of a prover whose stake falls below the minimum (unstaked or slashed) and reuses it", async function () {
      const { owner, signers, pool } = await smallPoolFixture(2n);
      const [a, b, c, d] = signers;
      await pool.connect(a).stake(MIN_STAKE);
      await pool.connect(b).stake(MIN_STAKE);
      await expect(pool.connect(c).stake(MIN_STAKE))
        .to.be.revertedWithCustomError(pool, "PoolFull")
        .withArgs(2n);

      // a keeps 1 wei staked: below the minimum, so its slot goes back to the pool.
      await expect(pool.connect(a).requestUnstake(MIN_STAKE - 1n))
        .to.emit(pool, "SlotReleased")
        .withArgs(a.address, 1n);
      expect((await pool.proverOf(a.address)).slot).to.equal(0n);
      expect(await pool.slotsInUse()).to.equal(1n);
      await expect(pool.connect(c).stake(MIN_STAKE)).to.emit(pool, "SlotAssigned").withArgs(c.address, 1n);
      for (const seed of [0n, MIN_STAKE - 1n]) expect(await pool.selectProver(seed)).to.equal(c.address);
      for (const seed of [MIN_STAKE, 2n * MIN_STAKE - 1n])
        expect(await pool.selectProver(seed)).to.equal(b.address);

      // b is slashed below the minimum: its slot is freed too, and d takes it.
      await expect(pool.slash(b.address, 1n, owner.address))
        .to.emit(pool, "SlotReleased")
        .withArgs(b.address, 2n);
      expect(await pool.totalWeight()).to.equal(MIN_STAKE);
      await expect(pool.connect(d).stake(MIN_STAKE)).to.emit(pool, "SlotAssigned").withArgs(d.address, 2n);
      expect(await pool.selectProver(MIN_STAKE)).to.equal(d.address);

      // A prover that withdraws everything and stakes again gets a slot like anyone else.
      await expect(pool.connect(c).requestUnstake(MIN_STAKE))
        .to.emit(pool, "SlotReleased")
        .withArgs(c.address, 1n);
      await time.increase(UNBONDING);
      await pool.connect(c).withdraw();
      await expect(pool.connect(c).stake(MIN_STAKE)).to.emit(pool, "SlotAssigned").withArgs(c.address, 1n);
      expect(await pool.slotsInUse()).to.equal(2n);
      expect(await pool.capacity()).to.equal(2n);
    });

    it("keeps a paused prover's slot (its stake is still at least the minimum)", async function () {
      const { signers, pool } = await smallPoolFixture(1n);
      const [a, b] = signers;
      await pool.connect(a).stake(MIN_STAKE);
      await pool.connect(a).pause();
      expect((await pool.proverOf(a.address)).slot).to.equal(1n);
      await expect(pool.connect(b).stake(MIN_STAKE)).to.be.revertedWithCustomError(pool, "PoolFull");
      await expect(pool.selectProver(0n)).to.be.revertedWithCustomError(pool, "NoEligibleProver");
    });
  });
});
