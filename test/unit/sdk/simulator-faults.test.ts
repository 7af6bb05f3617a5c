/**
 * The device simulator's faults against the sequencer's real checks (issue 15, item 13: a
 * bad signature made by raising the units was answered 422 `units_above_max` whenever the
 * units drawn were maxUnits, and the demo failed at random).
 *
 * Each seed drives one simulated device through a real `Ingestor` (an in-memory store, a
 * chain view holding the device and its project) on a test clock: a plain reading, then
 * every fault kind once in an order the seed shuffles, so that each fault also comes after
 * the others (a burst moves the device's clock ahead and empties its bucket). Every answer
 * of `submit()` must be exactly the one the fault targets. Projects and sequencers vary with
 * the seed: maxUnits 1, 2, 3 or 100; minInterval 1, 2 or 60 s; the sequencer's default
 * limits, or tight ones (a 20 s window, a bucket of 6 tokens that does not refill). Bursts,
 * up to 8 signed and verified readings each (most of the run's time), come in one block of
 * seeds in four, every setting included.
 */
import { expect } from "chai";

import {
  DEFAULT_SEQUENCER_LIMITS,
  DeviceSimulation,
  FAULTS,
  generateIdentity,
  parseSeed,
  seededRandom,
  streamSeed,
  type Fault,
  type ReadingContext,
  type SequencerLimits,
  type SimulatedDevice,
  type SimulatedReading,
} from "../../../src/device";
import { UserError } from "../../../src/errors";
import {
  ApiError,
  ChainView,
  DEFAULT_CONFIG,
  Ingestor,
  SequencerStore,
  type ChainContracts,
} from "../../../src/sequencer";

const SEEDS = 2_000;
/** Seeds with a burst: one block of every setting (24 seeds) in this many. */
const BURST_EVERY = 4;
const MAX_UNITS = [1, 2, 3, 100];
const MIN_INTERVALS = [1, 2, 60];
const TIGHT_LIMITS: SequencerLimits = { skewSeconds: 20, deviceRate: 0, deviceBurst: 6 };
const LIMITS = [DEFAULT_SEQUENCER_LIMITS, TIGHT_LIMITS];
const PROJECT_ID = 7n;
const DOMAIN = 123_456_789n;
const JITTER = 0.3;
/** The test clock's start (ms): 2026-01-01. */
const START_MS = Date.UTC(2026, 0, 1);
/** A device id per seed: a small address, distinct for every seed. */
const DEVICE_ID_BASE = 0x1000n;

/** The only answers each reading may get: "status" or "status code". */
const TARGET: Record<Fault | "none", string[]> = {
  none: ["202"],
  badSignature: ["401 bad_signature"],
  replay: ["200"],
  skew: ["422 timestamp_out_of_window"],
  unregistered: ["404 unknown_device"],
  burst: ["202", "429 rate_limited"],
};

/** The settings of seed `seed`'s project and sequencer. */
function settingsOf(seed: number) {
  const block = MAX_UNITS.length * MIN_INTERVALS.length * LIMITS.length;
  return {
    maxUnits: MAX_UNITS[seed % MAX_UNITS.length],
    minInterval: MIN_INTERVALS[Math.floor(seed / MAX_UNITS.length) % MIN_INTERVALS.length],
    limits: LIMITS[Math.floor(seed / (MAX_UNITS.length * MIN_INTERVALS.length)) % LIMITS.length],
    faults: Math.floor(seed / block) % BURST_EVERY === 0 ? FAULTS : FAULTS.filter((f) => f !== "burst"),
  };
}

/** A chain view filled by hand with one project and its device (never synced: no contracts). */
function viewOf(device: SimulatedDevice, maxUnits: number, minInterval: number): ChainView {
  const view = new ChainView({} as ChainContracts, [PROJECT_ID]);
  view.projects.set(PROJECT_ID, {
    projectId: PROJECT_ID,
    domain: DOMAIN,
    minInterval: BigInt(minInterval),
    maxUnits: BigInt(maxUnits),
    opCount: 1,
    opsByIndex: new Map(),
  });
  view.devices.set(device.deviceId, {
    deviceId: device.deviceId,
    projectId: PROJECT_ID,
    index: 0,
    ax: device.identity.babyJub.ax,
    ay: device.identity.babyJub.ay,
    keyHash: 0n,
    revoked: false,
  });
  return view;
}

/** The sequencer's answer to one reading, as "status" or "status code". */
async function answerOf(ingest: Ingestor, r: SimulatedReading): Promise<{ status: number; text: string }> {
  try {
    const [receipt] = await ingest.submit(r.body);
    const status = receipt.duplicate ? 200 : 202;
    return { status, text: String(status) };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, text: `${err.status} ${err.code}` };
  }
}

