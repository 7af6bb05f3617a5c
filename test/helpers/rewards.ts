/**
 * A rewards scenario on the deploy scripts' contracts: a project whose batches are settled
 * through a mock verifier (the proof is not the subject here; real proofs settle in
 * test/e2e), with devices that sign real messages, batch data written as the DA copy to
 * `file://` URIs, and the state tree kept by the library's batch builder, so that the
 * roots the chain records are exactly the roots a replay from public data finds.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";

import { signEddsaPoseidon } from "../../src/crypto";
import { encodeBatchData } from "../../src/da/batch-data";
import { DeviceClient, generateIdentity, type DeviceIdentity } from "../../src/device";
import { StateTree } from "../../src/trees";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { buildBatch, deviceSlots, messageDigest, type DeviceMessages } from "../../src/zk/batch";
import { MockBatchVerifier__factory, MockERC20__factory, type MockERC20 } from "../../typechain-types";
import { SETTLEMENT_SETTINGS, settlementFixture } from "./settlement";

export const MOCK_CIRCUIT = ethers.id("depin-kit/batch/mock/v1");
export const GROTH16 = 0;
export const RATE = SETTLEMENT_SETTINGS.rewardRate;
export const START = 1_800_000_000n;
export const BUDGET = 10n ** 24n;

export interface ScenarioDevice {
  identity: DeviceIdentity;
  deviceId: bigint;
  index: number;
  /** The next timestamp this device may sign (minInterval apart). */
  next: bigint;
}

export interface Report {
  /** Position in `devices`. */
  device: number;
  units: bigint[];
}

export async function rewardsFixture(deviceCount = 4) {
  const f = await settlementFixture();
  const mock = await new MockBatchVerifier__factory(f.deployer).deploy(GROTH16, true);
  await f.verifierRegistry.register(MOCK_CIRCUIT, GROTH16, mock);
  await f.projectRegistry
    .connect(f.projectOwner)
    .setSettings(f.projectId, { ...SETTLEMENT_SETTINGS, circuitId: MOCK_CIRCUIT });
  const rewardToken = await new MockERC20__factory(f.deployer).deploy("Reward", "RWD");
  await f.rewards.connect(f.projectOwner).setRewardToken(f.projectId, rewardToken);
  const scenario = new RewardScenario(f, rewardToken);
  await scenario.addDevices(deviceCount);
  return { ...f, mock, rewardToken, scenario };
}

type Fixture = Awaited<ReturnType<typeof settlementFixture>>;

export class RewardScenario {
  readonly devices: ScenarioDevice[] = [];
  readonly tree: StateTree;
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-da-"));
  /** Every root the chain made current, oldest first, and the tree at each. */
  readonly history: { batchId: bigint; root: bigint; tree: StateTree }[] = [];
  private opsCursor = 0;

  constructor(
    readonly f: Fixture,
    readonly rewardToken: MockERC20,
  ) {
    this.tree = new StateTree(CIRCUIT_CONFIGS.dev.depth);
  }

  /** Registers `count` devices owned by `owner` (default: the fixture's device owner). */
  async addDevices(count: number, owner?: Signer): Promise<ScenarioDevice[]> {
    const deadline = BigInt(await time.latest()) + 3600n;
    const ownerAddress = owner ? await owner.getAddress() : this.f.deviceOwner.address;
    const added: ScenarioDevice[] = [];
    for (let i = 0; i < count; i++) {
      const identity = generateIdentity();
      const client = new DeviceClient(identity, this.f.deviceRegistry);
      await client.register({ owner: ownerAddress, projectId: this.f.projectId, deadline });
      const stored = await this.f.deviceRegistry.deviceOf(client.deviceId);
      const d = { identity, deviceId: client.deviceId, index: Number(stored.index), next: START };
      this.devices.push(d);
      added.push(d);
    }
    return added;
  }

  /** Funds the pool with freshly minted reward tokens. */
  async fund(amount: bigint, funder: Signer = this.f.projectOwner): Promise<void> {
    await this.rewardToken.mint(await funder.getAddress(), amount);
    await this.rewardToken.connect(funder).approve(this.f.rewards, amount);
    await this.f.rewards.connect(funder).fund(this.f.projectId, amount);
  }

  async setRate(rate: bigint): Promise<void> {
    await this.f.projectRegistry
      .connect(this.f.projectOwner)
      .setSettings(this.f.projectId, { ...SETTLEMENT_SETTINGS, circuitId: MOCK_CIRCUIT, rewardRate: rate });
  }

