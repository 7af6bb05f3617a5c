/**
 * The device simulator: many devices sending signed readings to a sequencer at a
 * configurable rate with jitter, and injected faults whose answers are checked against
 * what the sequencer must say.
 *
 * The sequencer checks a message cheapest first (src/sequencer/ingest.ts): schema, device
 * known and not revoked, duplicate, clock skew, units, spacing, rate, signature. Each fault
 * is made so that only the check it targets can catch it:
 *
 * - `badSignature` → 401 `bad_signature`: a reading valid in every other way (units within
 *   maxUnits, a fresh timestamp inside the window and spaced after the device's last one, a
 *   token left in its bucket) whose signature still parses (R8 a curve point, S below the
 *   subgroup order) but does not verify: the device's signature of other content, its
 *   signature with S moved to another value below the order, or another key's signature.
 * - `replay` → 200 and the original receipt: the device's last reading the sequencer stored.
 * - `skew` → 422 `timestamp_out_of_window`: a day past the window, where nothing is stored.
 * - `unregistered` → 404 `unknown_device`: a valid reading of a device nobody registered.
 * - `burst` → 202 or 429 `rate_limited`: 2 to 8 readings spaced by minInterval, all inside
 *   half the window.
 *
 * A plain reading is answered 202: a device holds back its readings (plain or bad
 * signature) while its next timestamp would be more than half the skew window ahead, or
 * while its token bucket, as the sequencer keeps it, is empty. The simulator takes the
 * sequencer's limits as `limits` (default: the sequencer's defaults), and assumes the
 * sequencer has stored nothing of these devices before the run.
 *
 * Seeded: every random choice (each device's first send, the jitter of its intervals, its
 * units, whether and which fault, how a bad signature is made) comes from `seed`. Each
 * device draws from its own stream, four values at every turn, so a seed gives each device
 * the same choices in the same order however the devices interleave; how many turns fit in
 * `durationMs` depends on the machine. Keys are not drawn from the seed: they come from the
 * platform's CSPRNG and change no answer.
 */
import { randomInt } from "node:crypto";

import { BABYJUB_SUBORDER } from "../crypto/babyjub";
import { deviceAddressOf } from "../crypto/did";
import { signEddsaPoseidon } from "../crypto/eddsa";
import { UserError } from "../errors";
import { messageDigest } from "../zk/batch";
import type { DeviceIdentity } from "./identity";
import { generateIdentity } from "./identity";

export const FAULTS = ["badSignature", "replay", "skew", "unregistered", "burst"] as const;
export type Fault = (typeof FAULTS)[number];

export interface SimulatedDevice {
  identity: DeviceIdentity;
  deviceId: bigint;
}

/** The sequencer's limits a well-behaved device respects (its ingest options). */
export interface SequencerLimits {
  /** Accepted distance between a message's timestamp and the sequencer's clock, in seconds. */
  skewSeconds: number;
  /** Per-device token bucket: sustained messages per second and burst. */
  deviceRate: number;
  deviceBurst: number;
}

/**
 * The sequencer's defaults (`DEFAULT_CONFIG.ingest` of src/sequencer/server.ts, which the
 * device side does not import; test/unit/sdk/simulator-faults.test.ts checks they agree).
 */
export const DEFAULT_SEQUENCER_LIMITS: Readonly<SequencerLimits> = {
  skewSeconds: 300,
  deviceRate: 5,
  deviceBurst: 50,
};

/** A reading as `POST /v1/messages` takes it. */
export interface MessageBody {
  deviceId: string;
  timestamp: number;
  units: string;
  payloadHash: string;
  signature: { r8x: string; r8y: string; s: string };
}

/** A reading the simulator sends, the fault it carries, and the units it counts if accepted. */
export interface SimulatedReading {
  body: MessageBody;
  fault: Fault | "none";
  units: bigint;
}

export interface SimulatorOptions {
  url: string;
  devices: SimulatedDevice[];
  domain: bigint;
  /** The project's minInterval (timestamps are spaced by at least this). */
  minInterval: number;
  /** Readings per device per second (at most 1 / minInterval). */
  rate: number;
  /** Relative jitter of the interval between readings (0..1). */
  jitter: number;
  durationMs: number;
  /** Probability per turn of each fault (their sum at most 1). */
  faults: Partial<Record<Fault, number>>;
  /** Largest units value of a reading (uniform in 1..maxUnits), the project's maxUnits. */
  maxUnits: number;
  /** Drives every random choice (default: drawn; the stats say which). */
  seed?: number;
  /** The sequencer's limits (default: its defaults). */
  limits?: SequencerLimits;
  concurrency?: number;
  onProgress?: (stats: SimulatorStats) => void;
}

