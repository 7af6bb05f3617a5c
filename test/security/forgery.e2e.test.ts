/**
 * Forgery vectors against settlement, end to end: real `dev` Groth16 proofs (the keys of
 * circuits/build/dev) through `BatchManager.settle` on the contracts of the deploy scripts.
 * Every vector must revert with the contract's own error and leave the settlement state
 * (project state, batches, escrow, earnings, reward pool) exactly as it was; the count of
 * vectors tried is printed at the end.
 *
 *  - public inputs at or above r: newStateRoot + k·r, totalUnits + k·r (aliases of the true
 *    values; settle's two caller-supplied signals), and plainly wrong root / units;
 *  - a proof made for another prover, another project, another chain id, another
 *    deployment (the domain, BatchManager.domainOf = keccak256(chainid, manager, project)
 *    mod r), with every other signal equal;
 *  - registry ops skipped (op slot disabled) or reordered (the later op applied first);
 *  - replays: the settled batch's proof and a re-randomised copy of it, on that batch and
 *    on the next; the wrong proof system id; a caller that is not the assigned prover.
 *
 * NOTE: left to the circuit tests (test/circuits, test/security/circuits.test.ts): that a
 * proof cannot be made for a false statement. Here each forged proof is a valid proof of
 * the statement it was made for (checked through the VerifierRegistry), so a rejection is
 * the contract binding the signal that differs.
 */
import { expect } from "chai";
import { AbiCoder, getCreateAddress, keccak256, type Interface } from "ethers";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { settleCall, type SettleCall } from "../../src/chain/settlement";
import { createProject } from "../../src/chain/scenario";
import { SNARK_SCALAR_FIELD } from "../../src/crypto/field";
import { keyHash, signEddsaPoseidon } from "../../src/crypto";
import { DeviceClient, generateIdentity, type DeviceIdentity } from "../../src/device";
import { ProjectMirror, type PendingBatch } from "../../src/prover/mirror";
import { messageDigest, PUBLIC_SIGNAL_NAMES, type DeviceMessages } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS, circuitId } from "../../src/zk/circuits";
import { prove, type Proof } from "../../src/zk/prove";
import { releaseSnarkjs } from "../../src/zk/snarkjs";
import { provingKey, rerandomizeGroth16 } from "../helpers/proofs";
import { SETTLEMENT_SETTINGS, settlementFixture } from "../helpers/settlement";
import type { BatchManager } from "../../typechain-types";

const SHAPE = CIRCUIT_CONFIGS.dev;
const KEY = provingKey("dev", "groth16");
const PROOF_WINDOW = 3600n;
const START = 1_800_000_000n;
const UINT256_MAX = (1n << 256n) - 1n;
/** IoTeX mainnet: a chain this deployment is not on. */
const OTHER_CHAIN_ID = 4689n;
const settings = {
  minInterval: BigInt(SETTLEMENT_SETTINGS.minInterval),
  maxUnits: SETTLEMENT_SETTINGS.maxUnits,
  rewardRate: SETTLEMENT_SETTINGS.rewardRate,
};

/** DESIGN.md §3's domain, computed off-chain for any chain id and manager address. */
function domainFor(chainId: bigint, manager: string, projectId: bigint): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "address", "uint256"],
    [chainId, manager, projectId],
  );
  return BigInt(keccak256(encoded)) % SNARK_SCALAR_FIELD;
}

/** The largest k with x + k·r still a uint256. */
function maxAlias(x: bigint): bigint {
  return (UINT256_MAX - x) / SNARK_SCALAR_FIELD;
}

type Fixture = Awaited<ReturnType<typeof settlementFixture>>;
type Signer = Fixture["provers"][number];

interface Forged {
  name: string;
  pending: PendingBatch;
  proof: Proof;
  call: SettleCall;
}

