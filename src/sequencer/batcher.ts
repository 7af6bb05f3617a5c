/**
 * The batching loop of one project: pending registry ops first (up to the circuit's R),
 * then stored messages grouped by device (up to D slots of K), cut when the batch is full
 * or its oldest message (or op) has waited `maxAgeMs`. A cut is one database transaction
 * (the batch data, the DA copy, and its messages); then `submitBatch`. On restart, cut
 * batches the chain has are matched by sequence and messagesHash, the others submitted
 * again: no message is lost or batched twice. The same reconciliation runs before every cut,
 * so a submission that failed (or whose answer was lost after the transaction was sent) is
 * retried without being sent twice, and batches a reorganization dropped are sent again.
 */
import type { Logger } from "pino";

import type { BatchManager } from "../../typechain-types";
import { batchDataCommitment, encodeBatchData, type BatchData } from "../da/batch-data";
import type { CircuitShape, DeviceMessages } from "../zk/batch";
import type { ChainView } from "./chain-view";
import type { SequencerStore, StoredMessage } from "./store";

export interface BatcherOptions {
  shape: Pick<CircuitShape, "R" | "D" | "K">;
  maxAgeMs: number;
  /** Base URL the batch data is served from (`GET /v1/batches/:id`). */
  publicUrl: string;
}

export interface BatcherEvents {
  cut(messages: number, ops: number): void;
  excluded(reason: string, count: number): void;
  submitted(gasUsed: bigint): void;
}

export function batchKey(projectId: bigint, sequence: number): string {
  return `${projectId}-${sequence}`;
}

export class Batcher {
  private opsWaitingSince: number | null = null;

  constructor(
    readonly store: SequencerStore,
    readonly view: ChainView,
    readonly manager: BatchManager,
    readonly projectId: bigint,
    readonly options: BatcherOptions,
    readonly log: Logger,
    readonly events?: BatcherEvents,
  ) {}

  /** Matches cut batches with the chain; submits the ones it does not have, in order. */
  async recover(): Promise<void> {
    await this.reconcile();
  }

  /**
   * Brings the store in line with the chain before anything new is cut: the chain numbers a
   * project's batches in submission order, so batch `n` is on chain exactly when the
   * project's `submitted` count reached `n` (this sequencer being the project's only one).
   * - batches recorded as submitted that the chain no longer has (a reorganization dropped
   *   them) are marked unsubmitted again;
   * - unsubmitted batches the chain has (a submission whose answer was lost: an RPC error or
   *   timeout after the transaction was sent) are matched by sequence and messagesHash and
   *   marked, not sent again;
   * - the rest are submitted in order, one at a time, re-reading the chain before each, and
   *   not while a transaction of ours is still pending (it may be one of them).
   * Returns whether every cut batch is on chain.
   */
  async reconcile(): Promise<boolean> {
    let onChain = Number((await this.manager.projectStateOf(this.projectId)).submitted);
    const lost = this.store.markUnsubmittedAfter(this.projectId, onChain);
    if (lost > 0)
      this.log.warn(
        { after: onChain, batches: lost },
        "the chain lost submitted batches (reorganization): submitting them again",
      );
    for (const b of this.store.unsubmittedBatches(this.projectId)) {
      if (b.sequence <= onChain) {
        const logs = await this.manager.queryFilter(
          this.manager.filters.BatchSubmitted(undefined, this.projectId),
        );
        const found = logs.find((l) => l.args.sequence === BigInt(b.sequence));
        if (!found || found.args.messagesHash !== b.messagesHash) {
          throw new Error(
            `project ${this.projectId} batch #${b.sequence}: the chain has another batch at this sequence ` +
              `(is another sequencer submitting for this project?)`,
          );
        }
        this.store.markSubmitted(this.projectId, b.sequence, found.args.batchId, found.transactionHash);
        this.log.info(
          { sequence: b.sequence, batchId: found.args.batchId.toString() },
          "batch found on chain",
        );
        continue;
      }
      if (b.sequence !== onChain + 1)
        throw new Error(
          `project ${this.projectId}: batch #${b.sequence} is next to submit but the chain has ${onChain}`,
        );
      if (await this.transactionPending()) return false; // look again next round
      await this.submit(b.sequence, b.messagesHash, b.messageCount, b.opsTo);
      onChain = b.sequence;
    }
    return true;
  }

  /** Whether a transaction of the submitting account is sent but not yet in a block. */
  private async transactionPending(): Promise<boolean> {
    const runner = this.manager.runner as unknown as { getAddress(): Promise<string> };
    const provider = this.manager.runner!.provider!;
    const me = await runner.getAddress();
    const [pending, latest] = await Promise.all([
      provider.getTransactionCount(me, "pending"),
      provider.getTransactionCount(me, "latest"),
    ]);
    return pending > latest;
  }