  /**
   * Submits a batch with the registry ops not yet in a batch and the devices' signed
   * reports, publishes its data, and settles it (after `beforeSettle`, if given). Returns
   * the batch id and its root.
   */
  async settle(
    reports: Report[],
    options: { beforeSettle?: () => Promise<void> } = {},
  ): Promise<{ batchId: bigint; root: bigint; totalUnits: bigint }> {
    const { manager, deviceRegistry, projectId, sequencer } = this.f;
    const domain = await manager.domainOf(projectId);
    const opLogs = await deviceRegistry.queryFilter(deviceRegistry.filters.RegistryOpAppended(projectId));
    const ops = opLogs
      .map((l) => ({ n: Number(l.args.opNumber), op: { index: l.args.index, keyHash: l.args.keyHash } }))
      .sort((a, b) => a.n - b.n)
      .slice(this.opsCursor)
      .map((x) => x.op);
    const slots: DeviceMessages[] = reports.map((r) => {
      const d = this.devices[r.device];
      return {
        deviceId: d.deviceId,
        index: d.index,
        key: { ax: d.identity.babyJub.ax, ay: d.identity.babyJub.ay },
        messages: r.units.map((units) => {
          const timestamp = d.next;
          d.next += BigInt(SETTLEMENT_SETTINGS.minInterval);
          const payloadHash = timestamp ^ units;
          const digest = messageDigest(domain, d.deviceId, timestamp, units, payloadHash);
          return {
            timestamp,
            units,
            payloadHash,
            signature: signEddsaPoseidon(d.identity.babyJub.privateKey, digest),
          };
        }),
      };
    });
    const K = Math.max(1, ...slots.map((s) => s.messages.length));
    const shape = { R: ops.length, D: deviceSlots(slots, K).length, K, depth: this.tree.depth };
    const build = (rate: bigint, tree: StateTree) =>
      buildBatch(
        shape,
        tree,
        {
          domain,
          opsChainFrom: 0n,
          prover: 0n,
          settings: {
            minInterval: BigInt(SETTLEMENT_SETTINGS.minInterval),
            maxUnits: SETTLEMENT_SETTINGS.maxUnits,
            rewardRate: rate,
          },
        },
        ops,
        slots,
      );
    const draft = build(0n, this.tree.clone());
    const sequence = (await manager.projectStateOf(projectId)).submitted + 1n;
    let dataURI = "";
    if (slots.length > 0) {
      const file = path.join(this.dataDir, `project-${projectId}-batch-${sequence}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify(encodeBatchData({ projectId, sequence: Number(sequence), devices: slots })),
      );
      dataURI = pathToFileURL(file).href;
    }
    const opsTo = this.opsCursor + ops.length;
    await manager
      .connect(sequencer)
      .submitBatch(projectId, draft.signals.messagesHash, draft.digests.length, opsTo, dataURI);
    const batchId = await manager.batchCount();
    await options.beforeSettle?.();
    const record = await manager.batchOf(batchId);
    const built = build(record.rewardRate, this.tree);
    const prover = this.f.provers.find((p) => p.address === record.prover)!;
    await manager
      .connect(prover)
      .settle(batchId, built.signals.newStateRoot, built.signals.totalUnits, GROTH16, "0x");
    this.opsCursor = opsTo;
    this.history.push({ batchId, root: this.tree.root, tree: this.tree.clone() });
    return { batchId, root: this.tree.root, totalUnits: built.signals.totalUnits };
  }

  /** Whether registry ops wait for a batch. */
  async hasPendingOps(): Promise<boolean> {
    return Number(await this.f.deviceRegistry.opCount(this.f.projectId)) > this.opsCursor;
  }

  /** `claim`'s arguments for device `i` under the current tree (or `tree`). */
  claimArgs(i: number, tree: StateTree = this.tree) {
    const d = this.devices[i];
    const leaf = tree.leaf(d.index);
    return {
      deviceId: d.deviceId,
      leaf: {
        keyHash: leaf.keyHash,
        cumulativeUnits: leaf.cumulativeUnits,
        lastTimestamp: leaf.lastTimestamp,
        accruedReward: leaf.accruedReward,
      },
      siblings: tree.siblings(d.index),
    };
  }

  /** Claims device `i` (by `caller`, default the stranger: anyone may claim). */
  async claim(i: number, caller: Signer = this.f.stranger, tree: StateTree = this.tree) {
    const a = this.claimArgs(i, tree);
    return this.f.rewards.connect(caller).claim(this.f.projectId, a.deviceId, a.leaf, a.siblings);
  }
}
