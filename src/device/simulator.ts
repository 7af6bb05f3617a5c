/**
 * The device simulator: many devices sending signed readings to a sequencer at a
 * configurable rate with jitter, and injected faults whose answers are checked against
 * what the sequencer must say: a bad signature → 401 `bad_signature`, a replay → the
 * original receipt (200), a skewed clock → 422 `timestamp_out_of_window`, an unregistered
 * device → 404 `unknown_device`, a burst → accepted or 429 `rate_limited`.
 */
import { getAddress } from "ethers";

import { signEddsaPoseidon } from "../crypto/eddsa";
import { messageDigest } from "../zk/batch";
import type { DeviceIdentity } from "./identity";
import { generateIdentity } from "./identity";

export type Fault = "badSignature" | "replay" | "skew" | "unregistered" | "burst";

export interface SimulatedDevice {
  identity: DeviceIdentity;
  deviceId: bigint;
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
  /** Probability per reading of each fault. */
  faults: Partial<Record<Fault, number>>;
  /** Largest units value of a reading (uniform in 1..maxUnits). */
  maxUnits: number;
  concurrency?: number;
  onProgress?: (stats: SimulatorStats) => void;
  random?: () => number;
}

export interface SimulatorStats {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
  /** Faults injected, and how many got the answer they must get. */
  faults: Record<Fault, { injected: number; expected: number }>;
  unexpected: { fault: Fault | "none"; status: number; code?: string }[];
  acceptedUnits: bigint;
}

interface Reading {
  body: Record<string, unknown>;
  fault: Fault | "none";
  units: bigint;
}

const EXPECTED: Record<Fault | "none", (status: number, code?: string) => boolean> = {
  none: (s) => s === 202,
  badSignature: (s, c) => s === 401 && c === "bad_signature",
  replay: (s) => s === 200,
  skew: (s, c) => s === 422 && c === "timestamp_out_of_window",
  unregistered: (s, c) => s === 404 && c === "unknown_device",
  burst: (s, c) => s === 202 || (s === 429 && c === "rate_limited"),
};

export async function simulateDevices(o: SimulatorOptions): Promise<SimulatorStats> {
  const random = o.random ?? Math.random;
  const stats: SimulatorStats = {
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: {},
    faults: {
      badSignature: { injected: 0, expected: 0 },
      replay: { injected: 0, expected: 0 },
      skew: { injected: 0, expected: 0 },
      unregistered: { injected: 0, expected: 0 },
      burst: { injected: 0, expected: 0 },
    },
    unexpected: [],
    acceptedUnits: 0n,
  };
  const interval = Math.max(1000 / o.rate, o.minInterval * 1000);
  const state = o.devices.map((d) => ({
    device: d,
    nextSend: Date.now() + random() * interval,
    lastTimestamp: 0,
    lastBody: undefined as Record<string, unknown> | undefined,
  }));
  const stranger = { identity: generateIdentity(), deviceId: 0n };
  stranger.deviceId = BigInt(stranger.identity.wallet.address);

  const sign = (
    d: SimulatedDevice,
    timestamp: number,
    units: bigint,
    key = d.identity.babyJub.privateKey,
  ) => {
    const payloadHash = BigInt(timestamp) * 1_000_003n + units;
    const sig = signEddsaPoseidon(
      key,
      messageDigest(o.domain, d.deviceId, BigInt(timestamp), units, payloadHash),
    );
    return {
      deviceId: getAddress(d.identity.wallet.address),
      timestamp,
      units: units.toString(),
      payloadHash: payloadHash.toString(),
      signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
    };
  };

  const pickFault = (): Fault | "none" => {
    let x = random();
    for (const [fault, p] of Object.entries(o.faults) as [Fault, number][]) {
      if (x < p) return fault;
      x -= p;
    }
    return "none";
  };

  const post = async (r: Reading) => {
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
  };

  const readingsFor = (s: (typeof state)[number], nowSec: number): Reading[] => {
    const fault = pickFault();
    const timestamp = Math.max(nowSec, s.lastTimestamp + o.minInterval);
    const units = BigInt(1 + Math.floor(random() * o.maxUnits));
    switch (fault) {
      case "badSignature": {
        const body = sign(s.device, timestamp, units);
        body.units = (units + 1n).toString(); // signed over other units
        return [{ body, fault, units }];
      }
      case "replay":
        if (s.lastBody) return [{ body: s.lastBody, fault, units: 0n }];
        break;
      case "skew":
        return [{ body: sign(s.device, nowSec + 3600 * 24, units), fault, units }];
      case "unregistered":
        return [{ body: sign(stranger, timestamp, units), fault, units }];
      case "burst": {
        // Up to 8 readings at once, their timestamps at most two minutes ahead.
        const count = Math.max(2, Math.min(8, Math.floor(120 / o.minInterval) + 1));
        const burst: Reading[] = [];
        for (let k = 0; k < count; k++) {
          const ts = timestamp + k * o.minInterval;
          burst.push({ body: sign(s.device, ts, units), fault, units });
        }
        return burst;
      }
    }
    return [{ body: sign(s.device, timestamp, units), fault: "none", units }];
  };

  const end = Date.now() + o.durationMs;
  const concurrency = o.concurrency ?? 16;
  while (Date.now() < end) {
    const now = Date.now();
    const due = state.filter((s) => s.nextSend <= now);
    const work: (() => Promise<void>)[] = due.map((s) => async () => {
      const readings = readingsFor(s, Math.floor(Date.now() / 1000));
      for (const r of readings) {
        await post(r);
        const ts = Number(r.body.timestamp);
        // A reading the sequencer took (or may have taken) moves the device's clock on.
        if (r.fault === "none" || r.fault === "burst") {
          s.lastTimestamp = Math.max(s.lastTimestamp, ts);
          s.lastBody = r.body;
        }
      }
      s.nextSend = Date.now() + interval * (1 + o.jitter * (2 * random() - 1));
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