/** A seeded shuffle (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe("device simulator: injected faults (SDK)", function () {
  // One identity signs for every seed's device (the device id differs, so every message
  // does); the stranger is registered nowhere.
  const identity = generateIdentity();
  const strangerIdentity = generateIdentity();
  const stranger: SimulatedDevice = {
    identity: strangerIdentity,
    deviceId: BigInt(strangerIdentity.wallet.address),
  };

  /** One seed's device: its context and its simulation. */
  function simulationOf(seed: number) {
    const { maxUnits, minInterval, limits, faults } = settingsOf(seed);
    const device: SimulatedDevice = { identity, deviceId: DEVICE_ID_BASE + BigInt(seed) };
    const context: ReadingContext = {
      domain: DOMAIN,
      minInterval,
      maxUnits,
      faults: {},
      rate: 1 / minInterval,
      jitter: JITTER,
      limits,
      stranger,
    };
    const simulation = new DeviceSimulation(device, context, seededRandom(streamSeed(seed, 0)));
    return { device, context, faults, simulation };
  }

  it(`answers every fault with exactly the code it targets, over ${SEEDS} seeds (bursts: ${SEEDS / BURST_EVERY})`, async function () {
    this.timeout(600_000);
    const failures: string[] = [];
    const injected: Record<Fault | "none", number> = {
      none: 0,
      badSignature: 0,
      replay: 0,
      skew: 0,
      unregistered: 0,
      burst: 0,
    };
    let badSignaturesAtMaxUnits = 0;
    let burstsRateLimited = 0;
    let turnsHeldBack = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const { device, context, faults, simulation } = simulationOf(seed);
      const store = new SequencerStore(":memory:");
      let clockMs = START_MS;
      const ingest = new Ingestor(store, viewOf(device, context.maxUnits, context.minInterval), {
        ...DEFAULT_CONFIG.ingest,
        ...context.limits,
        now: () => Math.floor(clockMs / 1000),
      });
      try {
        const order = ["none" as const, ...shuffled(faults, seededRandom(seed))];
        for (const fault of order) {
          const { readings, delayMs } = simulation.turn(clockMs, fault);
          if (readings.length === 0) turnsHeldBack++;
          for (const r of readings) {
            injected[r.fault]++;
            if (r.fault === "badSignature" && BigInt(r.body.units) === BigInt(context.maxUnits))
              badSignaturesAtMaxUnits++;
            const answer = await answerOf(ingest, r);
            if (answer.text === "429 rate_limited" && r.fault === "burst") burstsRateLimited++;
            if (!TARGET[r.fault].includes(answer.text))
              failures.push(
                `seed ${seed} (maxUnits ${context.maxUnits}, minInterval ${context.minInterval}, ` +
                  `skew ${context.limits.skewSeconds} s): ${r.fault} answered ${answer.text}`,
              );
            simulation.answered(r, answer.status, clockMs);
          }
          clockMs += delayMs;
        }
      } finally {
        store.close();
      }
    }
    expect(failures.slice(0, 10), `${failures.length} wrong answers`).to.deep.equal([]);
    // The run met what it is about: the single-reading faults in most seeds, bursts in
    // theirs (several readings each), the former failure (units at maxUnits) often, and the
    // tight sequencer's bucket emptied (bursts cut short, readings held back after).
    for (const fault of FAULTS) expect(injected[fault], fault).to.be.at.least(SEEDS / BURST_EVERY);
    expect(badSignaturesAtMaxUnits).to.be.at.least(SEEDS / 8);
    expect(burstsRateLimited).to.be.greaterThan(0);
    expect(turnsHeldBack).to.be.greaterThan(0);
  });

  it("makes the same readings from the same seed, and others from another", function () {
    const bodies = (seed: number) => {
      const { simulation } = simulationOf(seed);
      const out: unknown[] = [];
      let clockMs = START_MS;
      for (const fault of ["none", "badSignature", "skew"] as const) {
        const { readings, delayMs } = simulation.turn(clockMs, fault);
        out.push(
          readings.map((r) => r.body),
          delayMs,
        );
        for (const r of readings) simulation.answered(r, r.fault === "none" ? 202 : 401, clockMs);
        clockMs += delayMs;
      }
      return out;
    };
    const seed = 3; // maxUnits 100: the units drawn differ between seeds
    expect(bodies(seed)).to.deep.equal(bodies(seed));
    expect(bodies(seed)).to.not.deep.equal(bodies(seed + MAX_UNITS.length));
    expect(simulationOf(seed).simulation.firstDelayMs).to.equal(simulationOf(seed).simulation.firstDelayMs);
  });

  it("reads a seed in decimal from 0 to 2^32 − 1 and refuses anything else", function () {
    expect(parseSeed("0")).to.equal(0);
    expect(parseSeed(" 4294967295 ")).to.equal(2 ** 32 - 1);
    for (const bad of ["", "-1", "4294967296", "1e3", "0x10", "seven"])
      expect(() => parseSeed(bad, "DEMO_SEED"), bad).to.throw(UserError, "DEMO_SEED must be an integer");
  });

  it("assumes the sequencer's default limits", function () {
    const { skewSeconds, deviceRate, deviceBurst } = DEFAULT_CONFIG.ingest;
    expect(DEFAULT_SEQUENCER_LIMITS).to.deep.equal({ skewSeconds, deviceRate, deviceBurst });
  });
});
