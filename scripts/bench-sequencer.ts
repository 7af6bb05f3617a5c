/**
 * Sequencer ingestion throughput: `npm run bench:sequencer`, sized by BENCH_DEVICES (200),
 * BENCH_PER_DEVICE (30), BENCH_DEVICES_PER_REQUEST (2), BENCH_CONCURRENCY (8) and
 * BENCH_ROUNDS (3, after a warm-up round).
 *
 * Registers devices on the in-process chain, signs every message beforehand, then posts
 * them from a worker thread (each request: all readings of `--devices-per-request`
 * devices, as a device gateway uploads them; `--concurrency` requests in flight) to a
 * sequencer on 127.0.0.1 with its durable SQLite store (WAL, group commit), every
 * signature checked. Every device sends `per-device` readings per round; the first round
 * warms up (JIT, key tables), the next `rounds` are measured. Reports accepted messages per
 * second and p50/p99 ack latency per request (medians over the rounds) and the process's
 * resident memory at the end. Batching is off during the run (it is measured by the demo).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import pino from "pino";

import { createProject } from "../src/chain/scenario";
import { signEddsaPoseidon } from "../src/crypto";
import { DeviceClient, generateIdentity } from "../src/device";
import { createProgress } from "../src/progress";
import { DEFAULT_CONFIG, startSequencer } from "../src/sequencer";
import { messageDigest } from "../src/zk/batch";
import { localKit } from "./lib/local";
import { circuitId } from "../src/zk/circuits";

function arg(name: string, fallback: number): number {
  return Number(process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`] ?? fallback);
}

const CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { url, bodies, concurrency } = workerData;
  const latencies = [];
  let next = 0, accepted = 0, failed = 0;
  const started = performance.now();
  async function lane() {
    while (next < bodies.length) {
      const body = bodies[next++];
      const t0 = performance.now();
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      const json = await r.json();
      latencies.push(performance.now() - t0);
      if (r.status === 202) accepted += json.receipts.length; else failed++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  parentPort.postMessage({ seconds: (performance.now() - started) / 1000, latencies, accepted, failed });
})();
`;

export interface IngestOptions {
  devices: number;
  perDevice: number;
  devicesPerRequest: number;
  concurrency: number;
  rounds: number;
}

export interface IngestRound {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  ackP50Ms: number;
  ackP99Ms: number;
  failedRequests: number;
}

export interface IngestResult extends IngestOptions {
  rounds: number;
  measured: IngestRound[];
  stored: number;
  rssMb: number;
}

export function ingestOptionsFromEnv(): IngestOptions {
  return {
    devices: arg("devices", 200),
    perDevice: arg("per-device", 30),
    devicesPerRequest: arg("devices-per-request", 2),
    concurrency: arg("concurrency", 8),
    rounds: arg("rounds", 3),
  };
}

export async function benchIngest(hre: HardhatRuntimeEnvironment, o: IngestOptions): Promise<IngestResult> {
  const { devices, perDevice, devicesPerRequest, concurrency } = o;
  const rounds = o.rounds + 1;
  const total = devices * perDevice * rounds;
  const { ethers } = hre;
  const kit = await localKit(hre, 20);
  const { owner, sequencer, deviceOwner } = kit.signers;
  const c = kit.scenario;
  const registry = kit.deviceRegistry;
  const projectId = await createProject(c, owner, sequencer.address, {
    // Submission needs a circuit with a live verifier; this bench never submits or proves.
    circuitId: circuitId("dev"),
    proofSystem: 0,
    minInterval: 1,
    maxUnits: 1_000n,
    proverFee: 0n,
    rewardRate: 1n,
  });
  const domain = await c.manager.domainOf(projectId);

  const setup = createProgress("registering devices and signing messages", devices + total);
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
  const ids = [];
  for (let i = 0; i < devices; i++) {
    const identity = generateIdentity();
    const client = new DeviceClient(identity, registry);
    await client.register({ owner: deviceOwner.address, projectId, deadline });
    ids.push({ identity, deviceId: client.deviceId });
    setup.step(`device ${i + 1}`);
  }
  const span = perDevice * rounds;
  const now = Math.floor(Date.now() / 1000);
  // bodies[round]: a request holds whole devices' readings for the round, so concurrent
  // requests never reorder a device.
  const bodies: string[][] = [];
  for (let r = 0; r < rounds; r++) {
    const messages = [];
    for (const d of ids) {
      for (let k = 0; k < perDevice; k++) {
        const timestamp = now - span + r * perDevice + k;
        const payloadHash = BigInt(timestamp) * 7n;
        const digest = messageDigest(domain, d.deviceId, BigInt(timestamp), 3n, payloadHash);
        const sig = signEddsaPoseidon(d.identity.babyJub.privateKey, digest);
        messages.push({
          deviceId: d.identity.wallet.address,
          timestamp,
          units: "3",
          payloadHash: payloadHash.toString(),
          signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
        });
        setup.step("signing");
      }
    }
    const perRequest = perDevice * devicesPerRequest;
    const round: string[] = [];
    for (let i = 0; i < messages.length; i += perRequest)
      round.push(JSON.stringify(messages.slice(i, i + perRequest)));
    bodies.push(round);
  }
  setup.done();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-bench-"));
  const seq = await startSequencer(
    {
      ...DEFAULT_CONFIG,
      port: 0,
      dbPath: path.join(dir, "sequencer.db"),
      projectIds: [projectId],
      shape: { R: 8, D: 32, K: 8 },
      pollMs: 3_600_000,
      maxBatchAgeMs: 3_600_000,
      maxBodyBytes: 4 * 1024 * 1024,
      ingest: { skewSeconds: 3600 + span, maxPending: 200_000, deviceRate: 1000, deviceBurst: 1000 },
    },
    { deviceRegistry: registry, projectRegistry: c.projectRegistry, manager: c.manager.connect(sequencer) },
    pino({ level: "warn" }),
  );
  const measured: IngestRound[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const result = await new Promise<{
        seconds: number;
        latencies: number[];
        accepted: number;
        failed: number;
      }>((resolve, reject) => {
        const worker = new Worker(CLIENT, {
          eval: true,
          workerData: { url: `${seq.url}/v1/messages`, bodies: bodies[r], concurrency },
        });
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      if (result.accepted !== devices * perDevice || result.failed > 0)
        throw new Error(`round ${r}: ${result.accepted} accepted, ${result.failed} requests failed`);
      const sorted = [...result.latencies].sort((a, b) => a - b);
      const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
      if (r > 0)
        measured.push({
          messages: result.accepted,
          seconds: result.seconds,
          messagesPerSec: result.accepted / result.seconds,
          ackP50Ms: pct(50),
          ackP99Ms: pct(99),
          failedRequests: result.failed,
        });
    }
    const stored = seq.store.counts().total;
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    return { ...o, measured, stored, rssMb };
  } finally {
    await seq.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const hre = (await import("hardhat")).default;
  const o = ingestOptionsFromEnv();
  const r = await benchIngest(hre, o);
  const med = (f: (x: IngestRound) => number) =>
    [...r.measured.map(f)].sort((a, b) => a - b)[r.measured.length >> 1];
  console.log(
    `\nSequencer ingestion: ${o.devices} devices × ${o.perDevice} readings per round, ${o.perDevice * o.devicesPerRequest} per request, ${o.concurrency} in flight, ${o.rounds} rounds after a warm-up`,
  );
  console.log(`  stored ${r.stored} messages; resident memory at the end ${r.rssMb.toFixed(0)} MiB`);
  for (const [i, m] of r.measured.entries())
    console.log(
      `  round ${i + 1}: ${m.messagesPerSec.toFixed(0)} messages/s, ack p50 ${m.ackP50Ms.toFixed(1)} ms, p99 ${m.ackP99Ms.toFixed(1)} ms`,
    );
  console.log(
    `  median: ${med((m) => m.messagesPerSec).toFixed(0)} messages/s (durable, signatures checked), ack p50 ${med((m) => m.ackP50Ms).toFixed(1)} ms, p99 ${med((m) => m.ackP99Ms).toFixed(1)} ms`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
