/**
 * DePINToken: capped supply, premint, minting gated by role and by the halving emission
 * schedule, permit; and its use to fund a reward pool (the deploy scripts' token).
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyUint } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import fc from "fast-check";

import { DEPLOYMENTS, TAGS, depthTag } from "../../../src/chain/deployments";
import { DePINToken__factory, RewardDistributor__factory } from "../../../typechain-types";

const UNIT = 10n ** 18n;
const DAY = 86_400n;

async function tokenFixture(
  overrides: Partial<{ cap: bigint; premint: bigint; rate: bigint; halving: bigint }> = {},
) {
  const [admin, minter, stranger] = await ethers.getSigners();
  const start = BigInt(await time.latest()) + 100n;
  const params = {
    name: "Test DePIN",
    symbol: "TDP",
    cap: overrides.cap ?? 10_000_000n * UNIT,
    premint: overrides.premint ?? 100_000n * UNIT,
    admin: admin.address,
    emissionStart: start,
    initialRate: overrides.rate ?? UNIT,
    halvingInterval: overrides.halving ?? 10n * DAY,
  };
  const token = await new DePINToken__factory(admin).deploy(params);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  return { token, admin, minter, stranger, start, params };
}

/** The schedule in plain arithmetic: rate halves every interval, total capped. */
function modelReleased(elapsed: bigint, rate: bigint, interval: bigint, total: bigint): bigint {
  if (elapsed <= 0n) return 0n;
  let sum = 0n;
  if (interval === 0n) sum = rate * elapsed;
  else {
    let left = elapsed;
    let r = rate;
    while (left > 0n && r > 0n) {
      const span = left < interval ? left : interval;
      sum += r * span;
      left -= span;
      r >>= 1n;
    }
  }
  return sum < total ? sum : total;
}

describe("DePINToken", function () {
  it("premints to the admin within the cap and emits nothing before the start", async function () {
    const { token, admin, params } = await tokenFixture();
    expect(await token.totalSupply()).to.equal(params.premint);
    expect(await token.balanceOf(admin.address)).to.equal(params.premint);
    expect(await token.cap()).to.equal(params.cap);
    expect(await token.mintable()).to.equal(0n);
    expect(await token.emissionStart()).to.equal(params.emissionStart);
    expect(await token.initialRate()).to.equal(params.initialRate);
    expect(await token.halvingInterval()).to.equal(params.halvingInterval);
  });

  it("releases by the halving schedule, capped (property)", async function () {
    const { token, params } = await tokenFixture();
    const total = params.cap - params.premint;
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 400n * DAY }), async (elapsed) => {
        const at = params.emissionStart + elapsed;
        expect(await token.released(at)).to.equal(
          modelReleased(elapsed, params.initialRate, params.halvingInterval, total),
        );
      }),
      { numRuns: 60 },
    );
    // Ten days at 1/s, then ten at 1/2 per second, …: the geometric total is 2 × 10 days.
    expect(await token.released(params.emissionStart + 10n * DAY)).to.equal(10n * DAY * UNIT);
    expect(await token.released(params.emissionStart + 20n * DAY)).to.equal(15n * DAY * UNIT);
  });

  it("caps a constant-rate schedule at the cap less the premint, without overflow", async function () {
    const { token, params } = await tokenFixture({ halving: 0n, rate: 2n ** 255n });
    expect(await token.released(params.emissionStart + 1n)).to.equal(params.cap - params.premint);
    expect(await token.released(2n ** 200n)).to.equal(params.cap - params.premint);
  });

  it("mints only released emission, only for minters", async function () {
    const { token, minter, stranger, params } = await tokenFixture();
    await expect(token.connect(stranger).mint(stranger.address, 1n))
      .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await token.MINTER_ROLE());
    await time.increaseTo(params.emissionStart + 1000n);
    const available = await token.mintable();
    expect(available).to.equal(1000n * UNIT);
    // The transaction's block is a little later: a few more seconds of emission are released.
    await expect(token.connect(minter).mint(stranger.address, available + 100n * UNIT))
      .to.be.revertedWithCustomError(token, "ExceedsEmission")
      .withArgs(available + 100n * UNIT, anyUint);
    await expect(token.connect(minter).mint(stranger.address, available))
      .to.emit(token, "EmissionMinted")
      .withArgs(minter.address, stranger.address, available);
    expect(await token.emissionMinted()).to.equal(available);
    // A minted amount is gone from what can be minted.
    const now = BigInt(await time.latest());
    expect(await token.mintable()).to.equal((await token.released(now)) - available);
    expect(await token.balanceOf(stranger.address)).to.equal(available);
  });

  it("refuses a schedule that cannot emit, a premint above the cap or a zero admin (InvalidSchedule)", async function () {
    const [admin] = await ethers.getSigners();
    const base = {
      name: "x",
      symbol: "x",
      cap: 10n,
      premint: 0n,
      admin: admin.address,
      emissionStart: 0n,
      initialRate: 1n,
      halvingInterval: 0n,
    };
    const factory = new DePINToken__factory(admin);
    await expect(factory.deploy({ ...base, initialRate: 0n })).to.be.revertedWithCustomError(
      factory,
      "InvalidSchedule",
    );
    await expect(factory.deploy({ ...base, premint: 11n })).to.be.revertedWithCustomError(
      factory,
      "InvalidSchedule",
    );
  });

  it("funds a reward pool with a permit, as deployed by the deploy scripts", async function () {
    process.env.STATE_DEPTH = "4";
    try {
      await deployments.fixture([TAGS.rewards, depthTag(4)]);
    } finally {
      delete process.env.STATE_DEPTH;
    }
    const [deployer, owner] = await ethers.getSigners();
    const token = DePINToken__factory.connect(
      (await deployments.get(DEPLOYMENTS.rewardToken)).address,
      deployer,
    );
    const rewards = RewardDistributor__factory.connect(
      (await deployments.get(DEPLOYMENTS.rewardDistributor)).address,
      owner,
    );
    expect(await token.hasRole(await token.MINTER_ROLE(), deployer.address)).to.equal(true);
    const registry = (
      await ethers.getContractAt(
        "ProjectRegistry",
        (await deployments.get(DEPLOYMENTS.projectRegistry)).address,
      )
    ).connect(owner);
    await registry.register("Pool", "ipfs://p", ethers.ZeroHash);
    const projectId = await registry.projectCount();
    await rewards.setRewardToken(projectId, token);

    await time.increase(100);
    await token.mint(owner.address, 50n * UNIT);
    const deadline = BigInt(await time.latest()) + 600n;
    const { chainId } = await ethers.provider.getNetwork();
    const signature = ethers.Signature.from(
      await owner.signTypedData(
        { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() },
        {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        { owner: owner.address, spender: await rewards.getAddress(), value: 50n * UNIT, nonce: 0n, deadline },
      ),
    );
    await token.permit(owner.address, rewards, 50n * UNIT, deadline, signature.v, signature.r, signature.s);
    await rewards.fund(projectId, 50n * UNIT);
    expect((await rewards.poolOf(projectId)).funded).to.equal(50n * UNIT);
  });
});
