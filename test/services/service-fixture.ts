/**
 * Shared setup of the in-process service tests (garbage, overload, chain faults): the
 * rewards scenario's project on the in-process chain, a sequencer on it (port 0, test-driven
 * ticks unless told otherwise) and a signer of valid device readings. No tests here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import pino from "pino";

import { signEddsaPoseidon } from "../../src/crypto";
import {
  DEFAULT_CONFIG,
  startSequencer,
  type ChainContracts,
  type SequencerConfig,
} from "../../src/sequencer";
import { messageDigest } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { rewardsFixture, type ScenarioDevice } from "../helpers/rewards";

export interface Reading {
  deviceId: string;
  timestamp: number;
  units: string;
  payloadHash: string;
  signature: { r8x: string; r8y: string; s: string };
}

/** A valid signed reading of `d` at `timestamp`. */
export function signReading(domain: bigint, d: ScenarioDevice, timestamp: number, units = 5n): Reading {
  const payloadHash = BigInt(timestamp) * 31n + units;
  const sig = signEddsaPoseidon(
    d.identity.babyJub.privateKey,
    messageDigest(domain, d.deviceId, BigInt(timestamp), units, payloadHash),
  );
  return {
    deviceId: d.identity.wallet.address,
    timestamp,
    units: units.toString(),
    payloadHash: payloadHash.toString(),
    signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
  };
}

export type SequencerOverrides = Partial<Omit<SequencerConfig, "ingest">> & {
  ingest?: Partial<SequencerConfig["ingest"]>;
};

/**
 * The rewards fixture with `devices` devices and a sequencer for its project. `contracts`
 * lets a test put its own provider or signer (e.g. a faulty one) between the sequencer and
 * the chain.
 */
export async function serviceFixture(
  devices: number,
  overrides: SequencerOverrides = {},
  contracts?: (f: Awaited<ReturnType<typeof rewardsFixture>>) => Promise<ChainContracts> | ChainContracts,
) {
  const f = await rewardsFixture(devices);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-seq-"));
  const { R, D, K } = CIRCUIT_CONFIGS.dev;
  const { ingest, ...rest } = overrides;
  const seq = await startSequencer(
    {
      ...DEFAULT_CONFIG,
      port: 0,
      dbPath: path.join(dir, "sequencer.db"),
      projectIds: [f.projectId],
      shape: { R, D, K },
      pollMs: 3_600_000, // ticks are driven by the test unless overridden
      maxBatchAgeMs: 0,
      ...rest,
      ingest: { ...DEFAULT_CONFIG.ingest, skewSeconds: 3600, deviceRate: 1000, deviceBurst: 1000, ...ingest },
    },
    contracts
      ? await contracts(f)
      : {
          deviceRegistry: f.deviceRegistry,
          projectRegistry: f.projectRegistry,
          manager: f.manager.connect(f.sequencer),
        },
    pino({ level: process.env.LOG_LEVEL ?? "silent" }),
  );
  const domain = await f.manager.domainOf(f.projectId);
  return { ...f, seq, domain, dir, devices: f.scenario.devices };
}

const ROOT = path.resolve(__dirname, "..", "..");

/** Signs readings of some devices; posts back one list of request bodies per device. */
const SIGNER = `
const { parentPort, workerData } = require("node:worker_threads");
require("ts-node").register({ transpileOnly: true });
const { signEddsaPoseidon } = require(${JSON.stringify(path.join(ROOT, "src/crypto/eddsa.ts"))});
const { BabyJubPoint } = require(${JSON.stringify(path.join(ROOT, "src/crypto/babyjub.ts"))});
const { messageDigest } = require(${JSON.stringify(path.join(ROOT, "src/zk/batch.ts"))});
if (typeof BabyJubPoint.BASE._setWindowSize === "function") BabyJubPoint.BASE._setWindowSize(8);
const { domain, jobs, per, interval } = workerData;
parentPort.postMessage(jobs.map((j) => {
  const bodies = [];
  for (let b = 0; b < j.requests; b++) {
    const readings = [];
    for (let k = 0; k < per; k++) {
      const timestamp = j.from + (b * per + k) * interval;
      const units = BigInt(1 + (timestamp % 97));
      const payloadHash = BigInt(timestamp) * 7n + units;
      const sig = signEddsaPoseidon(j.key, messageDigest(BigInt(domain), BigInt(j.deviceId), BigInt(timestamp), units, payloadHash));
      readings.push({ deviceId: j.address, timestamp, units: units.toString(), payloadHash: payloadHash.toString(),
        signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() } });
    }
    bodies.push(JSON.stringify(readings));
  }
  return bodies;
}));
`;

export interface SignJob {
  key: Uint8Array;
  deviceId: bigint;
  /** The device's address (its `deviceId` in messages). */
  address: string;
  /** First timestamp; readings are `interval` seconds apart. */
  from: number;
  /** Request bodies to make, `per` readings each. */
  requests: number;
}

/**
 * Valid signed readings for many devices, made on two worker threads: per job, `requests`
 * JSON request bodies of `per` consecutive readings (units 1..97, payloadHash from the
 * timestamp). Signing is the slow part of the load tests (≈ 2–3 ms per reading).
 */
export async function signInWorkers(
  domain: bigint,
  jobs: SignJob[],
  per: number,
  interval: number,
  threads = 2,
): Promise<string[][]> {
  const parts = Array.from({ length: threads }, (_, t) => jobs.filter((_, i) => i % threads === t));
  const out = await Promise.all(
    parts.map(
      (part) =>
        new Promise<string[][]>((resolve, reject) => {
          const w = new Worker(SIGNER, {
            eval: true,
            workerData: {
              domain: domain.toString(),
              jobs: part.map((j) => ({ ...j, deviceId: j.deviceId.toString() })),
              per,
              interval,
            },
          });
          w.once("message", (m: string[][]) => {
            resolve(m);
            void w.terminate();
          });
          w.once("error", reject);
        }),
    ),
  );
  return jobs.map((_, i) => out[i % threads][Math.floor(i / threads)]);
}