  /** Cuts and submits a batch if one is due; returns whether it did. */
  async tick(nowMs = Date.now()): Promise<boolean> {
    const { R, D, K } = this.options.shape;
    const project = this.view.projects.get(this.projectId);
    if (!project) return false;
    // Nothing new is cut while an earlier batch is not on chain: batch n must be the chain's n.
    if (!(await this.reconcile())) return false;
    const last = this.store.lastBatch(this.projectId);
    const opsFrom = last.opsTo;
    const opsTo = Math.min(this.view.opCount(this.projectId), opsFrom + R);
    if (opsTo > opsFrom) this.opsWaitingSince ??= nowMs;
    else this.opsWaitingSince = null;

    const pending = this.store.pendingMessages(this.projectId, D * K * 4);
    const excluded: { id: number; reason: string }[] = [];
    const byDevice = new Map<bigint, StoredMessage[]>();
    for (const m of pending) {
      const e = this.view.eligibility(this.projectId, m.deviceId, m.index, m.ax, m.ay, opsTo);
      if (e === "never") excluded.push({ id: m.id, reason: "device_rekeyed_or_revoked" });
      else if (e === "yes") byDevice.set(m.deviceId, [...(byDevice.get(m.deviceId) ?? []), m]);
    }

    // Fill D slots of K, device by device in arrival order; re-check the rules against the
    // settings the batch will be recorded with (they may have changed since the ack).
    const devices: DeviceMessages[] = [];
    const chosen: number[] = [];
    let slots = 0;
    for (const [deviceId, messages] of byDevice) {
      if (slots >= D) break;
      messages.sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
      let lastTs = this.store.lastBatchedTimestamp(deviceId);
      const take: StoredMessage[] = [];
      for (const m of messages) {
        if (take.length >= (D - slots) * K) break;
        if (m.units > project.maxUnits || (lastTs !== null && m.timestamp < lastTs + project.minInterval)) {
          excluded.push({ id: m.id, reason: "settings_changed" });
          continue;
        }
        take.push(m);
        lastTs = m.timestamp;
      }
      if (take.length === 0) continue;
      slots += Math.ceil(take.length / K);
      chosen.push(...take.map((m) => m.id));
      devices.push({
        deviceId,
        index: take[0].index,
        key: { ax: take[0].ax, ay: take[0].ay },
        messages: take.map((m) => ({
          timestamp: m.timestamp,
          units: m.units,
          payloadHash: m.payloadHash,
          signature: { R8x: m.r8x, R8y: m.r8y, S: m.s },
        })),
      });
    }

    const full = slots >= D || chosen.length >= D * K;
    const oldest = pending.length > 0 ? Math.min(...pending.map((m) => m.receivedAt)) : null;
    const aged =
      (oldest !== null && nowMs - oldest >= this.options.maxAgeMs) ||
      (this.opsWaitingSince !== null && nowMs - this.opsWaitingSince >= this.options.maxAgeMs);
    if (!(full || aged) || (chosen.length === 0 && opsTo === opsFrom)) {
      if (excluded.length > 0) {
        this.store.exclude(excluded);
        this.countExcluded(excluded);
      }
      return false;
    }

    const sequence = last.sequence + 1;
    const data: BatchData = { projectId: this.projectId, sequence, devices };
    const { messageCount, messagesHash } = batchDataCommitment(data, project.domain);
    this.store.cutBatch(
      {
        projectId: this.projectId,
        sequence,
        data: JSON.stringify(encodeBatchData(data)),
        messagesHash,
        messageCount,
        opsTo,
        createdAt: nowMs,
      },
      chosen,
      excluded,
    );
    this.countExcluded(excluded);
    this.events?.cut(messageCount, opsTo - opsFrom);
    this.opsWaitingSince = null;
    this.log.info({ sequence, messages: messageCount, ops: opsTo - opsFrom, slots }, "batch cut");
    await this.submit(sequence, messagesHash, messageCount, opsTo);
    return true;
  }

  private countExcluded(excluded: { reason: string }[]): void {
    const counts = new Map<string, number>();
    for (const e of excluded) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
    for (const [reason, n] of counts) {
      this.events?.excluded(reason, n);
      this.log.warn({ reason, count: n }, "messages excluded from batching");
    }
  }

  private async submit(sequence: number, messagesHash: bigint, count: number, opsTo: number): Promise<void> {
    const dataURI = `${this.options.publicUrl.replace(/\/$/, "")}/v1/batches/${batchKey(this.projectId, sequence)}`;
    const tx = await this.manager.submitBatch(this.projectId, messagesHash, count, opsTo, dataURI);
    const receipt = (await tx.wait())!;
    let batchId: bigint | undefined;
    for (const log of receipt.logs) {
      const parsed = this.manager.interface.parseLog(log);
      if (parsed?.name !== "BatchSubmitted") continue;
      if (parsed.args.sequence !== BigInt(sequence))
        throw new Error(
          `project ${this.projectId}: batch #${sequence} was recorded as #${parsed.args.sequence} ` +
            `(is another sequencer submitting for this project?)`,
        );
      batchId = parsed.args.batchId;
    }
    if (batchId === undefined) throw new Error(`submitBatch ${receipt.hash} emitted no BatchSubmitted`);
    this.store.markSubmitted(this.projectId, sequence, batchId, receipt.hash);
    this.events?.submitted(receipt.gasUsed);
    this.log.info(
      { sequence, batchId: batchId.toString(), tx: receipt.hash, gas: receipt.gasUsed.toString() },
      "batch submitted",
    );
  }
}
