/**
 * Rebuilds a project's state tree from public data only: the registry ops (DeviceRegistry
 * events), the settled batches (BatchManager events and records) and each batch's data
 * (the DA copy, fetched from the URI the sequencer submitted). Every batch is checked on
 * the way: its data must hash to the `messagesHash` on chain, and applying it must give
 * exactly the state root the chain settled. Device owners use this to build claims; it
 * trusts no sequencer, prover or indexer.
 */
import type { BatchManager, DeviceRegistry } from "../../typechain-types";
import type { RegistryOp } from "../crypto/registry";
import { batchDataCommitment, loadBatchData, type BatchDataLoader } from "../da/batch-data";
import { UserError } from "../errors";
import { StateTree } from "../trees/state-tree";
import { buildBatch, deviceSlots } from "../zk/batch";

export interface ReplaySource {
  deviceRegistry: DeviceRegistry;
  manager: BatchManager;
  /** The first block to scan for events (the registry's deployment block). */
  fromBlock?: number;
  /** The last block to read events from (default: the latest): the state as of that block. */
  toBlock?: number;
}

export interface ReplayedBatch {
  batchId: bigint;
  sequence: bigint;
  stateRoot: bigint;
  totalUnits: bigint;
  rewardRate: bigint;
}

export interface ProjectReplay {
  projectId: bigint;
  /** The state tree at the project's current root. */
  tree: StateTree;
  /** Settled batches in order, with the root each made current. */
  batches: ReplayedBatch[];
  /** Registry ops applied so far (the op cursor). */
  opsCursor: number;
}

export interface ReplayOptions {
  /** Where batch data comes from (default: `file://` and `http(s)://` URIs). */
  load?: BatchDataLoader;
  /** Called after each batch, for progress displays. */
  onBatch?: (done: number, total: number, batch: ReplayedBatch) => void;
}

export async function replayProject(
  source: ReplaySource,
  projectId: bigint,
  options: ReplayOptions = {},
): Promise<ProjectReplay> {
  const load = options.load ?? loadBatchData;
  const { deviceRegistry, manager } = source;
  const fromBlock = source.fromBlock ?? 0;
  const toBlock = source.toBlock;
  const [depth, domain, opLogs, submittedLogs, settledLogs] = await Promise.all([
    deviceRegistry.stateDepth(),
    manager.domainOf(projectId),
    deviceRegistry.queryFilter(deviceRegistry.filters.RegistryOpAppended(projectId), fromBlock, toBlock),
    manager.queryFilter(manager.filters.BatchSubmitted(undefined, projectId), fromBlock, toBlock),
    manager.queryFilter(manager.filters.BatchSettled(undefined, projectId), fromBlock, toBlock),
  ]);

  const ops: RegistryOp[] = [];
  for (const log of opLogs) {
    const n = Number(log.args.opNumber);
    ops[n - 1] = { index: log.args.index, keyHash: log.args.keyHash };
  }
  const submitted = new Map(submittedLogs.map((l) => [l.args.batchId, l.args]));
  // Settlement order is sequence order (each proof starts from the previous root).
  const settled = [...settledLogs].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);

  const tree = new StateTree(Number(depth));
  const batches: ReplayedBatch[] = [];
  let cursor = 0;
  for (const log of settled) {
    const { batchId, newStateRoot, totalUnits } = log.args;
    const sub = submitted.get(batchId);
    if (sub === undefined) throw new UserError(`batch ${batchId}: settled but its submission was not found`);
    const record = await manager.batchOf(batchId);
    const opsTo = Number(record.opsTo);
    const batchOps = ops.slice(cursor, opsTo);
    if (batchOps.length !== opsTo - cursor || batchOps.some((o) => o === undefined))
      throw new UserError(`batch ${batchId}: registry ops ${cursor + 1}..${opsTo} not all found`);

    let devices: Awaited<ReturnType<BatchDataLoader>>["devices"] = [];
    if (sub.messageCount > 0n) {
      const data = await load(sub.dataURI);
      const commitment = batchDataCommitment(data, domain);
      if (
        data.projectId !== projectId ||
        BigInt(data.sequence) !== sub.sequence ||
        commitment.messagesHash !== sub.messagesHash ||
        BigInt(commitment.messageCount) !== sub.messageCount
      ) {
        throw new UserError(
          `batch ${batchId}: the data at ${sub.dataURI} does not match the chain's messagesHash`,
        );
      }
      devices = data.devices;
    }
    const K = devices.reduce((k, d) => Math.max(k, d.messages.length), 1);
    const shape = { R: batchOps.length, D: deviceSlots(devices, K).length, K, depth: Number(depth) };
    const settings = {
      minInterval: record.minInterval,
      maxUnits: record.maxUnits,
      rewardRate: record.rewardRate,
    };
    // The chain verified the proof; the root comparison below checks that this replay agrees.
    const built = buildBatch(
      shape,
      tree,
      { domain, opsChainFrom: 0n, prover: 0n, settings },
      batchOps,
      devices,
      {
        check: false,
      },
    );
    if (built.signals.newStateRoot !== newStateRoot || built.signals.totalUnits !== totalUnits) {
      throw new UserError(
        `batch ${batchId}: replaying its data gives root ${built.signals.newStateRoot}, the chain settled ${newStateRoot}`,
      );
    }
    cursor = opsTo;
    const replayed = {
      batchId,
      sequence: sub.sequence,
      stateRoot: newStateRoot,
      totalUnits,
      rewardRate: record.rewardRate,
    };
    batches.push(replayed);
    options.onBatch?.(batches.length, settled.length, replayed);
  }
  return { projectId, tree, batches, opsCursor: cursor };
}