export interface SimulatorStats {
  /** The seed the run drew its choices from (to replay it). */
  seed: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
  /** Faults injected, and how many got the answer they must get. */
  faults: Record<Fault, { injected: number; expected: number }>;
  unexpected: { fault: Fault | "none"; status: number; code?: string }[];
  acceptedUnits: bigint;
}

/** Seconds past the skew window of a `skew` reading's timestamp. */
const SKEW_FAULT_SECONDS = 24 * 3600;
/** Most readings in a burst. */
const MAX_BURST = 8;
/** Tokens kept in hand beyond the one a reading takes (the sequencer's bucket is floating-point). */
const TOKEN_MARGIN = 1e-6;
/** Ways to make a bad signature, chosen per reading. */
const BAD_SIGNATURE_KINDS = 3;
/** Seeds are 32-bit (the PRNG's state). */
const SEED_LIMIT = 2 ** 32;

const EXPECTED: Record<Fault | "none", (status: number, code?: string) => boolean> = {
  none: (s) => s === 202,
  badSignature: (s, c) => s === 401 && c === "bad_signature",
  replay: (s) => s === 200,
  skew: (s, c) => s === 422 && c === "timestamp_out_of_window",
  unregistered: (s, c) => s === 404 && c === "unknown_device",
  burst: (s, c) => s === 202 || (s === 429 && c === "rate_limited"),
};

/** A seeded PRNG (mulberry32), uniform in [0, 1): for simulations, never for keys. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of stream `index` of a run (murmur3's finalizer over seed and index). */
export function streamSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A fresh seed from the platform's CSPRNG. */
export function drawSeed(): number {
  return randomInt(0, SEED_LIMIT);
}

/** A seed written in decimal (0 to 2^32 − 1), e.g. `DEMO_SEED`; `name` says where in an error. */
export function parseSeed(text: string, name = "seed"): number {
  const seed = /^[0-9]{1,10}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(seed < SEED_LIMIT))
    throw new UserError(`${name} must be an integer from 0 to ${SEED_LIMIT - 1}, not "${text}"`);
  return seed;
}

/** What a device's readings are made with. */
export interface ReadingContext {
  domain: bigint;
  minInterval: number;
  maxUnits: number;
  faults: Partial<Record<Fault, number>>;
  rate: number;
  jitter: number;
  limits: SequencerLimits;
  /** A device nobody registered: sends the `unregistered` readings, signs some bad signatures. */
  stranger: SimulatedDevice;
}

/** A reading's payload hash: the simulator has no payload, so a value of its timestamp and units. */
function payloadHashOf(timestamp: number, units: bigint): bigint {
  return BigInt(timestamp) * 1_000_003n + units;
}

function signedBody(
  domain: bigint,
  device: SimulatedDevice,
  timestamp: number,
  units: bigint,
  /** What goes into the signature, when not the reading itself (bad signatures). */
  signed: { key?: Uint8Array; payloadHash?: bigint } = {},
): MessageBody {
  const payloadHash = payloadHashOf(timestamp, units);
  const sig = signEddsaPoseidon(
    signed.key ?? device.identity.babyJub.privateKey,
    messageDigest(domain, device.deviceId, BigInt(timestamp), units, signed.payloadHash ?? payloadHash),
  );
  return {
    deviceId: deviceAddressOf(device.deviceId),
    timestamp,
    units: units.toString(),
    payloadHash: payloadHash.toString(),
    signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
  };
}

/**
 * One device of a simulation: its readings turn by turn, from its own seeded stream, and
 * what it knows of the sequencer's state for it (its last timestamp, its last stored
 * reading, its token bucket), kept from the answers.
 */
export class DeviceSimulation {
  /** Milliseconds from the start of the run to the device's first turn. */
  readonly firstDelayMs: number;
  private lastTimestamp = 0;
  private lastStored?: MessageBody;
  private tokens: number;
  private tokensAt?: number;

  constructor(
    readonly device: SimulatedDevice,
    private readonly context: ReadingContext,
    private readonly random: () => number,
  ) {
    this.tokens = context.limits.deviceBurst;
    this.firstDelayMs = random() * this.intervalMs;
  }

