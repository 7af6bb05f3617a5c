/**
 * End to end on the in-process chain with real `dev` Groth16 proofs: devices register,
 * the sequencer submits two batches (publishing their data), provers prove and settle
 * them, a late prover's batch is reassigned, slashed and settled by another, and the
 * device owner rebuilds the state from public data and claims the devices' rewards.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { settleBatch, settleCall } from "../../src/chain/settlement";
import { keyHash, signEddsaPoseidon } from "../../src/crypto";
import { DeviceClient, generateIdentity, type DeviceIdentity } from "../../src/device";
import { ProjectMirror } from "../../src/prover/mirror";
import { encodeBatchData } from "../../src/da/batch-data";
import { claimArgs, claimManyArgs, replayProject } from "../../src/rewards";
import { messageDigest, type DeviceMessages } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { prove } from "../../src/zk/prove";
import { releaseSnarkjs } from "../../src/zk/snarkjs";
import { provingKey, rerandomizeGroth16 } from "../helpers/proofs";
import { FEE, SETTLEMENT_SETTINGS, settlementFixture } from "../helpers/settlement";
import { MockBatchVerifier__factory } from "../../typechain-types";

const SHAPE = CIRCUIT_CONFIGS.dev;
const KEY = provingKey("dev", "groth16");
const PROOF_WINDOW = 3600n;
const SLASH = 10n * 10n ** 18n;
const START = 1_800_000_000n;
const settings = {
  minInterval: BigInt(SETTLEMENT_SETTINGS.minInterval),
  maxUnits: SETTLEMENT_SETTINGS.maxUnits,
  rewardRate: SETTLEMENT_SETTINGS.rewardRate,
};

describe("settlement end to end (real dev proofs)", function () {
  this.timeout(600_000);
  after(releaseSnarkjs);

  it("registers devices, settles two batches, reassigns a late one", async function () {
    const f = await settlementFixture();
    const { manager, projectId, sequencer, provers, pool, token, rewards } = f;
    const deadline = BigInt(await time.latest()) + 3600n;

    // Devices register with their own signatures; the registry appends their ops.
    const identities: DeviceIdentity[] = [generateIdentity(), generateIdentity()];
    for (const identity of identities) {
      await new DeviceClient(identity, f.deviceRegistry).register({
        owner: f.deviceOwner.address,
        projectId,
        deadline,
      });
    }
    const devices = identities.map((identity, index) => ({
      identity,
      index,
      deviceId: BigInt(identity.wallet.address),
    }));

    // The prover's mirror of the project: tree and op chain rebuilt from public data.
    const domain = await manager.domainOf(projectId);
    const mirror = new ProjectMirror(SHAPE, domain);
    const ops = devices.map((d) => ({
      index: BigInt(d.index),
      keyHash: keyHash(d.deviceId, d.identity.babyJub.ax, d.identity.babyJub.ay),
    }));
    expect((await manager.projectStateOf(projectId)).stateRoot).to.equal(mirror.root);

    const slot = (d: (typeof devices)[number], from: bigint, units: bigint[]): DeviceMessages => ({
      deviceId: d.deviceId,
      index: d.index,
      key: { ax: d.identity.babyJub.ax, ay: d.identity.babyJub.ay },
      messages: units.map((u, k) => {
        const timestamp = from + BigInt(k) * 60n;
        const payloadHash = timestamp + u;
        const digest = messageDigest(domain, d.deviceId, timestamp, u, payloadHash);
        return {
          timestamp,
          units: u,
          payloadHash,
          signature: signEddsaPoseidon(d.identity.babyJub.privateKey, digest),
        };
      }),
    });

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-e2e-"));
    async function submitAndBuild(opIndex: number, slots: DeviceMessages[], name: string) {
      // messagesHash does not depend on the prover: build once to submit, again to prove.
      const draft = mirror.build([ops[opIndex]], slots, 0n, settings).built;
      // The sequencer publishes the batch data (the DA copy) before submitting.
      const sequence = (await manager.projectStateOf(projectId)).submitted + 1n;
      const file = path.join(dataDir, `${name}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify(encodeBatchData({ projectId, sequence: Number(sequence), devices: slots })),
      );
      const dataURI = pathToFileURL(file).href;
      const tx = await manager
        .connect(sequencer)
        .submitBatch(projectId, draft.signals.messagesHash, draft.digests.length, opIndex + 1, dataURI);
      const batchId = await manager.batchCount();
      await expect(tx)
        .to.emit(manager, "BatchSubmitted")
        .withArgs(
          batchId,
          projectId,
          BigInt(opIndex + 1),
          draft.signals.messagesHash,
          draft.digests.length,
          opIndex + 1,
          dataURI,
        );
      return { batchId, slots, opIndex, submitGas: (await tx.wait())!.gasUsed };
    }

    async function proveAndSettle(b: { batchId: bigint; slots: DeviceMessages[]; opIndex: number }) {
      const assigned = (await manager.batchOf(b.batchId)).prover;
      const signer = provers.find((p) => p.address === assigned)!;
      const pending = mirror.build([ops[b.opIndex]], b.slots, BigInt(assigned), settings);
      const proof = await prove("groth16", pending.built.input, KEY);
      const receipt = await settleBatch(manager.connect(signer), b.batchId, pending.built, proof);
      // Commit the mirror only once the chain accepted the batch.
      mirror.commit(pending);
      return { receipt, signer, built: pending.built, proof };
    }

    // Batch 1: device 0 joins the tree and reports twice.
    const b1 = await submitAndBuild(0, [slot(devices[0], START, [5n, 7n])], "batch-1");
    const s1 = await proveAndSettle(b1);
    await expect(s1.receipt.hash).to.not.equal(undefined);
    const state1 = await manager.projectStateOf(projectId);
    expect(state1.stateRoot).to.equal(mirror.root);
    expect(state1.opsCursor).to.equal(1n);
    expect(await rewards.rootBatch(projectId, mirror.root)).to.equal(b1.batchId);
    expect((await rewards.poolOf(projectId)).owed).to.equal(12n * settings.rewardRate);
    console.log(`      submitBatch gas ${b1.submitGas}, settle gas ${s1.receipt.gasUsed}`);

    // Batch 2: device 1 joins; device 0 reports again. Its prover misses the deadline.
    const b2 = await submitAndBuild(
      1,
      [slot(devices[1], START, [1n, 2n]), slot(devices[0], START + 600n, [3n, 4n])],
      "batch-2",
    );
    const late = (await manager.batchOf(b2.batchId)).prover;
    await time.increase(PROOF_WINDOW + 1n);
    const lateStake = (await pool.proverOf(late)).stake;
    const reassignTx = await manager.connect(f.stranger).reassign(b2.batchId);
    await expect(reassignTx).to.emit(manager, "BatchReassigned").withArgs(b2.batchId, late, SLASH);
    console.log(`      reassign gas ${(await reassignTx.wait())!.gasUsed}`);
    expect((await pool.proverOf(late)).stake).to.equal(lateStake - SLASH);
    const next = (await manager.batchOf(b2.batchId)).prover;
    expect(next).to.not.equal(late);
    expect(await token.balanceOf(f.stranger.address)).to.equal(0n); // nothing to farm

    const before = await token.balanceOf(next);
    // The new prover may have settled batch 1 too (the draw is random): compare differences.
    const [feesBefore, bountiesBefore] = await manager.earningsOf(next);
    const s2 = await proveAndSettle(b2);
    const bounty = SLASH / 2n; // 50% of the slash to whoever does the work
    expect(await manager.earningsOf(next)).to.deep.equal([feesBefore + FEE, bountiesBefore + bounty]);
    await manager.connect(s2.signer).withdrawEarnings(next);
    expect(await token.balanceOf(next)).to.equal(before + feesBefore + FEE + bountiesBefore + bounty);
    expect((await manager.projectStateOf(projectId)).stateRoot).to.equal(mirror.root);
    expect((await manager.projectStateOf(projectId)).opsCursor).to.equal(2n);
    expect(mirror.tree.leaf(0).cumulativeUnits).to.equal(19n);
    expect(await manager.escrowOf(projectId)).to.deep.equal([10n ** 18n - 2n * FEE, 0n]);
    console.log(`      settle gas after a reassignment ${s2.receipt.gasUsed}`);

    // The same proof cannot settle the batch again.
    const replay = await settleCall(b2.batchId, s2.built, s2.proof);
    await expect(
      manager
        .connect(s2.signer)
        .settle(replay.batchId, replay.newStateRoot, replay.totalUnits, replay.proofSystem, replay.proof),
    )
      .to.be.revertedWithCustomError(manager, "BatchNotOpen")
      .withArgs(b2.batchId, 2);
    // Nor can a re-randomised copy of it (valid for the verifier, refused by settlement).
    await expect(
      manager
        .connect(s2.signer)
        .settle(
          replay.batchId,
          replay.newStateRoot,
          replay.totalUnits,
          replay.proofSystem,
          rerandomizeGroth16(replay.proof),
        ),
    ).to.be.revertedWithCustomError(manager, "BatchNotOpen");

    // The device owner rebuilds the project's state from public data alone and claims.
    const rebuilt = await replayProject({ deviceRegistry: f.deviceRegistry, manager }, projectId);
    expect(rebuilt.tree.root).to.equal(mirror.root);
    const { rewardToken, projectOwner, deviceOwner } = f;
    await rewards.connect(projectOwner).setRewardToken(projectId, rewardToken);
    await rewardToken.approve(rewards, 1_000n);
    await rewards.fund(projectId, 1_000n); // the deployer's premint
    const one = claimArgs(rebuilt.tree, devices[0].index);
    const claimTx = await rewards.claim(projectId, devices[0].deviceId, one.leaf, one.siblings);
    await expect(claimTx)
      .to.emit(rewards, "RewardClaimed")
      .withArgs(projectId, devices[0].deviceId, deviceOwner.address, 19n * 3n, 19n * 3n);
    const many = claimManyArgs(rebuilt.tree, devices);
    await rewards.claimMany(projectId, many.deviceIds, many.leaves, many.proof);
    expect(await rewardToken.balanceOf(deviceOwner.address)).to.equal((19n + 3n) * settings.rewardRate);
    expect(await rewards.withdrawable(projectId)).to.equal(1_000n - 22n * settings.rewardRate);
    console.log(`      claim gas at depth ${SHAPE.depth}: ${(await claimTx.wait())!.gasUsed}`);
  });

  it("settles a real proof made under the settings in force at submission after the owner switches circuit and settings", async function () {
    const f = await settlementFixture();
    const { manager, projectId, sequencer, provers, pool } = f;
    const identity = generateIdentity();
    await new DeviceClient(identity, f.deviceRegistry).register({
      owner: f.deviceOwner.address,
      projectId,
      deadline: BigInt(await time.latest()) + 3600n,
    });
    const deviceId = BigInt(identity.wallet.address);
    const domain = await manager.domainOf(projectId);
    const mirror = new ProjectMirror(SHAPE, domain);
    const op = { index: 0n, keyHash: keyHash(deviceId, identity.babyJub.ax, identity.babyJub.ay) };
    const slots: DeviceMessages[] = [
      {
        deviceId,
        index: 0,
        key: { ax: identity.babyJub.ax, ay: identity.babyJub.ay },
        messages: [2n, 3n].map((units, k) => {
          const timestamp = START + BigInt(k) * 60n;
          const digest = messageDigest(domain, deviceId, timestamp, units, 1n);
          return {
            timestamp,
            units,
            payloadHash: 1n,
            signature: signEddsaPoseidon(identity.babyJub.privateKey, digest),
          };
        }),
      },
    ];
    const draft = mirror.build([op], slots, 0n, settings).built;
    await manager
      .connect(sequencer)
      .submitBatch(projectId, draft.signals.messagesHash, draft.digests.length, 1, "");
    const batchId = await manager.batchCount();
    const assigned = (await manager.batchOf(batchId)).prover;
    const signer = provers.find((p) => p.address === assigned)!;

    // While the proof is in flight, the owner moves the project to another circuit (whose
    // verifier refuses everything) with other settings.
    const other = ethers.id("depin-kit/batch/other/v1");
    await f.verifierRegistry.register(
      other,
      0,
      await new MockBatchVerifier__factory(f.deployer).deploy(0, false),
    );
    await f.projectRegistry.connect(f.projectOwner).setSettings(projectId, {
      ...SETTLEMENT_SETTINGS,
      circuitId: other,
      minInterval: 3600,
      maxUnits: 1n,
      rewardRate: 1_000n,
    });

    const pending = mirror.build([op], slots, BigInt(assigned), settings);
    const proof = await prove("groth16", pending.built.input, KEY);
    const stake = (await pool.proverOf(assigned)).stake;
    const receipt = await settleBatch(manager.connect(signer), batchId, pending.built, proof);
    expect(receipt.status).to.equal(1);
    mirror.commit(pending);
    expect((await manager.projectStateOf(projectId)).stateRoot).to.equal(mirror.root);
    expect((await manager.batchOf(batchId)).status).to.equal(2n);
    expect((await pool.proverOf(assigned)).stake).to.equal(stake);
    expect((await f.rewards.poolOf(projectId)).owed).to.equal(5n * settings.rewardRate);
  });
});
