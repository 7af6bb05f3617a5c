/**
 * Message intake: every check of DESIGN.md §2 step 4, then a durable group commit before
 * the ack. A request (one message or an array) is all or nothing: the first bad message
 * fails it with its own status and code, and nothing of it is stored.
 *
 * Checks, cheapest first: capacity (429 `overloaded`), schema (400 `invalid_message`),
 * device known (404 `unknown_device`) and not revoked (403 `device_revoked`), duplicate
 * (same device and timestamp: the original receipt if the content is the same, 409
 * `conflict` if not), clock skew (422 `timestamp_out_of_window`), units (422
 * `units_above_max`), spacing after the device's last accepted message (422
 * `interval_too_short`), per-device rate (429 `rate_limited`), EdDSA-Poseidon signature
 * (401 `bad_signature`).
 */
import { getAddress } from "ethers";
import { z } from "zod";

import { verifyInline, type VerifyItem, type VerifyResult } from "./verify-pool";
import type { ChainView } from "./chain-view";
import type { NewMessage, SequencerStore } from "./store";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const uint = z.union([
  z.string().regex(/^(0|[1-9][0-9]{0,76})$/, "a decimal integer string"),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
]);

export const messageSchema = z
  .object({
    deviceId: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a device address (0x + 40 hex digits)"),
    timestamp: uint,
    units: uint,
    payloadHash: uint,
    signature: z.object({ r8x: uint, r8y: uint, s: uint }).strict(),
  })
  .strict();

export type MessageInput = z.infer<typeof messageSchema>;

export interface Receipt {
  id: number;
  deviceId: string;
  timestamp: string;
  digest: string;
  duplicate: boolean;
}

export interface IngestOptions {
  /** Accepted distance between a message's timestamp and the sequencer's clock. */
  skewSeconds: number;
  /**
   * Messages admitted but not yet answered (being checked, signatures being verified, or
   * waiting for the group commit), across requests, before answering 429. This bounds the
   * work and memory a burst can queue: signature checks are the bottleneck, so a bound on
   * the commit queue alone lets requests pile up unboundedly in front of the verifiers.
   */
  maxPending: number;
  /** Per-device token bucket: sustained messages per second and burst. */
  deviceRate: number;
  deviceBurst: number;
  /** Unix seconds (tests move the clock). */
  now?: () => number;
}

export interface IngestEvents {
  accepted(count: number): void;
  duplicate(count: number): void;
  rejected(code: string): void;
  committed(count: number, seconds: number): void;
}

const UINT64 = 1n << 64n;

interface Pending {
  messages: NewMessage[];
  resolve: (ids: number[]) => void;
  reject: (err: unknown) => void;
}

export class Ingestor {
  private queue: Pending[] = [];
  private queued = 0;
  /** Messages of requests admitted and not yet answered (includes `queued`). */
  private admitted = 0;
  private flushScheduled = false;
  /** Last accepted timestamp per device (committed or queued). */
  private readonly last = new Map<bigint, bigint>();
  /** Queued messages by (device, timestamp), for duplicates racing their commit. */
  private readonly inFlight = new Map<string, NewMessage>();
  private readonly buckets = new Map<bigint, { tokens: number; at: number }>();

  constructor(
    readonly store: SequencerStore,
    readonly view: ChainView,
    readonly options: IngestOptions,
    readonly events?: IngestEvents,
    /** Re-reads the chain (rate-limited by the caller) when a device is not known yet. */
    readonly refresh?: () => Promise<void>,
    /** Digests and signature checks (default: inline; the service passes a thread pool). */
    readonly verifier: (items: VerifyItem[]) => Promise<VerifyResult[]> = async (items) =>
      verifyInline(items),
  ) {}

  get pending(): number {
    return this.queued;
  }

  /** Messages admitted and not yet answered (checks, signature verification, commit). */
  get admittedCount(): number {
    return this.admitted;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Math.floor(Date.now() / 1000);
  }

  private fail(status: number, code: string, message: string, retryAfter?: number): never {
    this.events?.rejected(code);
    throw new ApiError(status, code, message, retryAfter);
  }