  get intervalMs(): number {
    return Math.max(1000 / this.context.rate, this.context.minInterval * 1000);
  }

  /**
   * The readings of a turn at wall-clock `nowMs` (none while the device must wait) and the
   * delay to its next turn. `fault` makes this turn's fault that one instead of the drawn
   * one (tests); the stream moves on the same.
   */
  turn(nowMs: number, fault?: Fault | "none"): { readings: SimulatedReading[]; delayMs: number } {
    const faultDraw = this.random();
    const unitsDraw = this.random();
    const variantDraw = this.random();
    const jitterDraw = this.random();
    const units = BigInt(1 + Math.floor(unitsDraw * this.context.maxUnits));
    const delayMs = this.intervalMs * (1 + this.context.jitter * (2 * jitterDraw - 1));
    const readings = this.readings(nowMs, fault ?? this.pickFault(faultDraw), units, variantDraw);
    return { readings, delayMs };
  }

  /** What the sequencer answered to `reading` (status 0: no answer), seen at `nowMs`. */
  answered(reading: SimulatedReading, status: number, nowMs: number): void {
    if (reading.fault === "none" || reading.fault === "burst" || reading.fault === "badSignature")
      this.lastTimestamp = Math.max(this.lastTimestamp, reading.body.timestamp);
    // Stored: the reading to replay, and a token gone. Without an answer, maybe stored.
    if (status === 202 && reading.fault !== "badSignature") this.lastStored = reading.body;
    if (status === 202 || status === 0) {
      this.refill(nowMs);
      this.tokens -= 1;
    }
  }

  private pickFault(draw: number): Fault | "none" {
    let x = draw;
    for (const fault of FAULTS) {
      const p = this.context.faults[fault] ?? 0;
      if (x < p) return fault;
      x -= p;
    }
    return "none";
  }

  private refill(nowMs: number): void {
    const { deviceRate, deviceBurst } = this.context.limits;
    if (this.tokensAt !== undefined)
      this.tokens = Math.min(
        deviceBurst,
        this.tokens + (Math.max(0, nowMs - this.tokensAt) / 1000) * deviceRate,
      );
    this.tokensAt = nowMs;
  }

  private hasToken(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= 1 + TOKEN_MARGIN;
  }

  private readings(nowMs: number, fault: Fault | "none", units: bigint, variant: number): SimulatedReading[] {
    const c = this.context;
    const nowSec = Math.floor(nowMs / 1000);
    const spacing = Math.max(1, c.minInterval);
    // The device's next timestamp, and the latest it sends (margin for clocks and latency).
    const next = Math.max(nowSec, this.lastTimestamp + spacing);
    const latest = nowSec + Math.floor(c.limits.skewSeconds / 2);
    const sign = (d: SimulatedDevice, timestamp: number) => signedBody(c.domain, d, timestamp, units);
    switch (fault) {
      case "skew":
        return [
          { body: sign(this.device, nowSec + c.limits.skewSeconds + SKEW_FAULT_SECONDS), fault, units },
        ];
      case "unregistered":
        return [{ body: sign(c.stranger, nowSec), fault, units }];
      case "replay":
        if (this.lastStored) return [{ body: this.lastStored, fault, units: 0n }];
        break;
      case "burst": {
        const count = Math.min(MAX_BURST, Math.floor((latest - next) / spacing) + 1);
        if (count >= 2)
          return Array.from({ length: count }, (_, k) => ({
            body: sign(this.device, next + k * spacing),
            fault,
            units,
          }));
        break;
      }
      case "badSignature":
        if (next > latest || !this.hasToken(nowMs)) return [];
        return [{ body: this.badlySigned(next, units, variant), fault, units }];
    }
    if (next > latest || !this.hasToken(nowMs)) return [];
    return [{ body: sign(this.device, next), fault: "none", units }];
  }

  /** A reading valid but for its signature, which parses and does not verify. */
  private badlySigned(timestamp: number, units: bigint, variant: number): MessageBody {
    const c = this.context;
    switch (Math.floor(variant * BAD_SIGNATURE_KINDS)) {
      case 0: {
        // The device's signature of other content: the payload hash plus one.
        const payloadHash = payloadHashOf(timestamp, units) + 1n;
        return signedBody(c.domain, this.device, timestamp, units, { payloadHash });
      }
      case 1: {
        // The device's signature with S moved to another value below the subgroup order.
        const body = signedBody(c.domain, this.device, timestamp, units);
        const s = (BigInt(body.signature.s) + 1n) % BABYJUB_SUBORDER;
        return { ...body, signature: { ...body.signature, s: s.toString() } };
      }
      default:
        // Another key's signature of the reading.
        return signedBody(c.domain, this.device, timestamp, units, {
          key: c.stranger.identity.babyJub.privateKey,
        });
    }
  }
}

