/**
 * BatchManager logic with a mock verifier registered under a test circuit id (real proofs:
 * test/e2e/settlement.e2e.test.ts).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { FEE, FEES_DEPOSIT, SETTLEMENT_SETTINGS, settlementFixture } from "../../helpers/settlement";
import {
  GasHungryApp__factory,
  MockBatchVerifier__factory,
  RecordingApp__factory,
  RevertingApp__factory,
} from "../../../typechain-types";
import { DeviceClient, generateIdentity } from "../../../src/device";

const MOCK_CIRCUIT = ethers.id("depin-kit/batch/mock/v1");
const GROTH16 = 0;
const PROOF_WINDOW = 3600n;
const HASH = 12345n;
const ROOT = 777n;
const Status = { None: 0, Assigned: 1, Settled: 2, Voided: 3 } as const;

async function managerFixture() {
  const f = await settlementFixture();
  const mock = await new MockBatchVerifier__factory(f.deployer).deploy(GROTH16, true);
  await f.verifierRegistry.register(MOCK_CIRCUIT, GROTH16, mock);
  await f.projectRegistry
    .connect(f.projectOwner)
    .setSettings(f.projectId, { ...SETTLEMENT_SETTINGS, circuitId: MOCK_CIRCUIT });
  // Two registered devices: ops 1 and 2.
  const deadline = BigInt(await time.latest()) + 3600n;
  for (let i = 0; i < 2; i++) {
    await new DeviceClient(generateIdentity(), f.deviceRegistry).register({
      owner: f.deviceOwner.address,
      projectId: f.projectId,
      deadline,
    });
  }
  const submit = (opsTo = 1n, hash = HASH, count = 3) =>
    f.manager.connect(f.sequencer).submitBatch(f.projectId, hash, count, opsTo, "ipfs://batch");
  const proverOf = async (batchId: bigint) => {
    const address = (await f.manager.batchOf(batchId)).prover;
    return f.provers.find((p) => p.address === address)!;
  };
  const settle = async (batchId: bigint) =>
    (await proverOf(batchId)) &&
    f.manager.connect(await proverOf(batchId)).settle(batchId, ROOT + batchId, 9n, GROTH16, "0x");
  return { ...f, mock, submit, proverOf, settle };
}

describe("BatchManager", function () {
  describe("submitBatch", function () {
    it("records the batch with the project's settings and assigns a prover with a deadline in seconds", async function () {
      const f = await managerFixture();
      const tx = await f.submit(1n);
      const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
      const b = await f.manager.batchOf(1n);
      await expect(tx)
        .to.emit(f.manager, "BatchSubmitted")
        .withArgs(1n, f.projectId, 1n, HASH, 3n, 1n, "ipfs://batch");
      await expect(tx)
        .to.emit(f.manager, "BatchAssigned")
        .withArgs(1n, b.prover, BigInt(block!.timestamp) + PROOF_WINDOW);
      expect(b.minInterval).to.equal(SETTLEMENT_SETTINGS.minInterval);
      expect(b.maxUnits).to.equal(SETTLEMENT_SETTINGS.maxUnits);
      expect(b.rewardRate).to.equal(SETTLEMENT_SETTINGS.rewardRate);
      expect(b.fee).to.equal(FEE);
      expect(await f.manager.escrowOf(f.projectId)).to.deep.equal([FEES_DEPOSIT, FEE]);
      expect(await f.manager.feeToken()).to.equal(await f.token.getAddress());
    });

    it("rejects a caller other than the project's sequencer with NotSequencer", async function () {
      const f = await managerFixture();
      await expect(f.manager.connect(f.stranger).submitBatch(f.projectId, HASH, 1, 1, ""))
        .to.be.revertedWithCustomError(f.manager, "NotSequencer")
        .withArgs(f.projectId, f.stranger.address);
    });

    it("rejects a project without a circuit with NoCircuit", async function () {
      const f = await managerFixture();
      await f.projectRegistry
        .connect(f.projectOwner)
        .setSettings(f.projectId, { ...SETTLEMENT_SETTINGS, circuitId: ethers.ZeroHash });
      await expect(f.submit()).to.be.revertedWithCustomError(f.manager, "NoCircuit").withArgs(f.projectId);
    });

    it("refuses a batch its circuit cannot verify in the project's proof system (NoVerifier)", async function () {
      const f = await managerFixture();
      const unknown = ethers.id("depin-kit/batch/unregistered/v1");
      await f.projectRegistry
        .connect(f.projectOwner)
        .setSettings(f.projectId, { ...SETTLEMENT_SETTINGS, circuitId: unknown });
      await expect(f.submit(1n))
        .to.be.revertedWithCustomError(f.manager, "NoVerifier")
        .withArgs(f.projectId, unknown, GROTH16);
      await f.projectRegistry
        .connect(f.projectOwner)
        .setSettings(f.projectId, { ...SETTLEMENT_SETTINGS, circuitId: MOCK_CIRCUIT, proofSystem: 7 });
      await expect(f.submit(1n))
        .to.be.revertedWithCustomError(f.manager, "NoVerifier")
        .withArgs(f.projectId, MOCK_CIRCUIT, 7n);
    });

    it("keeps the ops range moving forward within the registry (OpsOutOfRange)", async function () {
      const f = await managerFixture();
      await expect(f.submit(3n))
        .to.be.revertedWithCustomError(f.manager, "OpsOutOfRange")
        .withArgs(0n, 3n, 2n);
      await f.submit(2n);
      await expect(f.submit(1n))
        .to.be.revertedWithCustomError(f.manager, "OpsOutOfRange")
        .withArgs(2n, 1n, 2n);
    });

    it("rejects an empty batch and a bad messages hash", async function () {
      const f = await managerFixture();
      await expect(f.submit(0n, 0n, 0)).to.be.revertedWithCustomError(f.manager, "EmptyBatch");
      await expect(f.submit(1n, 0n, 2)).to.be.revertedWithCustomError(f.manager, "InvalidMessagesHash");
      await expect(f.submit(1n, 2n ** 255n, 2)).to.be.revertedWithCustomError(
        f.manager,
        "InvalidMessagesHash",
      );
    });

    it("never commits more fees than the escrow holds (InsufficientEscrow)", async function () {
      const f = await managerFixture();
      await f.projectRegistry.connect(f.projectOwner).setSettings(f.projectId, {
        ...SETTLEMENT_SETTINGS,
        circuitId: MOCK_CIRCUIT,
        proverFee: FEES_DEPOSIT,
      });
      await f.submit(1n);
      await expect(f.submit(2n))
        .to.be.revertedWithCustomError(f.manager, "InsufficientEscrow")
        .withArgs(0n, FEES_DEPOSIT);
    });
  });

  describe("settle", function () {
    it("advances the state, pays the fee and hands the root on", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      const prover = await f.proverOf(1n);
      const before = await f.token.balanceOf(prover.address);
      await expect(f.manager.connect(prover).settle(1n, ROOT, 9n, GROTH16, "0x"))
        .to.emit(f.manager, "BatchSettled")
        .withArgs(1n, f.projectId, prover.address, ROOT, 9n, FEE, 0n)
        .and.to.emit(f.rewards, "StateRootRecorded")
        .withArgs(f.projectId, 1n, ROOT, 9n * SETTLEMENT_SETTINGS.rewardRate);
      // The fee is credited, then withdrawn by the prover.
      expect(await f.manager.earningsOf(prover.address)).to.deep.equal([FEE, 0n]);
      await expect(f.manager.connect(prover).withdrawEarnings(prover.address))
        .to.emit(f.manager, "EarningsWithdrawn")
        .withArgs(prover.address, prover.address, FEE, 0n);
      expect(await f.token.balanceOf(prover.address)).to.equal(before + FEE);
      await expect(f.manager.connect(prover).withdrawEarnings(prover.address))
        .to.be.revertedWithCustomError(f.manager, "NothingEarned")
        .withArgs(prover.address);
      const state = await f.manager.projectStateOf(f.projectId);
      expect([state.stateRoot, state.opsCursor, state.settledThrough]).to.deep.equal([ROOT, 1n, 1n]);
      expect((await f.manager.batchOf(1n)).status).to.equal(Status.Settled);
    });

    it("builds the public signals from storage, with the caller as prover", async function () {
      const f = await managerFixture();
      await f.submit(2n);
      const s = await f.manager.publicSignals(1n, ROOT, 9n, f.stranger.address);
      expect(s[0]).to.equal(await f.manager.domainOf(f.projectId));
      expect(s[1]).to.equal((await f.manager.projectStateOf(f.projectId)).stateRoot);
      expect(s[3]).to.equal(await f.deviceRegistry.opsChainAt(f.projectId, 0));
      expect(s[4]).to.equal(await f.deviceRegistry.opsChainAt(f.projectId, 2));
      expect(s[7]).to.equal(BigInt(f.stranger.address));
      const domain = BigInt(
        ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(
            ["uint256", "address", "uint256"],
            [31337n, await f.manager.getAddress(), f.projectId],
          ),
        ),
      );
      expect(s[0]).to.equal(
        domain % 21888242871839275222246405745257275088548364400416034343698204186575808495617n,
      );
    });

    it("rejects a caller other than the assigned prover with NotAssignedProver", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      await expect(f.manager.connect(f.stranger).settle(1n, ROOT, 9n, GROTH16, "0x"))
        .to.be.revertedWithCustomError(f.manager, "NotAssignedProver")
        .withArgs(1n, f.stranger.address);
    });

    it("rejects a settlement after the deadline (seconds) with DeadlinePassed", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      const b = await f.manager.batchOf(1n);
      await time.increaseTo(b.deadline + 1n);
      await expect(f.settle(1n))
        .to.be.revertedWithCustomError(f.manager, "DeadlinePassed")
        .withArgs(1n, b.deadline);
    });

    it("settles strictly in order (OutOfOrder)", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      await f.submit(2n);
      await expect(f.settle(2n)).to.be.revertedWithCustomError(f.manager, "OutOfOrder").withArgs(2n, 2n, 1n);
      await f.settle(1n);
      await f.settle(2n);
      expect((await f.manager.projectStateOf(f.projectId)).settledThrough).to.equal(2n);
    });

    it("rejects a proof the verifier refuses with InvalidProof, and a settled batch with BatchNotOpen", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      await f.mock.setResult(false);
      await expect(f.settle(1n)).to.be.revertedWithCustomError(f.manager, "InvalidProof").withArgs(1n);
      await f.mock.setResult(true);
      await f.settle(1n);
      await expect(f.settle(1n))
        .to.be.revertedWithCustomError(f.manager, "BatchNotOpen")
        .withArgs(1n, Status.Settled);
      await expect(f.manager.settle(9n, ROOT, 0n, GROTH16, "0x"))
        .to.be.revertedWithCustomError(f.manager, "UnknownBatch")
        .withArgs(9n);
    });
  });

  describe("settings in force at submission", function () {
    it("verifies against the circuit and proof system recorded at submission, whatever the owner sets meanwhile", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      const b = await f.manager.batchOf(1n);
      expect(b.circuitId).to.equal(MOCK_CIRCUIT);
      expect(b.proofSystem).to.equal(GROTH16);
      // The owner switches to another circuit (whose verifier refuses everything) and other
      // settings while the proof is in flight.
      const other = ethers.id("depin-kit/batch/other/v1");
      const refusing = await new MockBatchVerifier__factory(f.deployer).deploy(GROTH16, false);
      await f.verifierRegistry.register(other, GROTH16, refusing);
      await f.projectRegistry.connect(f.projectOwner).setSettings(f.projectId, {
        ...SETTLEMENT_SETTINGS,
        circuitId: other,
        minInterval: 1,
        maxUnits: 1n,
        rewardRate: 99n,
      });
      const s = await f.manager.publicSignals(1n, ROOT, 9n, b.prover);
      expect([s[8], s[9], s[10]]).to.deep.equal([
        BigInt(SETTLEMENT_SETTINGS.minInterval),
        SETTLEMENT_SETTINGS.maxUnits,
        SETTLEMENT_SETTINGS.rewardRate,
      ]);
      await expect(f.settle(1n)).to.emit(f.manager, "BatchSettled");
      // The next batch is submitted, and verified, under the new circuit.
      await f.submit(2n);
      expect((await f.manager.batchOf(2n)).circuitId).to.equal(other);
      await expect(f.settle(2n)).to.be.revertedWithCustomError(f.manager, "InvalidProof").withArgs(2n);
    });

    it("refuses a proof in another proof system than recorded (WrongProofSystem)", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      const prover = await f.proverOf(1n);
      await expect(f.manager.connect(prover).settle(1n, ROOT, 9n, 1, "0x"))
        .to.be.revertedWithCustomError(f.manager, "WrongProofSystem")
        .withArgs(1n, GROTH16, 1n);
    });
  });

  describe("proof windows", function () {
    it("starts a batch's window when its predecessor settles: a late predecessor never gets the next prover slashed", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      await f.submit(2n);
      const second = await f.manager.batchOf(2n);
      // Batch 1's prover is absent; batch 2's deadline, counted from its submission, passes.
      await time.increaseTo(second.deadline + 1n);
      await expect(f.manager.connect(f.stranger).reassign(2n))
        .to.be.revertedWithCustomError(f.manager, "OutOfOrder")
        .withArgs(2n, 2n, 1n);
      await f.manager.connect(f.stranger).reassign(1n);
      // Batch 1 is settled by its new prover near the end of the new window.
      const first = await f.manager.batchOf(1n);
      await time.setNextBlockTimestamp(first.deadline);
      const tx = await f.settle(1n);
      const settledAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      await expect(tx)
        .to.emit(f.manager, "BatchDeadlineExtended")
        .withArgs(2n, second.prover, settledAt + PROOF_WINDOW);
      expect((await f.manager.batchOf(2n)).deadline).to.equal(settledAt + PROOF_WINDOW);
      await expect(f.manager.connect(f.stranger).reassign(2n))
        .to.be.revertedWithCustomError(f.manager, "DeadlineNotPassed")
        .withArgs(2n, settledAt + PROOF_WINDOW);
      // Batch 2's honest prover settles within the window after batch 1 settled: not slashed.
      const stakeBefore = (await f.pool.proverOf(second.prover)).stake;
      await time.setNextBlockTimestamp(settledAt + PROOF_WINDOW);
      await expect(f.settle(2n)).to.emit(f.manager, "BatchSettled");
      expect((await f.pool.proverOf(second.prover)).stake).to.equal(stakeBefore);
    });

    it("starts the next window when the predecessor is voided, and not when a later batch is", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      await f.submit(2n);
      await f.submit(2n, HASH + 1n);
      const before = (await f.manager.batchOf(1n)).deadline;
      await time.increase(PROOF_WINDOW / 2n);
      // Voiding batch 3 (behind the head) moves nothing and extends no one's window.
      await expect(f.manager.connect(f.projectOwner).voidBatch(3n)).to.not.emit(
        f.manager,
        "BatchDeadlineExtended",
      );
      expect((await f.manager.batchOf(1n)).deadline).to.equal(before);
      const tx = await f.manager.connect(f.projectOwner).voidBatch(1n);
      const at = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      await expect(tx)
        .to.emit(f.manager, "BatchDeadlineExtended")
        .withArgs(2n, (await f.manager.batchOf(2n)).prover, at + PROOF_WINDOW);
    });
  });

  describe("app hook", function () {
    for (const [name, factory, fails] of [
      ["a recording app", RecordingApp__factory, false],
      ["a reverting app", RevertingApp__factory, true],
      ["a gas-hungry app", GasHungryApp__factory, true],
    ] as const) {
      it(`settles with ${name}`, async function () {
        const f = await managerFixture();
        const app = await new factory(f.deployer).deploy();
        await expect(f.manager.connect(f.projectOwner).setApp(f.projectId, app))
          .to.emit(f.manager, "AppSet")
          .withArgs(f.projectId, await app.getAddress());
        expect(await f.manager.appOf(f.projectId)).to.equal(await app.getAddress());
        await f.submit(1n);
        const tx = f.settle(1n);
        if (fails)
          await expect(tx)
            .to.emit(f.manager, "AppHookFailed")
            .withArgs(1n, await app.getAddress());
        else await expect(tx).to.not.emit(f.manager, "AppHookFailed");
        expect((await f.manager.batchOf(1n)).status).to.equal(Status.Settled);
      });
    }

    it("refuses to starve the hook: NotEnoughGasForHook", async function () {
      const f = await managerFixture();
      await f.manager
        .connect(f.projectOwner)
        .setApp(f.projectId, await new GasHungryApp__factory(f.deployer).deploy());
      await f.submit(1n);
      const prover = await f.proverOf(1n);
      await expect(
        f.manager.connect(prover).settle(1n, ROOT, 9n, GROTH16, "0x", { gasLimit: 250_000 }),
      ).to.be.revertedWithCustomError(f.manager, "NotEnoughGasForHook");
    });

    it("rejects setApp by anyone but the project owner", async function () {
      const f = await managerFixture();
      await expect(f.manager.connect(f.stranger).setApp(f.projectId, f.stranger.address))
        .to.be.revertedWithCustomError(f.manager, "NotProjectOwner")
        .withArgs(f.projectId, f.stranger.address);
    });
  });

  describe("reassign and void", function () {
    it("reassigns only after the deadline (DeadlineNotPassed)", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      const b = await f.manager.batchOf(1n);
      await expect(f.manager.connect(f.stranger).reassign(1n))
        .to.be.revertedWithCustomError(f.manager, "DeadlineNotPassed")
        .withArgs(1n, b.deadline);
    });

    it("reassigns after the deadline: slashes the late prover, the caller gets nothing, a void sends the bounty to the treasury", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      const late = (await f.manager.batchOf(1n)).prover;
      await time.increase(PROOF_WINDOW + 1n);
      const slash = 10n * 10n ** 18n;
      await expect(f.manager.connect(f.stranger).reassign(1n))
        .to.emit(f.manager, "BatchReassigned")
        .withArgs(1n, late, slash);
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(0n);
      expect((await f.manager.batchOf(1n)).bounty).to.equal(slash / 2n);
      const treasury = await f.pool.treasury();
      const before = await f.token.balanceOf(treasury);
      await f.manager.connect(f.projectOwner).voidBatch(1n);
      expect(await f.token.balanceOf(treasury)).to.equal(before + slash / 2n);
    });

    it("voids a batch for the owner only; state is unchanged and later batches proceed", async function () {
      const f = await managerFixture();
      await f.submit(1n);
      await f.submit(2n);
      await expect(f.manager.connect(f.stranger).voidBatch(1n))
        .to.be.revertedWithCustomError(f.manager, "NotProjectOwner")
        .withArgs(f.projectId, f.stranger.address);
      const root = (await f.manager.projectStateOf(f.projectId)).stateRoot;
      await expect(f.manager.connect(f.projectOwner).voidBatch(1n))
        .to.emit(f.manager, "BatchVoided")
        .withArgs(1n, f.projectId);
      expect((await f.manager.projectStateOf(f.projectId)).stateRoot).to.equal(root);
      expect(await f.manager.escrowOf(f.projectId)).to.deep.equal([FEES_DEPOSIT, FEE]);
      // Batch 2 proves from the unchanged root and the unchanged op cursor.
      const s = await f.manager.publicSignals(2n, ROOT, 1n, f.stranger.address);
      expect(s[1]).to.equal(root);
      expect(s[3]).to.equal(0n);
      await f.settle(2n);
      await expect(f.manager.connect(f.projectOwner).voidBatch(1n))
        .to.be.revertedWithCustomError(f.manager, "BatchNotOpen")
        .withArgs(1n, Status.Voided);
    });
  });

  describe("fee escrow", function () {
    it("deposits and withdraws, never below what open batches may owe", async function () {
      const f = await managerFixture();
      await expect(f.manager.depositFees(f.projectId, 0)).to.be.revertedWithCustomError(
        f.manager,
        "ZeroAmount",
      );
      await f.submit(1n);
      await expect(
        f.manager.connect(f.projectOwner).withdrawFees(f.projectId, FEES_DEPOSIT, f.projectOwner.address),
      )
        .to.be.revertedWithCustomError(f.manager, "InsufficientEscrow")
        .withArgs(FEES_DEPOSIT - FEE, FEES_DEPOSIT);
      await expect(
        f.manager
          .connect(f.projectOwner)
          .withdrawFees(f.projectId, FEES_DEPOSIT - FEE, f.projectOwner.address),
      )
        .to.emit(f.manager, "FeesWithdrawn")
        .withArgs(f.projectId, f.projectOwner.address, FEES_DEPOSIT - FEE);
      await expect(f.manager.connect(f.stranger).withdrawFees(f.projectId, 1n, f.stranger.address))
        .to.be.revertedWithCustomError(f.manager, "NotProjectOwner")
        .withArgs(f.projectId, f.stranger.address);
      await f.token.mint(f.stranger.address, 5n);
      await f.token.connect(f.stranger).approve(await f.manager.getAddress(), 5n);
      await expect(f.manager.connect(f.stranger).depositFees(f.projectId, 5n))
        .to.emit(f.manager, "FeesDeposited")
        .withArgs(f.projectId, f.stranger.address, 5n);
    });
  });
});
