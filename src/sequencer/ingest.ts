/**
 * Message intake: every check of DESIGN.md §2 step 4, then a durable group commit before
 * the ack. A request (one message or an array) is all or nothing: if one of its messages
 * fails a check, the request fails with that check's status and code, and nothing of it is
 * stored.
 *
 * Checks, cheapest first: more messages than `maxPerRequest` (413 `request_too_large`, with
 * the `limit`: a request that can never be admitted gets no 429), capacity (429
 * `overloaded`, see below), then message by message: schema, with every field input (units,
 * payloadHash, the signature's r8x, r8y, s) below the BN254 scalar field r, never reduced
 * (400 `invalid_message`), device known (404 `unknown_device`) and not revoked (403
 * `device_revoked`), duplicate (same device and timestamp: the original receipt if the
 * content is the same, 409 `conflict` if not), clock skew (422 `timestamp_out_of_window`),
 * units (422 `units_above_max`), spacing after the device's last accepted message (422
 * `interval_too_short`), per-device rate (more messages of the device in the request than
 * its burst: 413 `request_too_large` with the `limit`; more than its tokens now: 429
 * `rate_limited`), the signature's point on the curve and scalar below the subgroup order
 * (401 `bad_signature`, without the pool). Then the EdDSA-Poseidon signatures (401
 * `bad_signature`), on the verify pool through a fair scheduler (./scheduler.ts) that stops
 * a request at its first bad signature.
 *
 * Optimistic, so that a request that fails changes nothing another request sees: the checks
 * above read only what is accepted (committed, or verified and queued for the commit) and
 * reserve nothing. Once the signatures verify, the duplicate, spacing and rate checks run
 * again against what is accepted by then and, in the same synchronous step, the request's
 * messages are accepted: rate tokens taken, each device's last timestamp moved, the keys
 * queued for the commit. A check failing there gives its normal answer (a duplicate of a
 * message verified meanwhile gets the original's receipt). Only verified messages spend rate
 * tokens, and none are given back.
 *
 * Capacity: at most `maxPending` messages of requests admitted and not yet answered. When
 * that is full, a request gets the place of the newest request not yet at the verifier of
 * the client (connection) with the most messages admitted, if that client has more than the
 * newcomer would; the evicted request gets the 429. Clients with big requests cannot keep a
 * small one out.
 */
import { getAddress } from "ethers";
import { z } from "zod";

import { BABYJUB_SUBORDER } from "../crypto/babyjub";
import { isOnBabyJub } from "../crypto/eddsa";
import { isFieldElement } from "../crypto/field";
import type { ChainView } from "./chain-view";
import { FairVerifier, VerifyCancelled, type VerifyJob } from "./scheduler";
import type { NewMessage, SequencerStore } from "./store";
import { verifyInline, type VerifyItem, type VerifyResult } from "./verify-pool";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
    /**
     * Fields of the error body besides `code` and `message` (e.g. 413's `limit`), set as
     * plain fields of the error (not named like the ones above).
     */
    details?: Record<string, number | string>,
  ) {
    super(message);
    if (details) Object.assign(this, details);
  }
}

/** See `IngestOptions.orderWaitMs`. */
export const DEFAULT_ORDER_WAIT_MS = 2_000;

const uint = z.union([
  z.string().regex(/^(0|[1-9][0-9]{0,76})$/, "a decimal integer string"),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
]);

/**
 * A message's shape. Its field inputs (units, payloadHash, the signature's r8x, r8y, s) must
 * also be below the BN254 scalar field modulus r: checked right after the parse, on the
 * numbers (a zod refinement would double the parse's cost).
 */
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
  /**
   * Messages one request may carry, at most `maxPending` (default: DEFAULT_MAX_PER_REQUEST,
   * or `maxPending` if smaller). A longer request gets 413 `request_too_large`: it could
   * never be admitted, so a 429 would have its client retry forever.
   */
  maxPerRequest?: number;
  /**
   * How long a request whose signatures verified waits for earlier requests for the same
   * device to be through their final checks (arrival order), in ms; past it, it goes ahead
   * (default DEFAULT_ORDER_WAIT_MS, about what the admission bound takes to verify).
   */
  orderWaitMs?: number;
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

/** Messages per request unless configured: a quarter of the default admission bound. */
export const DEFAULT_MAX_PER_REQUEST = 500;
/** Chunks at the verifier at once when the caller does not say (about 2× a pool's threads). */
export const DEFAULT_VERIFY_SLOTS = 4;