  /** Checks and durably stores a request's messages; resolves with their receipts. */
  async submit(body: unknown): Promise<Receipt[]> {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) this.fail(400, "invalid_message", "an empty array");
    if (this.admitted + items.length > this.options.maxPending)
      this.fail(429, "overloaded", "too many messages waiting to be checked and stored; retry shortly", 1);
    this.admitted += items.length;
    try {
      return await this.check(items);
    } finally {
      this.admitted -= items.length;
    }
  }

  private async check(items: unknown[]): Promise<Receipt[]> {
    // Devices registered since the last sync: look again once, before any check, so that
    // the checks below run without yielding until their messages are reserved.
    if (
      this.refresh &&
      items.some((i) => {
        const id = (i as { deviceId?: unknown })?.deviceId;
        return typeof id === "string" && /^0x[0-9a-fA-F]{40}$/.test(id) && !this.view.devices.has(BigInt(id));
      })
    )
      await this.refresh();

    const fresh: NewMessage[] = [];
    const checks: VerifyItem[] = [];
    const positions: number[] = [];
    // A receipt, a message of this request (by position in `fresh`), or a duplicate of a
    // message another request queued (its receipt once committed).
    const receipts: (Receipt | { fresh: number; duplicate: boolean } | Promise<Receipt>)[] = [];
    const requestLast = new Map<bigint, bigint>();
    const requestKeys = new Map<string, NewMessage>();
    const tokensWanted = new Map<bigint, number>();
    for (const [i, item] of items.entries()) {
      const at = items.length > 1 ? `message ${i}: ` : "";
      const parsed = messageSchema.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        this.fail(400, "invalid_message", `${at}${issue.path.join(".") || "(message)"}: ${issue.message}`);
      }
      const m = parsed.data;
      const deviceId = BigInt(m.deviceId);
      const timestamp = BigInt(m.timestamp);
      const units = BigInt(m.units);
      const payloadHash = BigInt(m.payloadHash);
      const sig = { R8x: BigInt(m.signature.r8x), R8y: BigInt(m.signature.r8y), S: BigInt(m.signature.s) };

      const device = this.view.devices.get(deviceId);
      const project = device && this.view.projects.get(device.projectId);
      if (!device || !project)
        this.fail(
          404,
          "unknown_device",
          `${at}device ${m.deviceId} is not registered in a project served here`,
        );
      if (device.revoked) this.fail(403, "device_revoked", `${at}device ${m.deviceId} is revoked`);
      if (timestamp >= UINT64) this.fail(400, "invalid_message", `${at}timestamp: must fit 64 bits`);

      const key = `${deviceId}:${timestamp}`;
      const same = (o: { units: bigint; payloadHash: bigint; r8x: bigint; r8y: bigint; s: bigint }) =>
        o.units === units &&
        o.payloadHash === payloadHash &&
        o.r8x === sig.R8x &&
        o.r8y === sig.R8y &&
        o.s === sig.S;
      const inRequest = requestKeys.get(key);
      const queued = inRequest ? undefined : this.inFlight.get(key);
      const stored = inRequest || queued ? undefined : this.store.messageByKey(deviceId, timestamp);
      const earlier = inRequest ?? queued ?? stored;
      if (earlier !== undefined) {
        if (!same(earlier))
          this.fail(
            409,
            "conflict",
            `${at}device ${m.deviceId} already sent different content at ${timestamp}`,
          );
        this.events?.duplicate(1);
        if (stored) receipts.push(receipt(stored.id, stored, true));
        else if (inRequest) receipts.push({ fresh: fresh.indexOf(inRequest), duplicate: true });
        else receipts.push(this.waitFor(key));
        continue;
      }

      const now = BigInt(this.now());
      const skew = BigInt(this.options.skewSeconds);
      if (timestamp > now + skew || timestamp + skew < now)
        this.fail(
          422,
          "timestamp_out_of_window",
          `${at}timestamp ${timestamp} is more than ${skew} s from ${now}`,
        );
      if (units > project.maxUnits)
        this.fail(
          422,
          "units_above_max",
          `${at}units ${units} exceed the project's maxUnits ${project.maxUnits}`,
        );
      const last = requestLast.get(deviceId) ?? this.lastAccepted(deviceId);
      if (last !== null && timestamp < last + project.minInterval)
        this.fail(
          422,
          "interval_too_short",
          `${at}timestamp ${timestamp} is less than minInterval ${project.minInterval} s after ${last}`,
        );
      tokensWanted.set(deviceId, (tokensWanted.get(deviceId) ?? 0) + 1);
      if (!this.hasTokens(deviceId, tokensWanted.get(deviceId)!))
        this.fail(429, "rate_limited", `${at}device ${m.deviceId} sends faster than its rate limit`, 1);
      checks.push({
        domain: project.domain,
        deviceId,
        timestamp,
        units,
        payloadHash,
        sig,
        key: { ax: device.ax, ay: device.ay },
      });
      positions.push(i);

      const message: NewMessage = {
        projectId: device.projectId,
        deviceId,
        index: device.index,
        timestamp,
        units,
        payloadHash,
        r8x: sig.R8x,
        r8y: sig.R8y,
        s: sig.S,
        ax: device.ax,
        ay: device.ay,
        digest: 0n, // set once the signature is checked
        receivedAt: Date.now(),
      };
      requestLast.set(deviceId, timestamp);
      requestKeys.set(key, message);
      receipts.push({ fresh: fresh.length, duplicate: false });
      fresh.push(message);
    }

    // Reserve what the checks found free (tokens, each device's clock, the keys), then
    // check the signatures (worker threads) and undo the reservation if one fails.
    const previousLast = new Map([...requestLast.keys()].map((d) => [d, this.last.get(d)]));
    for (const [deviceId, n] of tokensWanted) this.takeTokens(deviceId, n);
    for (const [deviceId, ts] of requestLast) this.last.set(deviceId, ts);
    for (const m of fresh) this.inFlight.set(`${m.deviceId}:${m.timestamp}`, m);
    let results: VerifyResult[];
    try {
      results = await this.verifier(checks);
    } catch (err) {
      this.unreserve(fresh, requestLast, previousLast, tokensWanted);
      throw err;
    }
    const bad = results.findIndex((r) => !r.ok);
    if (bad >= 0) {
      this.unreserve(fresh, requestLast, previousLast, tokensWanted);
      const at = items.length > 1 ? `message ${positions[bad]}: ` : "";
      const id = "0x" + checks[bad].deviceId.toString(16).padStart(40, "0");
      this.fail(
        401,
        "bad_signature",
        `${at}the signature does not verify with device ${getAddress(id)}'s key`,
      );
    }
    results.forEach((r, k) => (fresh[k].digest = r.digest));
    const ids = fresh.length > 0 ? await this.enqueue(fresh) : [];
    if (fresh.length > 0) this.events?.accepted(fresh.length);
    return Promise.all(
      receipts.map((r) => ("fresh" in r ? receipt(ids[r.fresh], fresh[r.fresh], r.duplicate) : r)),
    );
  }

  private unreserve(
    fresh: NewMessage[],
    requestLast: Map<bigint, bigint>,
    previousLast: Map<bigint, bigint | undefined>,
    tokensWanted: Map<bigint, number>,
  ): void {
    for (const m of fresh) this.inFlight.delete(`${m.deviceId}:${m.timestamp}`);
    for (const [deviceId, ts] of requestLast) {
      if (this.last.get(deviceId) !== ts) continue; // a later request moved it on
      const before = previousLast.get(deviceId);
      if (before === undefined) this.last.delete(deviceId);
      else this.last.set(deviceId, before);
    }
    for (const [deviceId, n] of tokensWanted) this.refill(deviceId).tokens += n;
  }

  /** The receipt of a queued duplicate, once its original is committed. */
  private async waitFor(key: string): Promise<Receipt> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (!this.inFlight.has(key)) {
        const [device, ts] = key.split(":").map(BigInt);
        const stored = this.store.messageByKey(device, ts);
        if (!stored) throw new ApiError(503, "store_failed", "the original message could not be stored");
        return receipt(stored.id, stored, true);
      }
    }
  }

  private lastAccepted(deviceId: bigint): bigint | null {
    const known = this.last.get(deviceId);
    if (known !== undefined) return known;
    const { lastTimestamp } = this.store.deviceStats(deviceId);
    if (lastTimestamp !== null) this.last.set(deviceId, lastTimestamp);
    return lastTimestamp;
  }

  private refill(deviceId: bigint): { tokens: number; at: number } {
    const nowMs = Date.now();
    const b = this.buckets.get(deviceId) ?? { tokens: this.options.deviceBurst, at: nowMs };
    b.tokens = Math.min(
      this.options.deviceBurst,
      b.tokens + ((nowMs - b.at) / 1000) * this.options.deviceRate,
    );
    b.at = nowMs;
    this.buckets.set(deviceId, b);
    return b;
  }

  private hasTokens(deviceId: bigint, n: number): boolean {
    return this.refill(deviceId).tokens >= n;
  }

  private takeTokens(deviceId: bigint, n: number): void {
    this.refill(deviceId).tokens -= n;
  }

  private enqueue(messages: NewMessage[]): Promise<number[]> {
    this.queued += messages.length;
    return new Promise((resolve, reject) => {
      this.queue.push({ messages, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One transaction for everything queued since the last flush (group commit). */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    const all = batch.flatMap((p) => p.messages);
    const started = process.hrtime.bigint();
    try {
      const ids = this.store.insertMany(all);
      this.events?.committed(all.length, Number(process.hrtime.bigint() - started) / 1e9);
      let k = 0;
      for (const p of batch) {
        p.resolve(ids.slice(k, k + p.messages.length));
        k += p.messages.length;
      }
    } catch (err) {
      // Nothing of this flush is stored: forget what it claimed.
      for (const m of all) this.last.delete(m.deviceId);
      for (const p of batch)
        p.reject(new ApiError(503, "store_failed", `storing failed: ${(err as Error).message}`));
    } finally {
      for (const m of all) this.inFlight.delete(`${m.deviceId}:${m.timestamp}`);
      this.queued -= all.length;
    }
  }
}

function receipt(
  id: number,
  m: { deviceId: bigint; timestamp: bigint; digest: bigint },
  duplicate: boolean,
): Receipt {
  return {
    id,
    deviceId: getAddress("0x" + m.deviceId.toString(16).padStart(40, "0")),
    timestamp: m.timestamp.toString(),
    digest: m.digest.toString(),
    duplicate,
  };
}
