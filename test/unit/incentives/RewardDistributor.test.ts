/**
 * RewardDistributor: pools, claims with Merkle paths and multiproofs, relayed claims,
 * credits for refused payments, and every error and restricted function. Batches settle
 * through a mock verifier with roots the library's batch builder computed from signed
 * messages (test/helpers/rewards.ts).
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { TypedDataEncoder } from "ethers";

import { SNARK_SCALAR_FIELD } from "../../../src/crypto/field";
import {
  CLAIM_AUTHORIZATION_TYPES,
  buildMultiproof,
  claimManyArgs,
  rewardsDomain,
  signClaimAuthorization,
} from "../../../src/rewards";
import { StateTree, leafHash } from "../../../src/trees";
import { MaliciousERC20__factory, RewardDistributor__factory } from "../../../typechain-types";
import { DEPLOYMENTS } from "../../../src/chain/deployments";
import { BUDGET, RATE, rewardsFixture } from "../../helpers/rewards";

describe("RewardDistributor", function () {
  describe("wiring", function () {
    it("takes state roots only from the BatchManager, wired once by the deployer", async function () {
      const f = await rewardsFixture(0);
      expect(await f.rewards.batchManager()).to.equal(await f.manager.getAddress());
      expect(await f.rewards.stateDepth()).to.equal(4);
      await expect(f.rewards.connect(f.stranger).onStateRoot(f.projectId, 1n, 1n, 1n))
        .to.be.revertedWithCustomError(f.rewards, "NotBatchManager")
        .withArgs(f.stranger.address);
      await expect(f.rewards.setBatchManager(f.stranger.address)).to.be.revertedWithCustomError(
        f.rewards,
        "BatchManagerAlreadySet",
      );

      const fresh = await new RewardDistributor__factory(
        {
          "contracts/libraries/poseidon/PoseidonT3.sol:PoseidonT3": (
            await deployments.get(DEPLOYMENTS.poseidonT3)
          ).address,
          "contracts/libraries/poseidon/PoseidonT5.sol:PoseidonT5": (
            await deployments.get(DEPLOYMENTS.poseidonT5)
          ).address,
        },
        f.deployer,
      ).deploy(f.projectRegistry, f.deviceRegistry);
      await expect(fresh.connect(f.stranger).setBatchManager(f.stranger.address))
        .to.be.revertedWithCustomError(fresh, "NotDeployer")
        .withArgs(f.stranger.address);
      await expect(fresh.setBatchManager(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        fresh,
        "ZeroAddress",
      );
      await expect(fresh.setBatchManager(f.stranger.address))
        .to.emit(fresh, "BatchManagerSet")
        .withArgs(f.stranger.address);
      await expect(fresh.connect(f.stranger).onStateRoot(7n, 3n, 99n, 5n))
        .to.emit(fresh, "StateRootRecorded")
        .withArgs(7n, 3n, 99n, 5n);
      expect(await fresh.rootBatch(7n, 99n)).to.equal(3n);
      expect(await fresh.currentRoot(7n)).to.equal(99n);
      expect((await fresh.poolOf(7n)).owed).to.equal(5n);
    });

    it("records every settled root with what the batch owes", async function () {
      const f = await rewardsFixture(2);
      const s1 = await f.scenario.settle([{ device: 0, units: [5n, 7n] }]);
      const s2 = await f.scenario.settle([{ device: 1, units: [1n] }]);
      expect(await f.rewards.rootBatch(f.projectId, s1.root)).to.equal(s1.batchId);
      expect(await f.rewards.rootBatch(f.projectId, s2.root)).to.equal(s2.batchId);
      expect(await f.rewards.currentRoot(f.projectId)).to.equal(s2.root);
      expect((await f.rewards.poolOf(f.projectId)).owed).to.equal(13n * RATE);
    });

    it("hashes leaves like the library", async function () {
      const f = await rewardsFixture(0);
      const leaf = { keyHash: 1n, cumulativeUnits: 2n, lastTimestamp: 3n, accruedReward: 4n };
      expect(await f.rewards.leafHash(leaf)).to.equal(leafHash(leaf));
    });
  });

  describe("pools", function () {
    it("sets the reward token: project owner only, never zero, fixed once funded", async function () {
      const f = await rewardsFixture(0);
      await expect(f.rewards.connect(f.stranger).setRewardToken(f.projectId, f.rewardToken))
        .to.be.revertedWithCustomError(f.rewards, "NotProjectOwner")
        .withArgs(f.projectId, f.stranger.address);
      await expect(
        f.rewards.connect(f.projectOwner).setRewardToken(f.projectId, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.rewards, "ZeroAddress");
      await expect(f.rewards.connect(f.projectOwner).setRewardToken(f.projectId, f.rewardToken))
        .to.emit(f.rewards, "RewardTokenSet")
        .withArgs(f.projectId, await f.rewardToken.getAddress());
      await f.scenario.fund(100n);
      await expect(f.rewards.connect(f.projectOwner).setRewardToken(f.projectId, f.rewardToken))
        .to.be.revertedWithCustomError(f.rewards, "RewardTokenLocked")
        .withArgs(f.projectId);
    });

    it("is funded by anyone, with what actually arrived", async function () {
      const f = await rewardsFixture(0);
      await expect(f.rewards.fund(f.projectId, 0n)).to.be.revertedWithCustomError(f.rewards, "ZeroAmount");
      await expect(f.rewards.fund(f.projectId + 1n, 1n))
        .to.be.revertedWithCustomError(f.rewards, "NoRewardToken")
        .withArgs(f.projectId + 1n);
      await f.rewardToken.mint(f.stranger.address, 500n);
      await f.rewardToken.connect(f.stranger).approve(f.rewards, 500n);
      await expect(f.rewards.connect(f.stranger).fund(f.projectId, 500n))
        .to.emit(f.rewards, "PoolFunded")
        .withArgs(f.projectId, f.stranger.address, 500n);

      // A fee-on-transfer token: the pool counts what it received.
      const evil = await new MaliciousERC20__factory(f.deployer).deploy();
      await f.projectRegistry.connect(f.projectOwner).register("Other", "ipfs://x", ethers.ZeroHash);
      const other = await f.projectRegistry.projectCount();
      await f.rewards.connect(f.projectOwner).setRewardToken(other, evil);
      await evil.setFeeBps(1_000);
      await evil.mint(f.stranger.address, 1_000n);
      await evil.connect(f.stranger).approve(f.rewards, 1_000n);
      await expect(f.rewards.connect(f.stranger).fund(other, 1_000n))
        .to.emit(f.rewards, "PoolFunded")
        .withArgs(other, f.stranger.address, 900n);
      expect((await f.rewards.poolOf(other)).funded).to.equal(900n);
    });

    it("lets the owner withdraw only what no settled batch is owed", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(1_000n);
      await f.scenario.settle([{ device: 0, units: [100n] }]); // owes 300
      expect(await f.rewards.withdrawable(f.projectId)).to.equal(700n);
      const withdraw = (amount: bigint, caller = f.projectOwner, to = f.projectOwner.address) =>
        f.rewards.connect(caller).withdrawPool(f.projectId, amount, to);
      await expect(withdraw(1n, f.stranger))
        .to.be.revertedWithCustomError(f.rewards, "NotProjectOwner")
        .withArgs(f.projectId, f.stranger.address);
      await expect(withdraw(0n)).to.be.revertedWithCustomError(f.rewards, "ZeroAmount");
      await expect(withdraw(1n, f.projectOwner, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.rewards,
        "ZeroAddress",
      );
      await expect(withdraw(701n))
        .to.be.revertedWithCustomError(f.rewards, "ExceedsWithdrawable")
        .withArgs(700n, 701n);
      await expect(withdraw(700n))
        .to.emit(f.rewards, "PoolWithdrawn")
        .withArgs(f.projectId, f.projectOwner.address, 700n);
      expect(await f.rewardToken.balanceOf(f.projectOwner.address)).to.equal(700n);
      // What remains is the device's, in full.
      await f.scenario.claim(0);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(300n);
      expect(await f.rewards.withdrawable(f.projectId)).to.equal(0n);
    });
  });

  describe("claim", function () {
    it("pays Σ units × rate after one batch and after many, to the ioID owner, whoever calls", async function () {
      const f = await rewardsFixture(2);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [5n, 7n] }]);
      const args = f.scenario.claimArgs(0);
      await expect(f.scenario.claim(0))
        .to.emit(f.rewards, "RewardClaimed")
        .withArgs(f.projectId, args.deviceId, f.deviceOwner.address, 12n * RATE, 12n * RATE);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(12n * RATE);

      await f.scenario.settle([
        { device: 0, units: [1n] },
        { device: 1, units: [2n, 3n] },
      ]);
      await f.scenario.settle([{ device: 0, units: [10n, 20n] }]);
      await f.scenario.claim(0);
      await f.scenario.claim(1);
      expect(await f.rewards.paidOf(f.scenario.devices[0].deviceId)).to.equal(43n * RATE);
      expect(await f.rewards.paidOf(f.scenario.devices[1].deviceId)).to.equal(5n * RATE);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(48n * RATE);
      expect(await f.rewardToken.balanceOf(f.stranger.address)).to.equal(0n);
    });

    it("applies a rate change from the next batch on, never to the past", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [10n] }]); // at 3
      // Submitted at rate 3, settled after the rate changed to 50: still 3.
      await f.scenario.settle([{ device: 0, units: [2n] }], { beforeSettle: () => f.scenario.setRate(50n) });
      expect((await f.manager.batchOf(2n)).rewardRate).to.equal(3n);
      await f.scenario.claim(0);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(12n * 3n);
      // The next batch is recorded at 50; what was earned before is not rewritten.
      await f.scenario.settle([{ device: 0, units: [1n] }]);
      expect((await f.manager.batchOf(3n)).rewardRate).to.equal(50n);
      await f.scenario.claim(0);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(12n * 3n + 1n * 50n);
      expect((await f.rewards.poolOf(f.projectId)).owed).to.equal(86n);
    });

    it("pays an ioID's new owner after a transfer", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [4n] }]);
      const { deviceId } = f.scenario.devices[0];
      await f.deviceRegistry
        .connect(f.deviceOwner)
        .transferFrom(f.deviceOwner.address, f.stranger.address, deviceId);
      await f.scenario.claim(0, f.relayer);
      expect(await f.rewardToken.balanceOf(f.stranger.address)).to.equal(4n * RATE);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(0n);
    });

    it("lets a revoked device claim what it earned", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [6n] }]);
      await f.deviceRegistry.connect(f.deviceOwner).revoke(f.scenario.devices[0].deviceId);
      await f.scenario.settle([]); // the revoke op enters the tree: key hash 0, reward kept
      expect(f.scenario.tree.leaf(f.scenario.devices[0].index).keyHash).to.equal(0n);
      await f.scenario.claim(0);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(6n * RATE);
    });

    it("pays 0 on a replayed claim, without reverting or an event", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [6n] }]);
      await f.scenario.claim(0);
      const a = f.scenario.claimArgs(0);
      expect(await f.rewards.claim.staticCall(f.projectId, a.deviceId, a.leaf, a.siblings)).to.equal(0n);
      await expect(f.scenario.claim(0)).to.not.emit(f.rewards, "RewardClaimed");
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(6n * RATE);
    });

    it("accepts an older root racing a settlement, and never pays twice across roots", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [6n] }]);
      const old = f.scenario.history[0].tree;
      await f.scenario.settle([{ device: 0, units: [4n] }]);
      await f.scenario.claim(0, f.stranger, old); // 6 × rate against the old root
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(6n * RATE);
      await f.scenario.claim(0); // the rest against the current one
      await f.scenario.claim(0, f.stranger, old); // the old root now shows less than paid: 0
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(10n * RATE);
    });

    it("rejects a forged leaf, a forged path and a root that was never current (UnknownRoot)", async function () {
      const f = await rewardsFixture(2);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [6n] }]);
      const a = f.scenario.claimArgs(0);
      const claim = (leaf = a.leaf, siblings = a.siblings) =>
        f.rewards.claim(f.projectId, a.deviceId, leaf, siblings);
      await expect(
        claim({ ...a.leaf, accruedReward: a.leaf.accruedReward + 1n }),
      ).to.be.revertedWithCustomError(f.rewards, "UnknownRoot");
      const forged = [...a.siblings];
      forged[2] += 1n;
      await expect(claim(a.leaf, forged)).to.be.revertedWithCustomError(f.rewards, "UnknownRoot");
      // Device 1's leaf under device 0's index: the index comes from the registry.
      const b = f.scenario.claimArgs(1);
      await expect(
        f.rewards.claim(f.projectId, b.deviceId, a.leaf, a.siblings),
      ).to.be.revertedWithCustomError(f.rewards, "UnknownRoot");
      // A tree the chain never settled (a batch built but not submitted).
      const unsettled = f.scenario.tree.clone();
      unsettled.set(f.scenario.devices[0].index, {
        ...unsettled.leaf(f.scenario.devices[0].index),
        accruedReward: 10n ** 21n,
      });
      const u = f.scenario.claimArgs(0, unsettled);
      await expect(claim(u.leaf, u.siblings))
        .to.be.revertedWithCustomError(f.rewards, "UnknownRoot")
        .withArgs(f.projectId, unsettled.root);
    });

    it("rejects a leaf aliased modulo r (LeafNotInField)", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [6n] }]);
      const a = f.scenario.claimArgs(0);
      // Poseidon reads inputs mod r: accrued + r hashes like accrued, and must be refused.
      const aliased = { ...a.leaf, accruedReward: a.leaf.accruedReward + SNARK_SCALAR_FIELD };
      await expect(
        f.rewards.claim(f.projectId, a.deviceId, aliased, a.siblings),
      ).to.be.revertedWithCustomError(f.rewards, "LeafNotInField");
    });

    it("rejects a path of the wrong length and a device of another project", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.settle([{ device: 0, units: [6n] }]);
      const a = f.scenario.claimArgs(0);
      await expect(f.rewards.claim(f.projectId, a.deviceId, a.leaf, a.siblings.slice(1)))
        .to.be.revertedWithCustomError(f.rewards, "InvalidPathLength")
        .withArgs(3n, 4n);
      await expect(f.rewards.claim(f.projectId + 1n, a.deviceId, a.leaf, a.siblings))
        .to.be.revertedWithCustomError(f.rewards, "DeviceNotInProject")
        .withArgs(a.deviceId, f.projectId + 1n);
    });

    it("pays what the pool holds when short, keeps the rest owed, and pays it after a top-up", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.settle([{ device: 0, units: [100n] }]); // 300 owed, nothing funded
      const { deviceId } = f.scenario.devices[0];
      await expect(f.scenario.claim(0))
        .to.emit(f.rewards, "RewardShortfall")
        .withArgs(f.projectId, deviceId, 300n)
        .and.to.not.emit(f.rewards, "RewardClaimed");
      await f.scenario.fund(120n);
      await expect(f.scenario.claim(0))
        .to.emit(f.rewards, "RewardShortfall")
        .withArgs(f.projectId, deviceId, 180n)
        .and.to.emit(f.rewards, "RewardClaimed")
        .withArgs(f.projectId, deviceId, f.deviceOwner.address, 120n, 120n);
      expect(await f.rewards.withdrawable(f.projectId)).to.equal(0n);
      await f.scenario.fund(1_000n);
      await f.scenario.claim(0);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(300n);
      expect(await f.rewards.withdrawable(f.projectId)).to.equal(820n);
    });
  });

  describe("claimWithAuthorization", function () {
    it("pays the recipient the ioID owner signed for, once per nonce", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [9n] }]);
      const a = f.scenario.claimArgs(0);
      const deadline = BigInt(await time.latest()) + 600n;
      const { authorization, signature } = await signClaimAuthorization(
        f.rewards,
        f.deviceOwner,
        a.deviceId,
        f.stranger.address,
        deadline,
      );
      expect(await f.rewards.authorizationDigest(authorization)).to.equal(
        TypedDataEncoder.hash(await rewardsDomain(f.rewards), CLAIM_AUTHORIZATION_TYPES, authorization),
      );
      await expect(
        f.rewards
          .connect(f.relayer)
          .claimWithAuthorization(f.projectId, authorization, signature, a.leaf, a.siblings),
      )
        .to.emit(f.rewards, "RewardClaimed")
        .withArgs(f.projectId, a.deviceId, f.stranger.address, 9n * RATE, 9n * RATE)
        .and.to.emit(f.rewards, "AuthorizationUsed")
        .withArgs(f.deviceOwner.address, 0n);
      expect(await f.rewardToken.balanceOf(f.stranger.address)).to.equal(9n * RATE);
      await expect(
        f.rewards
          .connect(f.relayer)
          .claimWithAuthorization(f.projectId, authorization, signature, a.leaf, a.siblings),
      )
        .to.be.revertedWithCustomError(f.rewards, "InvalidAccountNonce")
        .withArgs(f.deviceOwner.address, 1n);
    });

    it("rejects an expired, misaddressed or foreign authorization", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.settle([{ device: 0, units: [9n] }]);
      const a = f.scenario.claimArgs(0);
      const now = BigInt(await time.latest());
      const relay = (auth: Awaited<ReturnType<typeof signClaimAuthorization>>) =>
        f.rewards
          .connect(f.relayer)
          .claimWithAuthorization(f.projectId, auth.authorization, auth.signature, a.leaf, a.siblings);

      const expired = await signClaimAuthorization(
        f.rewards,
        f.deviceOwner,
        a.deviceId,
        f.stranger.address,
        now,
      );
      await time.increase(10);
      await expect(relay(expired)).to.be.revertedWithCustomError(f.rewards, "ExpiredDeadline").withArgs(now);

      const toZero = await signClaimAuthorization(
        f.rewards,
        f.deviceOwner,
        a.deviceId,
        ethers.ZeroAddress,
        now + 600n,
      );
      await expect(relay(toZero)).to.be.revertedWithCustomError(f.rewards, "ZeroAddress");

      const byStranger = await signClaimAuthorization(
        f.rewards,
        f.stranger,
        a.deviceId,
        f.stranger.address,
        now + 600n,
      );
      await expect(relay(byStranger))
        .to.be.revertedWithCustomError(f.rewards, "InvalidOwnerSignature")
        .withArgs(f.deviceOwner.address);

      // A former owner's signature is void once the ioID changed hands.
      const former = await signClaimAuthorization(
        f.rewards,
        f.deviceOwner,
        a.deviceId,
        f.deviceOwner.address,
        now + 600n,
      );
      await f.deviceRegistry
        .connect(f.deviceOwner)
        .transferFrom(f.deviceOwner.address, f.relayer.address, a.deviceId);
      await expect(relay(former))
        .to.be.revertedWithCustomError(f.rewards, "InvalidOwnerSignature")
        .withArgs(f.relayer.address);
    });

    it("refuses a relayed claim paying less than the owner's minimum (an old root)", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([{ device: 0, units: [9n] }]);
      const old = f.scenario.history[0].tree;
      await f.scenario.settle([{ device: 0, units: [1n] }]);
      const { deviceId } = f.scenario.devices[0];
      const deadline = BigInt(await time.latest()) + 600n;
      const auth = await signClaimAuthorization(
        f.rewards,
        f.deviceOwner,
        deviceId,
        f.stranger.address,
        deadline,
        10n * RATE,
      );
      const relay = (tree = f.scenario.tree) => {
        const a = f.scenario.claimArgs(0, tree);
        return f.rewards
          .connect(f.relayer)
          .claimWithAuthorization(f.projectId, auth.authorization, auth.signature, a.leaf, a.siblings);
      };
      await expect(relay(old))
        .to.be.revertedWithCustomError(f.rewards, "ClaimBelowMinimum")
        .withArgs(9n * RATE, 10n * RATE);
      await relay();
      expect(await f.rewardToken.balanceOf(f.stranger.address)).to.equal(10n * RATE);
    });
  });

  describe("claimMany", function () {
    it("pays every device with one multiproof, the same as claiming one by one", async function () {
      const f = await rewardsFixture(6);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([0, 1, 2, 3, 4, 5].map((device) => ({ device, units: [BigInt(device + 1)] })));
      const chosen = [5, 1, 2, 4].map((i) => f.scenario.devices[i]); // any order in, sorted by the builder
      const args = claimManyArgs(f.scenario.tree, chosen);
      expect(
        await f.rewards.claimMany.staticCall(f.projectId, args.deviceIds, args.leaves, args.proof),
      ).to.equal((6n + 2n + 3n + 5n) * RATE);
      const tx = await f.rewards
        .connect(f.relayer)
        .claimMany(f.projectId, args.deviceIds, args.leaves, args.proof);
      for (const d of chosen) {
        await expect(tx)
          .to.emit(f.rewards, "RewardClaimed")
          .withArgs(
            f.projectId,
            d.deviceId,
            f.deviceOwner.address,
            BigInt(d.index + 1) * RATE,
            BigInt(d.index + 1) * RATE,
          );
      }
      // Again: nothing left, no revert; one device still unclaimed pays alongside.
      const again = claimManyArgs(f.scenario.tree, [...chosen, f.scenario.devices[0]]);
      await expect(f.rewards.claimMany(f.projectId, again.deviceIds, again.leaves, again.proof))
        .to.emit(f.rewards, "RewardClaimed")
        .withArgs(f.projectId, f.scenario.devices[0].deviceId, f.deviceOwner.address, RATE, RATE);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(17n * RATE);
    });

    it("pays each owner its own devices' rewards", async function () {
      const f = await rewardsFixture(2);
      await f.scenario.addDevices(2, f.stranger);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([0, 1, 2, 3].map((device) => ({ device, units: [10n] })));
      const args = claimManyArgs(f.scenario.tree, f.scenario.devices);
      await f.rewards.claimMany(f.projectId, args.deviceIds, args.leaves, args.proof);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(20n * RATE);
      expect(await f.rewardToken.balanceOf(f.stranger.address)).to.equal(20n * RATE);
    });

    it("rejects empty, mismatched, unsorted and tampered claims", async function () {
      const f = await rewardsFixture(3);
      await f.scenario.fund(BUDGET);
      await f.scenario.settle([0, 1, 2].map((device) => ({ device, units: [10n] })));
      const args = claimManyArgs(f.scenario.tree, f.scenario.devices);
      const call = (ids = args.deviceIds, leaves = args.leaves, proof = args.proof) =>
        f.rewards.claimMany(f.projectId, ids, leaves, proof);
      await expect(call([], [])).to.be.revertedWithCustomError(f.rewards, "NoDevices");
      await expect(call(args.deviceIds, args.leaves.slice(1)))
        .to.be.revertedWithCustomError(f.rewards, "LengthMismatch")
        .withArgs(3n, 2n);
      await expect(call([...args.deviceIds].reverse(), [...args.leaves].reverse()))
        .to.be.revertedWithCustomError(f.rewards, "DevicesNotSorted")
        .withArgs(1n);
      await expect(call(args.deviceIds, args.leaves, args.proof.slice(1))).to.be.revertedWithCustomError(
        f.rewards,
        "InvalidMultiproof",
      );
      await expect(call(args.deviceIds, args.leaves, [...args.proof, 1n])).to.be.revertedWithCustomError(
        f.rewards,
        "InvalidMultiproof",
      );
      const tampered = [...args.proof];
      tampered[0] += 1n;
      await expect(call(args.deviceIds, args.leaves, tampered)).to.be.revertedWithCustomError(
        f.rewards,
        "UnknownRoot",
      );
      const forgedLeaves = args.leaves.map((l, i) => (i === 1 ? { ...l, accruedReward: 10n ** 20n } : l));
      await expect(call(args.deviceIds, forgedLeaves)).to.be.revertedWithCustomError(
        f.rewards,
        "UnknownRoot",
      );
    });
  });

  describe("payments a token refuses", function () {
    async function evilFixture() {
      const fresh = await rewardsFixture(2);
      const evil = await new MaliciousERC20__factory(fresh.deployer).deploy();
      // Not funded yet: the owner can still switch the pool to the malicious token.
      await fresh.rewards.connect(fresh.projectOwner).setRewardToken(fresh.projectId, evil);
      await evil.mint(fresh.projectOwner.address, BUDGET);
      await evil.connect(fresh.projectOwner).approve(fresh.rewards, BUDGET);
      await fresh.rewards.connect(fresh.projectOwner).fund(fresh.projectId, BUDGET);
      await fresh.scenario.settle([
        { device: 0, units: [7n] },
        { device: 1, units: [3n] },
      ]);
      return { ...fresh, evil };
    }

    it("credits a refused payment, and the recipient withdraws it later", async function () {
      const f = await evilFixture();
      await f.evil.setBlocked(f.deviceOwner.address, true);
      const args = claimManyArgs(f.scenario.tree, f.scenario.devices);
      await expect(f.rewards.claimMany(f.projectId, args.deviceIds, args.leaves, args.proof))
        .to.emit(f.rewards, "PaymentCredited")
        .withArgs(await f.evil.getAddress(), f.deviceOwner.address, 10n * RATE);
      expect(await f.rewards.creditOf(f.evil, f.deviceOwner.address)).to.equal(10n * RATE);
      await expect(f.rewards.connect(f.deviceOwner).withdrawCredit(f.evil, f.deviceOwner.address)).to.be
        .reverted;
      await expect(
        f.rewards.connect(f.deviceOwner).withdrawCredit(f.evil, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.rewards, "ZeroAddress");
      await expect(f.rewards.connect(f.deviceOwner).withdrawCredit(f.evil, f.stranger.address))
        .to.emit(f.rewards, "CreditWithdrawn")
        .withArgs(await f.evil.getAddress(), f.deviceOwner.address, f.stranger.address, 10n * RATE);
      expect(await f.evil.balanceOf(f.stranger.address)).to.equal(10n * RATE);
      await expect(f.rewards.connect(f.deviceOwner).withdrawCredit(f.evil, f.stranger.address))
        .to.be.revertedWithCustomError(f.rewards, "NothingToWithdraw")
        .withArgs(f.deviceOwner.address);
    });

    it("cannot be made to pay twice by a reentrant token", async function () {
      for (const bubble of [false, true]) {
        const f = await evilFixture();
        const a = f.scenario.claimArgs(0);
        const reentry = f.rewards.interface.encodeFunctionData("claim", [
          f.projectId,
          a.deviceId,
          a.leaf,
          a.siblings,
        ]);
        await f.evil.setReentry(await f.rewards.getAddress(), reentry, bubble);
        await f.rewards.claim(f.projectId, a.deviceId, a.leaf, a.siblings);
        expect(await f.evil.reentrySucceeded()).to.equal(false);
        const received =
          (await f.evil.balanceOf(f.deviceOwner.address)) +
          (await f.rewards.creditOf(f.evil, f.deviceOwner.address));
        expect(received, bubble ? "bubbled" : "swallowed").to.equal(7n * RATE);
        expect(await f.rewards.paidOf(a.deviceId)).to.equal(7n * RATE);
        // And a second claim pays nothing more.
        await f.evil.setReentry(ethers.ZeroAddress, "0x", false);
        await f.rewards.claim(f.projectId, a.deviceId, a.leaf, a.siblings);
        const after =
          (await f.evil.balanceOf(f.deviceOwner.address)) +
          (await f.rewards.creditOf(f.evil, f.deviceOwner.address));
        expect(after).to.equal(7n * RATE);
      }
    });
  });
});

describe("StateTreeProofs", function () {
  it("refuses indices beyond the depth and multiproofs that do not end in one root", async function () {
    const [deployer] = await ethers.getSigners();
    const { StateTreeProofsHarness__factory } = await import("../../../typechain-types");
    const poseidonT3 = await (
      await ethers.getContractFactory("contracts/libraries/poseidon/PoseidonT3.sol:PoseidonT3")
    ).deploy();
    const harness = await new StateTreeProofsHarness__factory(
      { "contracts/libraries/poseidon/PoseidonT3.sol:PoseidonT3": await poseidonT3.getAddress() },
      deployer,
    ).deploy();
    const tree = new StateTree(3);
    tree.set(1, { keyHash: 1n, cumulativeUnits: 2n, lastTimestamp: 3n, accruedReward: 4n });
    const leaf = leafHash(tree.leaf(1));
    expect(await harness.root(1n, leaf, tree.siblings(1))).to.deep.equal([true, tree.root]);
    // Index 9 = 8 + 1 would alias index 1 at depth 3.
    expect((await harness.root(9n, leaf, tree.siblings(1)))[0]).to.equal(false);
    const proof = buildMultiproof(tree, [1]);
    expect(await harness.multiRoot([1n], [leaf], proof, 3)).to.deep.equal([true, tree.root]);
    expect((await harness.multiRoot([1n, 9n], [leaf, leaf], proof, 3))[0]).to.equal(false);
    expect((await harness.multiRoot([], [], [], 3))[0]).to.equal(false);
    // Two leaves in different halves, proved only to depth 1: two nodes left, no root.
    expect((await harness.multiRoot([0n, 7n], [leaf, leaf], [], 1))[0]).to.equal(false);
  });
});