const OVERLOADED = "too many messages waiting to be checked and stored; retry shortly";

interface Pending {
  messages: NewMessage[];
  resolve: (ids: number[]) => void;
  reject: (err: unknown) => void;
}

/** Where a message's receipt comes from. */
type Source =
  /** A stored message with the same content. */
  | { kind: "stored"; receipt: Receipt }
  /** A message with the same content queued for the commit by another request. */
  | { kind: "queued"; key: string }
  /** This request's `index`-th new message (`duplicate`: a later copy of it in the request). */
  | { kind: "fresh"; index: number; duplicate: boolean };

/** A new message of a request, as the first checks found it. */
interface Planned {
  message: NewMessage;
  check: VerifyItem;
  /** Position in the request. */
  item: number;
  minInterval: bigint;
}

/** A request's share of the admission bound. */
interface Ticket {
  client: string;
  n: number;
  released: boolean;
  /** Its signature checks, while they wait or run. */
  job?: VerifyJob;
}

export class Ingestor {
  private queue: Pending[] = [];
  private queued = 0;
  /** Messages of requests admitted and not yet answered (includes `queued`). */
  private admitted = 0;
  private readonly admittedBy = new Map<string, number>();
  /** Admitted requests whose signatures are being checked (the ones that can be evicted). */
  private readonly checking = new Set<Ticket>();
  private flushScheduled = false;
  /** Last accepted timestamp per device (committed, or verified and queued). */
  private readonly last = new Map<bigint, bigint>();
  /** Verified messages queued for the commit, by (device, timestamp). */
  private readonly inFlight = new Map<string, NewMessage>();
  private readonly buckets = new Map<bigint, { tokens: number; at: number }>();
  private readonly scheduler: FairVerifier;
  /**
   * Per device, a promise settled once every request for it admitted so far (from clients
   * that are not suspect) is through its final checks: requests for one device take their
   * final checks in arrival order, whatever order their signatures verify in.
   */
  private readonly tails = new Map<bigint, Promise<void>>();
  /** Messages one request may carry. */
  readonly maxPerRequest: number;

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
    /** Chunks of checks at the verifier at once (the service: twice the pool's threads). */
    verifySlots = DEFAULT_VERIFY_SLOTS,
  ) {
    this.maxPerRequest = options.maxPerRequest ?? Math.min(DEFAULT_MAX_PER_REQUEST, options.maxPending);
    if (
      !Number.isInteger(this.maxPerRequest) ||
      this.maxPerRequest < 1 ||
      this.maxPerRequest > options.maxPending
    )
      throw new Error(
        `maxPerRequest must be an integer from 1 to maxPending (${options.maxPending}), not ${this.maxPerRequest}`,
      );
    this.scheduler = new FairVerifier(verifier, verifySlots);
  }

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

  private fail(
    status: number,
    code: string,
    message: string,
    retryAfter?: number,
    details?: Record<string, number | string>,
  ): never {
    this.events?.rejected(code);
    throw new ApiError(status, code, message, retryAfter, details);
  }

  /**
   * Checks and durably stores a request's messages; resolves with their receipts. `client`
   * names who sent it (the service: the connection), for a fair share of signature checks.
   */
  async submit(body: unknown, client = ""): Promise<Receipt[]> {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) this.fail(400, "invalid_message", "an empty array");
    if (items.length > this.maxPerRequest)
      this.fail(
        413,
        "request_too_large",
        `a request carries at most ${this.maxPerRequest} messages; this one has ${items.length}`,
        undefined,
        { limit: this.maxPerRequest },
      );
    await this.refreshForUnknown(items);
    const ticket = this.admit(client, items.length);
    try {
      // From here to the signature checks, no await: the plan reads the state as it is.
      const plan = this.plan(items);
      const turn = this.takeTurn(ticket.client, plan.fresh);
      try {
        const digests = await this.verify(ticket, items.length, plan.fresh);
        // Earlier requests for the same devices first, so that a device sending faster than
        // its acks (over several connections) is not answered 422 for a reading that
        // verified after a later one.
        await this.inTurn(turn.before);
        return await this.accept(items.length, plan, digests);
      } finally {
        turn.done();
      }
    } finally {
      this.release(ticket);
    }
  }

  /** Waits for `before`, at most `orderWaitMs`: a request held at the verifier cannot stall others. */
  private async inTurn(before: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      before,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.orderWaitMs ?? DEFAULT_ORDER_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * The request's place in each of its devices' arrival order: `before` settles when the
   * earlier requests for those devices are through; `done` lets the later ones go. A
   * suspect client's request waits its turn but nobody waits for it, so bad signatures
   * cannot hold up a device's valid readings.
   */
  private takeTurn(client: string, fresh: Planned[]): { before: Promise<unknown>; done: () => void } {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const before: Promise<void>[] = [];
    const suspect = this.scheduler.isSuspect(client);
    for (const deviceId of new Set(fresh.map((p) => p.message.deviceId))) {
      const previous = this.tails.get(deviceId);
      if (previous) before.push(previous);
      if (suspect) continue;
      const tail = previous ? Promise.all([previous, finished]).then(() => undefined) : finished;
      this.tails.set(deviceId, tail);
      void tail.then(() => {
        if (this.tails.get(deviceId) === tail) this.tails.delete(deviceId);
      });
    }
    return { before: Promise.all(before), done };
  }

  /** Devices registered since the last sync: look again once, before the checks. */
  private async refreshForUnknown(items: unknown[]): Promise<void> {
    if (
      this.refresh &&
      items.some((i) => {
        const id = (i as { deviceId?: unknown })?.deviceId;
        return typeof id === "string" && /^0x[0-9a-fA-F]{40}$/.test(id) && !this.view.devices.has(BigInt(id));
      })
    )
      await this.refresh();
  }

  /**
   * The checks before the signatures, message by message, against what is accepted now;
   * reserves nothing. Returns where each message's receipt will come from and the new
   * messages, whose signatures are still to check.
   */
  private plan(items: unknown[]): { sources: Source[]; fresh: Planned[] } {
    const sources: Source[] = [];
    const fresh: Planned[] = [];
    const requestKeys = new Map<string, number>();
    const requestLast = new Map<bigint, bigint>();
    const perDevice = new Map<bigint, number>();
    let badSignature: number | undefined;
    for (const [i, item] of items.entries()) {
      const at = items.length > 1 ? `message ${i}: ` : "";
      const parsed = messageSchema.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        this.fail(400, "invalid_message", `${at}${issue.path.join(".") || "(message)"}: ${issue.message}`);
      }
      const m = parsed.data;
      const inputs = {
        units: BigInt(m.units),
        payloadHash: BigInt(m.payloadHash),
        "signature.r8x": BigInt(m.signature.r8x),
        "signature.r8y": BigInt(m.signature.r8y),
        "signature.s": BigInt(m.signature.s),
      };
      // Rejected, never reduced: the digest reads its inputs mod r, so `x + r` would verify
      // with `x`'s signature and take its place.
      for (const [name, value] of Object.entries(inputs))
        if (!isFieldElement(value))
          this.fail(400, "invalid_message", `${at}${name}: must be below the BN254 scalar field modulus r`);
      const deviceId = BigInt(m.deviceId);
      const timestamp = BigInt(m.timestamp);
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
      const message: NewMessage = {
        projectId: device.projectId,
        deviceId,
        index: device.index,
        timestamp,
        units: inputs.units,
        payloadHash: inputs.payloadHash,
        r8x: inputs["signature.r8x"],
        r8y: inputs["signature.r8y"],
        s: inputs["signature.s"],
        ax: device.ax,
        ay: device.ay,
        digest: 0n, // set once the signature is checked
        receivedAt: Date.now(),
      };

      const key = keyOf(deviceId, timestamp);
      const inRequest = requestKeys.get(key);
      if (inRequest !== undefined) {
        if (!sameContent(fresh[inRequest].message, message)) this.conflict(at, message);
        this.events?.duplicate(1);
        sources.push({ kind: "fresh", index: inRequest, duplicate: true });
        continue;
      }
      const accepted = this.acceptedAt(key, message, at);
      if (accepted) {
        sources.push(accepted);
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
      if (message.units > project.maxUnits)
        this.fail(
          422,
          "units_above_max",
          `${at}units ${message.units} exceed the project's maxUnits ${project.maxUnits}`,
        );
      this.checkInterval(at, message, requestLast.get(deviceId), project.minInterval);
      const n = (perDevice.get(deviceId) ?? 0) + 1;
      perDevice.set(deviceId, n);
      if (n > this.options.deviceBurst)
        this.fail(
          413,
          "request_too_large",
          `${at}a request carries at most ${this.options.deviceBurst} messages of one device (its rate burst)`,
          undefined,
          { limit: this.options.deviceBurst },
        );
      this.checkRate(at, deviceId, n);
      // A point off the curve or a scalar out of range never verifies: no need for the pool.
      if (
        badSignature === undefined &&
        !(isOnBabyJub(message.r8x, message.r8y) && message.s < BABYJUB_SUBORDER)
      )
        badSignature = i;

      requestLast.set(deviceId, timestamp);
      requestKeys.set(key, fresh.length);
      sources.push({ kind: "fresh", index: fresh.length, duplicate: false });
      fresh.push({
        message,
        item: i,
        minInterval: project.minInterval,
        check: {
          domain: project.domain,
          deviceId,
          timestamp,
          units: message.units,
          payloadHash: message.payloadHash,
          sig: { R8x: message.r8x, R8y: message.r8y, S: message.s },
          key: { ax: device.ax, ay: device.ay },
        },
      });
    }
    if (badSignature !== undefined) {
      const p = fresh.find((x) => x.item === badSignature)!;
      this.badSignature(items.length, p);
    }
    return { sources, fresh };
  }

  /** Takes `n` messages' place in the admission bound, evicting a bigger client if full. */
  private admit(client: string, n: number): Ticket {
    while (this.admitted + n > this.options.maxPending)
      if (!this.evictFor(client, n)) this.fail(429, "overloaded", OVERLOADED, 1);
    this.admitted += n;
    this.admittedBy.set(client, (this.admittedBy.get(client) ?? 0) + n);
    return { client, n, released: false };
  }

  private release(ticket: Ticket): void {
    if (ticket.released) return;
    ticket.released = true;
    this.checking.delete(ticket);
    this.admitted -= ticket.n;
    const left = (this.admittedBy.get(ticket.client) ?? 0) - ticket.n;
    if (left > 0) this.admittedBy.set(ticket.client, left);
    else this.admittedBy.delete(ticket.client);
  }

  /**
   * Evicts the newest request not yet at the verifier of the client with the most messages
   * admitted, if that is more than `client` would have with `n` more; false if none.
   */
  private evictFor(client: string, n: number): boolean {
    const mine = (this.admittedBy.get(client) ?? 0) + n;
    let victim: Ticket | undefined;
    let most = mine;
    for (const t of this.checking) {
      if (t.client === client || t.job === undefined || t.job.started) continue;
      const theirs = this.admittedBy.get(t.client) ?? 0;
      // `checking` is in admission order: the last of the biggest is the newest.
      if (theirs > mine && theirs >= most) {
        victim = t;
        most = theirs;
      }
    }
    if (!victim?.job?.cancel()) return false;
    this.release(victim);
    return true;
  }

  /** The signatures of the new messages, through the fair scheduler; their digests. */
  private async verify(ticket: Ticket, count: number, fresh: Planned[]): Promise<bigint[]> {
    if (fresh.length === 0) return [];
    ticket.job = this.scheduler.verify(
      ticket.client,
      fresh.map((p) => p.check),
    );
    this.checking.add(ticket);
    let outcome;
    try {
      outcome = await ticket.job.outcome;
    } catch (err) {
      if (err instanceof VerifyCancelled) this.fail(429, "overloaded", OVERLOADED, 1);
      throw err;
    } finally {
      this.checking.delete(ticket);
    }
    if (!outcome.ok) this.badSignature(count, fresh[outcome.bad]);
    return outcome.digests;
  }

  /**
   * Once the signatures verify: the duplicate, spacing and rate checks again, against what
   * is accepted now, then, in the same synchronous step, the request's new messages are
   * accepted and queued for the commit. Resolves with the receipts once committed.
   */
  private async accept(
    count: number,
    plan: { sources: Source[]; fresh: Planned[] },
    digests: bigint[],
  ): Promise<Receipt[]> {
    const outcomes: Source[] = [];
    const queue: NewMessage[] = [];
    const requestLast = new Map<bigint, bigint>();
    const perDevice = new Map<bigint, number>();
    for (const [k, p] of plan.fresh.entries()) {
      const at = count > 1 ? `message ${p.item}: ` : "";
      const m = p.message;
      const accepted = this.acceptedAt(keyOf(m.deviceId, m.timestamp), m, at);
      if (accepted) {
        outcomes.push(accepted);
        continue;
      }
      this.checkInterval(at, m, requestLast.get(m.deviceId), p.minInterval);
      const n = (perDevice.get(m.deviceId) ?? 0) + 1;
      perDevice.set(m.deviceId, n);
      this.checkRate(at, m.deviceId, n);
      requestLast.set(m.deviceId, m.timestamp);
      outcomes.push({ kind: "fresh", index: queue.length, duplicate: false });
      queue.push({ ...m, digest: digests[k] });
    }
    for (const [deviceId, n] of perDevice) this.takeTokens(deviceId, n);
    for (const [deviceId, ts] of requestLast) this.last.set(deviceId, ts);
    for (const m of queue) this.inFlight.set(keyOf(m.deviceId, m.timestamp), m);
    const ids = queue.length > 0 ? await this.enqueue(queue) : [];
    if (queue.length > 0) this.events?.accepted(queue.length);

    const resolve = (s: Source, duplicate: boolean): Receipt | Promise<Receipt> => {
      if (s.kind === "stored") return s.receipt;
      if (s.kind === "queued") return this.waitFor(s.key);
      return receipt(ids[s.index], queue[s.index], duplicate);
    };
    return Promise.all(
      plan.sources.map((s) => {
        if (s.kind !== "fresh") return resolve(s, true);
        const o = outcomes[s.index];
        return resolve(o, s.duplicate || o.kind !== "fresh");
      }),
    );
  }

  /** An accepted message at `key` (stored or queued): its receipt's source; 409 if it differs. */
  private acceptedAt(key: string, m: NewMessage, at: string): Source | undefined {
    const queued = this.inFlight.get(key);
    const stored = queued ? undefined : this.store.messageByKey(m.deviceId, m.timestamp);
    const earlier = queued ?? stored;
    if (earlier === undefined) return undefined;
    if (!sameContent(earlier, m)) this.conflict(at, m);
    this.events?.duplicate(1);
    return stored ? { kind: "stored", receipt: receipt(stored.id, stored, true) } : { kind: "queued", key };
  }

  private conflict(at: string, m: NewMessage): never {
    this.fail(
      409,
      "conflict",
      `${at}device ${address(m.deviceId)} already sent different content at ${m.timestamp}`,
    );
  }

  /** 422 unless `m` comes `minInterval` after the device's last message (of the request, else accepted). */
  private checkInterval(at: string, m: NewMessage, inRequest: bigint | undefined, minInterval: bigint): void {
    const last = inRequest ?? this.lastAccepted(m.deviceId);
    if (last !== null && m.timestamp < last + minInterval)
      this.fail(
        422,
        "interval_too_short",
        `${at}timestamp ${m.timestamp} is less than minInterval ${minInterval} s after ${last}`,
      );
  }

  /** 429 unless the device has `n` tokens. */
  private checkRate(at: string, deviceId: bigint, n: number): void {
    if (!this.hasTokens(deviceId, n))
      this.fail(429, "rate_limited", `${at}device ${address(deviceId)} sends faster than its rate limit`, 1);
  }

  private badSignature(count: number, p: Planned): never {
    const at = count > 1 ? `message ${p.item}: ` : "";
    this.fail(
      401,
      "bad_signature",
      `${at}the signature does not verify with device ${address(p.message.deviceId)}'s key`,
    );
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

  /** Queues messages for the next group commit (synchronously); resolves with their ids. */
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
      for (const m of all) this.inFlight.delete(keyOf(m.deviceId, m.timestamp));
      this.queued -= all.length;
    }
  }
}

function keyOf(deviceId: bigint, timestamp: bigint): string {
  return `${deviceId}:${timestamp}`;
}

function sameContent(
  a: { units: bigint; payloadHash: bigint; r8x: bigint; r8y: bigint; s: bigint },
  b: { units: bigint; payloadHash: bigint; r8x: bigint; r8y: bigint; s: bigint },
): boolean {
  return (
    a.units === b.units &&
    a.payloadHash === b.payloadHash &&
    a.r8x === b.r8x &&
    a.r8y === b.r8y &&
    a.s === b.s
  );
}

function address(deviceId: bigint): string {
  return getAddress("0x" + deviceId.toString(16).padStart(40, "0"));
}

function receipt(
  id: number,
  m: { deviceId: bigint; timestamp: bigint; digest: bigint },
  duplicate: boolean,
): Receipt {
  return {
    id,
    deviceId: address(m.deviceId),
    timestamp: m.timestamp.toString(),
    digest: m.digest.toString(),
    duplicate,
  };
}
