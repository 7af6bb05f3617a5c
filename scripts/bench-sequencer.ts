/**
 * Sequencer ingestion throughput: `npm run bench:sequencer`, sized by BENCH_DEVICES (200),
 * BENCH_PER_DEVICE (30), BENCH_DEVICES_PER_REQUEST (2) and BENCH_CONCURRENCY (8).
 *
 * Registers devices on the in-process chain, signs every message beforehand, then posts
 * them from a worker thread (each request: all readings of `--devices-per-request`
 * devices, as a device gateway uploads them; `--concurrency` requests in flight) to a
 * sequencer on 127.0.0.1 with its durable SQLite store (WAL, group commit), every
 * signature checked. Reports accepted messages per second and p50/p99 ack latency per
 * request. Batching is off during the run (it is measured by the demo).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import hre from "hardhat";
import pino from "pino";

import { createProject } from "../src/chain/scenario";
import { signEddsaPoseidon } from "../src/crypto";
import { DeviceClient, generateIdentity } from "../src/device";
import { createProgress } from "../src/progress";
import { DEFAULT_CONFIG, startSequencer } from "../src/sequencer";
import { messageDigest } from "../src/zk/batch";
import { localKit } from "./lib/local";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0
    ? Number(process.argv[i + 1])
    : Number(process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
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

async function main() {
  const devices = arg("devices", 200);
  const perDevice = arg("per-device", 30);
  const devicesPerRequest = arg("devices-per-request", 2);
  const concurrency = arg("concurrency", 8);
  const total = devices * perDevice;
  const { ethers } = hre;
  const kit = await localKit(hre, 20);
  const { owner, sequencer, deviceOwner } = kit.signers;
  const c = kit.scenario;
  const registry = kit.deviceRegistry;
  const projectId = await createProject(c, owner, sequencer.address, {
    circuitId: ethers.id("bench"),
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
  const now = Math.floor(Date.now() / 1000);
  const messages = [];
  for (const d of ids) {
    for (let k = 0; k < perDevice; k++) {
      const timestamp = now - perDevice + k;
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
  setup.done();
  // A request holds whole devices' sequences, so concurrent requests never reorder a device.
  const perRequest = perDevice * devicesPerRequest;
  const bodies: string[] = [];
  for (let i = 0; i < messages.length; i += perRequest)
    bodies.push(JSON.stringify(messages.slice(i, i + perRequest)));

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
      ingest: { skewSeconds: 3600 + perDevice, maxPending: 100_000, deviceRate: 1000, deviceBurst: 1000 },
    },
    { deviceRegistry: registry, projectRegistry: c.projectRegistry, manager: c.manager.connect(sequencer) },
    pino({ level: "warn" }),
  );
  const result = await new Promise<{
    seconds: number;
    latencies: number[];
    accepted: number;
    failed: number;
  }>((resolve, reject) => {
    const worker = new Worker(CLIENT, {
      eval: true,
      workerData: { url: `${seq.url}/v1/messages`, bodies, concurrency },
    });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  const counts = seq.store.counts();
  await seq.close();
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  console.log(
    `\nSequencer ingestion: ${devices} devices, ${total} messages, ${perRequest} per request, ${concurrency} in flight`,
  );
  console.log(`  accepted ${result.accepted} (stored ${counts.total}), failed requests ${result.failed}`);
  console.log(
    `  throughput ${(result.accepted / result.seconds).toFixed(0)} messages/s (durable, signatures checked)`,
  );
  console.log(`  ack latency per request: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