describe("forgery vectors through BatchManager.settle (real dev proofs)", function () {
  this.timeout(600_000);
  after(releaseSnarkjs);

  let f: Fixture;
  let manager: BatchManager;
  let projectId: bigint;
  let domain: bigint;
  let mirror: ProjectMirror;
  let ops: { index: bigint; keyHash: bigint }[];
  let devices: { identity: DeviceIdentity; index: number; deviceId: bigint }[];
  const tried: { name: string; error: string }[] = [];
  /** Batch 1's valid proof, once settled (replayed on batch 2). */
  let batch1: Forged;
  let proofCount = 0;
  let proofMs = 0;

  async function proveBatch(name: string, pending: PendingBatch, batchId: bigint): Promise<Forged> {
    const proof = await prove("groth16", pending.built.input, KEY);
    proofCount++;
    proofMs += proof.ms;
    return { name, pending, proof, call: await settleCall(batchId, pending.built, proof) };
  }

  /** Everything settlement changes; a rejected call must leave all of it as it was. */
  async function snapshot(): Promise<string> {
    const batches = [];
    for (let id = 1n; id <= (await manager.batchCount()); id++) batches.push(await manager.batchOf(id));
    const earnings = [];
    for (const p of [...f.provers, f.stranger]) earnings.push(await manager.earningsOf(p.address));
    const state = {
      project: await manager.projectStateOf(projectId),
      batches,
      escrow: await manager.escrowOf(projectId),
      earnings,
      pool: await f.rewards.poolOf(projectId),
    };
    return JSON.stringify(state, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  }

  /** Sends a settle call that must revert with `error` (of `from`) and change nothing. */
  async function rejects(
    name: string,
    sender: Signer,
    call: SettleCall,
    error: string,
    args: unknown[],
    from: { interface: Interface } = manager,
  ): Promise<void> {
    const before = await snapshot();
    const tx = manager
      .connect(sender)
      .settle(call.batchId, call.newStateRoot, call.totalUnits, call.proofSystem, call.proof);
    await expect(tx, name)
      .to.be.revertedWithCustomError(from, error)
      .withArgs(...args);
    expect(await snapshot(), `${name}: state changed`).to.equal(before);
    tried.push({ name, error });
  }

  /** The signals the contract builds for `call` and `sender`, and where they differ from the proof's. */
  async function differing(call: SettleCall, proof: Proof, sender: string): Promise<string[]> {
    const expected = await manager.publicSignals(call.batchId, call.newStateRoot, call.totalUnits, sender);
    return PUBLIC_SIGNAL_NAMES.filter((_, i) => expected[i] !== BigInt(proof.publicSignals[i]));
  }

  /** The proof is valid for the statement it was made for (so only the binding can reject it). */
  async function expectValidProof(proof: Proof, call: SettleCall): Promise<void> {
    const signals = proof.publicSignals.map(BigInt);
    expect(await f.verifierRegistry.verify(circuitId("dev"), 0, signals, call.proof)).to.equal(true);
  }

  function assignedSigner(address: string): Signer {
    const signer = f.provers.find((p) => p.address === address);
    if (signer === undefined) throw new Error(`${address} is not a staked prover of the fixture`);
    return signer;
  }

  async function submit(
    opsTo: number,
    slots: DeviceMessages[],
  ): Promise<{ batchId: bigint; prover: Signer }> {
    const draft = mirror.build(ops.slice(opsTo - 1, opsTo), slots, 0n, settings).built;
    await manager
      .connect(f.sequencer)
      .submitBatch(projectId, draft.signals.messagesHash, draft.digests.length, opsTo, "data:,");
    const batchId = await manager.batchCount();
    return { batchId, prover: assignedSigner((await manager.batchOf(batchId)).prover) };
  }

  before(async function () {
    f = await settlementFixture();
    manager = f.manager;
    projectId = f.projectId;
    domain = await manager.domainOf(projectId);
    mirror = new ProjectMirror(SHAPE, domain);
    const deadline = BigInt(await time.latest()) + 3600n;
    devices = [];
    for (let index = 0; index < 3; index++) {
      const identity = generateIdentity();
      await new DeviceClient(identity, f.deviceRegistry).register({
        owner: f.deviceOwner.address,
        projectId,
        deadline,
      });
      devices.push({ identity, index, deviceId: BigInt(identity.wallet.address) });
    }
    ops = devices.map((d) => ({
      index: BigInt(d.index),
      keyHash: keyHash(d.deviceId, d.identity.babyJub.ax, d.identity.babyJub.ay),
    }));
    // The off-chain domain formula is the contract's.
    const { chainId } = await ethers.provider.getNetwork();
    expect(domainFor(chainId, await manager.getAddress(), projectId)).to.equal(domain);
  });

  describe("batch 1 (registry op 0 only), before it settles", function () {
    let batchId: bigint;
    let assigned: Signer;
    let valid: Forged;
    const forged: Forged[] = [];

    before(async function () {
      ({ batchId, prover: assigned } = await submit(1, []));
      const prover = BigInt(assigned.address);
      valid = await proveBatch("valid", mirror.build([ops[0]], [], prover, settings), batchId);

      // The same batch for other domains: everything else (roots, op chain, settings,
      // prover) equal. Another project on this deployment, this deployment on another
      // chain, another deployment (BatchManager address) on this chain.
      const otherProject = await createProject(
        f,
        f.projectOwner,
        f.sequencer.address,
        SETTLEMENT_SETTINGS,
        "Other Mesh",
      );
      const managerAddress = await manager.getAddress();
      const { chainId } = await ethers.provider.getNetwork();
      const domains: [string, bigint][] = [
        ["a proof made for another project", await manager.domainOf(otherProject)],
        [
          `a proof made for another chain id (${OTHER_CHAIN_ID})`,
          domainFor(OTHER_CHAIN_ID, managerAddress, projectId),
        ],
        [
          "a proof made for another deployment (BatchManager address)",
          // The address the deployer's next contract gets: a second BatchManager.
          domainFor(
            chainId,
            getCreateAddress({ from: f.deployer.address, nonce: await f.deployer.getNonce() }),
            projectId,
          ),
        ],
      ];
      for (const [name, other] of domains) {
        expect(other).to.not.equal(domain);
        const pending = new ProjectMirror(SHAPE, other).build([ops[0]], [], prover, settings);
        forged.push(await proveBatch(name, pending, batchId));
      }
      // Registry ops skipped (the op slot left empty) or reordered (op 1 applied before op 0).
      const skipped = mirror.build([], [], prover, settings);
      forged.push(await proveBatch("a proof with the batch's registry op skipped", skipped, batchId));
      const reordered = mirror.build([ops[1]], [], prover, settings);
      forged.push(
        await proveBatch("a proof with registry ops reordered (op 1 before op 0)", reordered, batchId),
      );
    });

    it("rejects field aliases and wrong values of the caller's signals", async function () {
      const root = valid.call.newStateRoot;
      const r = SNARK_SCALAR_FIELD;
      await rejects("newStateRoot + r", assigned, { ...valid.call, newStateRoot: root + r }, "InvalidProof", [
        batchId,
      ]);
      const k = maxAlias(root);
      expect(k).to.be.greaterThan(1n);
      await rejects(
        `newStateRoot + ${k}·r (largest uint256 alias)`,
        assigned,
        { ...valid.call, newStateRoot: root + k * r },
        "InvalidProof",
        [batchId],
      );
      await rejects(
        "newStateRoot + 1",
        assigned,
        { ...valid.call, newStateRoot: root + 1n },
        "InvalidProof",
        [batchId],
      );
      await rejects(
        "totalUnits + r (0 + r: r units of reward for nothing)",
        assigned,
        { ...valid.call, totalUnits: valid.call.totalUnits + r },
        "InvalidProof",
        [batchId],
      );
    });

    it("rejects a caller that is not the assigned prover, and the wrong proof system", async function () {
      const other = f.provers.find((p) => p.address !== assigned.address)!;
      await rejects("the valid proof sent by another staked prover", other, valid.call, "NotAssignedProver", [
        batchId,
        other.address,
      ]);
      await rejects("the valid proof sent by a stranger", f.stranger, valid.call, "NotAssignedProver", [
        batchId,
        f.stranger.address,
      ]);
      await rejects(
        "the Groth16 proof declared as PLONK (the batch was submitted for Groth16)",
        assigned,
        { ...valid.call, proofSystem: 1 },
        "WrongProofSystem",
        [batchId, 0, 1],
      );
    });

    it("rejects proofs made for another domain or with registry ops skipped or reordered", async function () {
      for (const p of forged) {
        await expectValidProof(p.proof, p.call);
        // Exactly one signal differs from what the contract builds: the one under test.
        const diff = await differing(p.call, p.proof, assigned.address);
        expect(diff, p.name).to.deep.equal(p.name.includes("registry op") ? ["opsChainTo"] : ["domain"]);
        await rejects(p.name, assigned, p.call, "InvalidProof", [batchId]);
      }
    });

    it("then settles with the valid proof, and refuses it and a re-randomised copy again", async function () {
      expect(await differing(valid.call, valid.proof, assigned.address)).to.deep.equal([]);
      const before = await snapshot();
      await manager
        .connect(assigned)
        .settle(
          batchId,
          valid.call.newStateRoot,
          valid.call.totalUnits,
          valid.call.proofSystem,
          valid.call.proof,
        );
      mirror.commit(valid.pending);
      // The snapshot the rejections compare sees a settlement.
      expect(await snapshot()).to.not.equal(before);
      const state = await manager.projectStateOf(projectId);
      expect(state.stateRoot).to.equal(mirror.root);
      expect(state.opsCursor).to.equal(1n);

      const copy = rerandomizeGroth16(valid.call.proof);
      expect(copy).to.not.equal(valid.call.proof);
      await expectValidProof(valid.proof, { ...valid.call, proof: copy });
      await rejects("the settled batch's proof replayed", assigned, valid.call, "BatchNotOpen", [batchId, 2]);
      await rejects(
        "a re-randomised copy of the settled proof",
        assigned,
        { ...valid.call, proof: copy },
        "BatchNotOpen",
        [batchId, 2],
      );
      batch1 = valid;
    });
  });

  describe("batch 2 (registry op 1 and device 0's messages)", function () {
    let batchId: bigint;
    let assigned: Signer;
    let valid: Forged;

    before(async function () {
      const d = devices[0];
      const slot: DeviceMessages = {
        deviceId: d.deviceId,
        index: d.index,
        key: { ax: d.identity.babyJub.ax, ay: d.identity.babyJub.ay },
        messages: [5n, 7n].map((units, k) => {
          const timestamp = START + BigInt(k) * 60n;
          const payloadHash = timestamp + units;
          const digest = messageDigest(domain, d.deviceId, timestamp, units, payloadHash);
          return {
            timestamp,
            units,
            payloadHash,
            signature: signEddsaPoseidon(d.identity.babyJub.privateKey, digest),
          };
        }),
      };
      ({ batchId, prover: assigned } = await submit(2, [slot]));
      valid = await proveBatch(
        "valid",
        mirror.build([ops[1]], [slot], BigInt(assigned.address), settings),
        batchId,
      );
      expect(valid.call.totalUnits).to.equal(12n);
      expect(await differing(valid.call, valid.proof, assigned.address)).to.deep.equal([]);
      await expectValidProof(valid.proof, valid.call);
    });

    it("rejects the previous batch's proof and its re-randomised copy", async function () {
      const old = { ...batch1.call, batchId };
      await rejects("batch 1's proof replayed on batch 2", assigned, old, "InvalidProof", [batchId]);
      await rejects(
        "a re-randomised copy of batch 1's proof on batch 2",
        assigned,
        { ...old, proof: rerandomizeGroth16(old.proof) },
        "InvalidProof",
        [batchId],
      );
    });

    it("rejects totalUnits aliases and inflated units", async function () {
      const units = valid.call.totalUnits;
      const r = SNARK_SCALAR_FIELD;
      await rejects("totalUnits + r", assigned, { ...valid.call, totalUnits: units + r }, "InvalidProof", [
        batchId,
      ]);
      const k = maxAlias(units);
      await rejects(
        `totalUnits + ${k}·r (largest uint256 alias)`,
        assigned,
        { ...valid.call, totalUnits: units + k * r },
        "InvalidProof",
        [batchId],
      );
      await rejects("totalUnits + 1", assigned, { ...valid.call, totalUnits: units + 1n }, "InvalidProof", [
        batchId,
      ]);
      await rejects(
        "newStateRoot + r with true units",
        assigned,
        { ...valid.call, newStateRoot: valid.call.newStateRoot + r },
        "InvalidProof",
        [batchId],
      );
    });

    it("rejects a proof made for another prover after reassignment", async function () {
      await time.increase(PROOF_WINDOW + 1n);
      await manager.connect(f.stranger).reassign(batchId);
      const next = assignedSigner((await manager.batchOf(batchId)).prover);
      expect(next.address).to.not.equal(assigned.address);
      // The new assignee takes the late prover's proof (e.g. from its failed transaction).
      expect(await differing(valid.call, valid.proof, next.address)).to.deep.equal(["prover"]);
      await rejects("a proof made for another prover (the late one)", next, valid.call, "InvalidProof", [
        batchId,
      ]);
      await rejects(
        "a re-randomised copy of another prover's proof",
        next,
        { ...valid.call, proof: rerandomizeGroth16(valid.call.proof) },
        "InvalidProof",
        [batchId],
      );
      await rejects(
        "the late prover's own proof after reassignment",
        assigned,
        valid.call,
        "NotAssignedProver",
        [batchId, assigned.address],
      );
    });
  });

  after(function () {
    if (tried.length === 0) return;
    console.log(`      ${tried.length} forgery vectors tried, all rejected with state unchanged:`);
    for (const [i, t] of tried.entries())
      console.log(`        ${String(i + 1).padStart(2)}. ${t.name} → ${t.error}`);
    console.log(`      ${proofCount} proofs made, ${Math.round(proofMs / 1000)} s proving`);
  });
});