function checkOptions(o: SimulatorOptions): void {
  if (!Number.isSafeInteger(o.maxUnits) || o.maxUnits < 1)
    throw new Error(`maxUnits must be a positive integer, not ${o.maxUnits}`);
  if (!(o.rate > 0)) throw new Error(`rate must be positive, not ${o.rate}`);
  if (!(o.jitter >= 0 && o.jitter <= 1)) throw new Error(`jitter must be in 0..1, not ${o.jitter}`);
  const total = Object.values(o.faults).reduce((s, p) => s + p, 0);
  if (Object.values(o.faults).some((p) => !(p >= 0)) || total > 1)
    throw new Error(`fault probabilities must be non-negative and sum to at most 1`);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < SEED_LIMIT))
    throw new Error(`seed must be an integer from 0 to ${SEED_LIMIT - 1}, not ${o.seed}`);
}

export async function simulateDevices(o: SimulatorOptions): Promise<SimulatorStats> {
  checkOptions(o);
  const seed = o.seed ?? drawSeed();
  const stats: SimulatorStats = {
    seed,
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: {},
    faults: Object.fromEntries(
      FAULTS.map((f) => [f, { injected: 0, expected: 0 }]),
    ) as SimulatorStats["faults"],
    unexpected: [],
    acceptedUnits: 0n,
  };
  const stranger = { identity: generateIdentity(), deviceId: 0n };
  stranger.deviceId = BigInt(stranger.identity.wallet.address);
  const context: ReadingContext = {
    domain: o.domain,
    minInterval: o.minInterval,
    maxUnits: o.maxUnits,
    faults: o.faults,
    rate: o.rate,
    jitter: o.jitter,
    limits: o.limits ?? DEFAULT_SEQUENCER_LIMITS,
    stranger,
  };
  const started = Date.now();
  const state = o.devices.map((d, i) => {
    const device = new DeviceSimulation(d, context, seededRandom(streamSeed(seed, i)));
    return { device, nextSend: started + device.firstDelayMs };
  });

  /** Sends a reading; its answer's status (0: none) and code. */
  const post = async (r: SimulatedReading): Promise<{ status: number; code?: string }> => {
    stats.sent++;
    if (r.fault !== "none") stats.faults[r.fault].injected++;
    let status = 0;
    let code: string | undefined;
    try {
      const response = await fetch(`${o.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(r.body),
      });
      status = response.status;
      const json = (await response.json()) as { error?: { code: string } };
      code = json.error?.code;
    } catch (err) {
      code = `network: ${(err as Error).message}`;
    }
    if (status === 202) {
      stats.accepted++;
      stats.acceptedUnits += r.units;
    } else if (status === 200) stats.duplicates++;
    else stats.rejected[code ?? String(status)] = (stats.rejected[code ?? String(status)] ?? 0) + 1;
    if (EXPECTED[r.fault](status, code)) {
      if (r.fault !== "none") stats.faults[r.fault].expected++;
    } else stats.unexpected.push({ fault: r.fault, status, code });
    return { status, code };
  };

  const end = started + o.durationMs;
  const concurrency = o.concurrency ?? 16;
  while (Date.now() < end) {
    const now = Date.now();
    const due = state.filter((s) => s.nextSend <= now);
    const work: (() => Promise<void>)[] = due.map((s) => async () => {
      const { readings, delayMs } = s.device.turn(Date.now());
      for (const r of readings) {
        const { status } = await post(r);
        s.device.answered(r, status, Date.now());
      }
      s.nextSend = Date.now() + delayMs;
    });
    for (let i = 0; i < work.length; i += concurrency)
      await Promise.all(work.slice(i, i + concurrency).map((w) => w()));
    o.onProgress?.(stats);
    await new Promise((r) => setTimeout(r, 50));
  }
  return stats;
}

/** Fresh device identities (not registered): for simulations that register them first. */
export function generateDevices(count: number): DeviceIdentity[] {
  return Array.from({ length: count }, () => generateIdentity());
}
