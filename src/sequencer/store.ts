/**
 * The sequencer's durable store: SQLite in WAL mode (better-sqlite3). A message is acked
 * only after the transaction holding it committed; in WAL mode with `synchronous=NORMAL`
 * a commit survives a crash of the process (`durability: "full"` also survives a power
 * loss, at an fsync per commit). Concurrent requests are committed together (group
 * commit: one transaction per event-loop turn).
 *
 * Messages are unique on (device, timestamp). A batch is cut in one transaction that
 * writes its data (the DA copy) and marks its messages, so a message is in at most one
 * batch; messages the chain can no longer accept (a revoked or re-keyed device, settings
 * tightened after they were acked) are marked excluded, with the reason.
 */
import Database from "better-sqlite3";

export interface StoredMessage {
  id: number;
  projectId: bigint;
  deviceId: bigint;
  index: number;
  timestamp: bigint;
  units: bigint;
  payloadHash: bigint;
  r8x: bigint;
  r8y: bigint;
  s: bigint;
  ax: bigint;
  ay: bigint;
  digest: bigint;
  receivedAt: number;
  batchSequence: number | null;
}

export type NewMessage = Omit<StoredMessage, "id" | "batchSequence">;

export interface StoredBatch {
  projectId: bigint;
  sequence: number;
  data: string;
  messagesHash: bigint;
  messageCount: number;
  opsTo: number;
  batchId: bigint | null;
  txHash: string | null;
  createdAt: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  units TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  r8x TEXT NOT NULL,
  r8y TEXT NOT NULL,
  s TEXT NOT NULL,
  ax TEXT NOT NULL,
  ay TEXT NOT NULL,
  digest TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  batch_sequence INTEGER,
  excluded TEXT,
  UNIQUE (device_id, timestamp)
);
CREATE INDEX IF NOT EXISTS messages_pending ON messages (project_id, batch_sequence, excluded, id);
CREATE TABLE IF NOT EXISTS batches (
  project_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  data TEXT NOT NULL,
  messages_hash TEXT NOT NULL,
  message_count INTEGER NOT NULL,
  ops_to INTEGER NOT NULL,
  batch_id TEXT,
  tx_hash TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, sequence)
);
CREATE INDEX IF NOT EXISTS batches_by_id ON batches (batch_id);
`;

type Row = Record<string, string | number | null>;

function toMessage(r: Row): StoredMessage {
  return {
    id: r.id as number,
    projectId: BigInt(r.project_id as string),
    deviceId: BigInt(r.device_id as string),
    index: r.idx as number,
    timestamp: BigInt(r.timestamp as number),
    units: BigInt(r.units as string),
    payloadHash: BigInt(r.payload_hash as string),
    r8x: BigInt(r.r8x as string),
    r8y: BigInt(r.r8y as string),
    s: BigInt(r.s as string),
    ax: BigInt(r.ax as string),
    ay: BigInt(r.ay as string),
    digest: BigInt(r.digest as string),
    receivedAt: r.received_at as number,
    batchSequence: (r.batch_sequence as number | null) ?? null,
  };
}

function toBatch(r: Row): StoredBatch {
  return {
    projectId: BigInt(r.project_id as string),
    sequence: r.sequence as number,
    data: r.data as string,
    messagesHash: BigInt(r.messages_hash as string),
    messageCount: r.message_count as number,
    opsTo: r.ops_to as number,
    batchId: r.batch_id === null ? null : BigInt(r.batch_id as string),
    txHash: (r.tx_hash as string | null) ?? null,
    createdAt: r.created_at as number,
  };
}

const hex = (x: bigint) => "0x" + x.toString(16).padStart(40, "0");

export class SequencerStore {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string, options: { durability?: "process" | "full" } = {}) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.durability === "full" ? "FULL" : "NORMAL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO messages (project_id, device_id, idx, timestamp, units, payload_hash, r8x, r8y, s, ax, ay, digest, received_at)
         VALUES (@projectId, @deviceId, @index, @timestamp, @units, @payloadHash, @r8x, @r8y, @s, @ax, @ay, @digest, @receivedAt)`,
      ),
      byKey: this.db.prepare(`SELECT * FROM messages WHERE device_id = ? AND timestamp = ?`),
      lastTimestamp: this.db.prepare(
        `SELECT MAX(timestamp) AS ts, COUNT(*) AS n FROM messages WHERE device_id = ?`,
      ),
      pending: this.db.prepare(
        `SELECT * FROM messages WHERE project_id = ? AND batch_sequence IS NULL AND excluded IS NULL ORDER BY id LIMIT ?`,
      ),
      pendingCount: this.db.prepare(
        `SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM messages
         WHERE project_id = ? AND batch_sequence IS NULL AND excluded IS NULL`,
      ),
      lastBatched: this.db.prepare(
        `SELECT MAX(timestamp) AS ts FROM messages WHERE device_id = ? AND batch_sequence IS NOT NULL`,
      ),
      assign: this.db.prepare(`UPDATE messages SET batch_sequence = ? WHERE id = ?`),
      exclude: this.db.prepare(`UPDATE messages SET excluded = ? WHERE id = ?`),
      insertBatch: this.db.prepare(
        `INSERT INTO batches (project_id, sequence, data, messages_hash, message_count, ops_to, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      batch: this.db.prepare(`SELECT * FROM batches WHERE project_id = ? AND sequence = ?`),
      batchById: this.db.prepare(`SELECT * FROM batches WHERE batch_id = ?`),
      unsubmitted: this.db.prepare(
        `SELECT * FROM batches WHERE project_id = ? AND batch_id IS NULL ORDER BY sequence`,
      ),
      lastBatch: this.db.prepare(
        `SELECT MAX(sequence) AS seq, MAX(ops_to) AS ops FROM batches WHERE project_id = ?`,
      ),
      submitted: this.db.prepare(
        `UPDATE batches SET batch_id = ?, tx_hash = ? WHERE project_id = ? AND sequence = ?`,
      ),
      unsubmit: this.db.prepare(
        `UPDATE batches SET batch_id = NULL, tx_hash = NULL
         WHERE project_id = ? AND sequence > ? AND batch_id IS NOT NULL`,
      ),
      counts: this.db.prepare(
        `SELECT COUNT(*) AS total, SUM(batch_sequence IS NOT NULL) AS batched, SUM(excluded IS NOT NULL) AS excluded FROM messages`,
      ),
    };
  }

  /** Inserts messages in one transaction (the group commit); throws if any is a duplicate key. */
  insertMany(messages: NewMessage[]): number[] {
    const run = this.db.transaction((ms: NewMessage[]) =>
      ms.map(
        (m) =>
          this.stmts.insert.run({
            projectId: m.projectId.toString(),
            deviceId: hex(m.deviceId),
            index: m.index,
            timestamp: Number(m.timestamp),
            units: m.units.toString(),
            payloadHash: m.payloadHash.toString(),
            r8x: m.r8x.toString(),
            r8y: m.r8y.toString(),
            s: m.s.toString(),
            ax: m.ax.toString(),
            ay: m.ay.toString(),
            digest: m.digest.toString(),
            receivedAt: m.receivedAt,
          }).lastInsertRowid as number,
      ),
    );
    return run(messages);
  }

  messageByKey(deviceId: bigint, timestamp: bigint): StoredMessage | undefined {
    const r = this.stmts.byKey.get(hex(deviceId), Number(timestamp)) as Row | undefined;
    return r && toMessage(r);
  }

  deviceStats(deviceId: bigint): { lastTimestamp: bigint | null; accepted: number } {
    const r = this.stmts.lastTimestamp.get(hex(deviceId)) as { ts: number | null; n: number };
    return { lastTimestamp: r.ts === null ? null : BigInt(r.ts), accepted: r.n };
  }

  lastBatchedTimestamp(deviceId: bigint): bigint | null {
    const r = this.stmts.lastBatched.get(hex(deviceId)) as { ts: number | null };
    return r.ts === null ? null : BigInt(r.ts);
  }

  pendingMessages(projectId: bigint, limit: number): StoredMessage[] {
    return (this.stmts.pending.all(projectId.toString(), limit) as Row[]).map(toMessage);
  }

  pendingStats(projectId: bigint): { count: number; oldest: number | null } {
    const r = this.stmts.pendingCount.get(projectId.toString()) as { n: number; oldest: number | null };
    return { count: r.n, oldest: r.oldest };
  }

  /**
   * Records a cut batch and marks its messages (and the excluded ones, with their reasons)
   * in one transaction.
   */
  cutBatch(
    batch: Omit<StoredBatch, "batchId" | "txHash">,
    messageIds: number[],
    excluded: { id: number; reason: string }[],
  ): void {
    this.db.transaction(() => {
      this.stmts.insertBatch.run(
        batch.projectId.toString(),
        batch.sequence,
        batch.data,
        batch.messagesHash.toString(),
        batch.messageCount,
        batch.opsTo,
        batch.createdAt,
      );
      for (const id of messageIds) this.stmts.assign.run(batch.sequence, id);
      for (const e of excluded) this.stmts.exclude.run(e.reason, e.id);
    })();
  }

  /** Marks messages excluded without a batch (they can never be proven). */
  exclude(excluded: { id: number; reason: string }[]): void {
    this.db.transaction(() => {
      for (const e of excluded) this.stmts.exclude.run(e.reason, e.id);
    })();
  }

  batch(projectId: bigint, sequence: number): StoredBatch | undefined {
    const r = this.stmts.batch.get(projectId.toString(), sequence) as Row | undefined;
    return r && toBatch(r);
  }

  batchById(batchId: bigint): StoredBatch | undefined {
    const r = this.stmts.batchById.get(batchId.toString()) as Row | undefined;
    return r && toBatch(r);
  }

  unsubmittedBatches(projectId: bigint): StoredBatch[] {
    return (this.stmts.unsubmitted.all(projectId.toString()) as Row[]).map(toBatch);
  }

  /** The last cut sequence and the ops it reached (0 and 0 before the first). */
  lastBatch(projectId: bigint): { sequence: number; opsTo: number } {
    const r = this.stmts.lastBatch.get(projectId.toString()) as { seq: number | null; ops: number | null };
    return { sequence: r.seq ?? 0, opsTo: r.ops ?? 0 };
  }

  markSubmitted(projectId: bigint, sequence: number, batchId: bigint, txHash: string): void {
    this.stmts.submitted.run(batchId.toString(), txHash, projectId.toString(), sequence);
  }

  /**
   * Forgets the submission of the project's batches after `sequence` (the chain lost them in
   * a reorganization); they are submitted again, in order. Returns how many there were.
   */
  markUnsubmittedAfter(projectId: bigint, sequence: number): number {
    return this.stmts.unsubmit.run(projectId.toString(), sequence).changes;
  }

  counts(): { total: number; batched: number; excluded: number } {
    const r = this.stmts.counts.get() as { total: number; batched: number | null; excluded: number | null };
    return { total: r.total, batched: r.batched ?? 0, excluded: r.excluded ?? 0 };
  }

  close(): void {
    this.db.close();
  }
}
