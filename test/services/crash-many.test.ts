/**
 * Repeated crashes of the sequencer process (kill -9) while devices stream: a `hardhat node`
 * chain (port 8545, as the `localhost` network), the sequencer as its own process
 * (`sequencer:start`, port 7192, production-shaped batches of up to 256 readings, cut after
 * 300 ms), and devices of several projects streaming signed readings from this process at
 * their per-device rate. At random moments (random thresholds of acked readings plus a
 * random delay) the sequencer is killed with SIGKILL and restarted on the same database;
 * devices retry what got no answer (a duplicate if it was stored before the kill), as
 * devices do. Afterwards: every acked reading is in exactly one batch on chain, no reading
 * (acked or not) is in two, every batch's data hashes to the chain's messagesHash, and the
 * chain's sequence numbers are 1..n per project. Quick: 3 kills, 3,000 readings; full
 * (INVARIANT_PROFILE=full): 20 kills, 100,000 readings.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider, type Signer } from "ethers";

import { stakeProvers } from "../../src/chain/scenario";
import { batchDataCommitment, parseBatchData } from "../../src/da/batch-data";
import { DeviceClient, generateIdentity } from "../../src/device";
import { SequencerStore } from "../../src/sequencer/store";
import {
  BatchManager__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
} from "../../typechain-types";
import { LOCAL_RPC, localDeployment, startHardhat, stopAll, waitForFreePort } from "../helpers/processes";
import { PROFILE, SUITE_TIMEOUT_MS } from "../invariants/profile";
import { signInWorkers } from "./service-fixture";
import { circuitId } from "../../src/zk/circuits";
import { seededRandom } from "../../src/device/simulator";

const KILLS = PROFILE === "full" ? 20 : 3;
const MESSAGES = PROFILE === "full" ? 100_000 : 3_000;
/** Projects of 16 devices each (the state tree at STATE_DEPTH=4 holds 16). */
const PROJECTS = PROFILE === "full" ? 4 : 2;
const DEVICES_PER_PROJECT = 16;
/** Readings per request; a device sends at most its rate limit (5 per second by default). */
const PER_REQUEST = 5;
const DEVICE_RATE = 4.5;
const SEQUENCER_PORT = 7192;
const SEED = Number(process.env.INVARIANT_SEED ?? Date.now() % 1_000_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sequencer crashes (repeated kill -9 while devices stream)", function () {
  this.timeout(SUITE_TIMEOUT_MS);
  const children: ChildProcess[] = [];
  after(() => stopAll(children));

  it(`loses and repeats nothing over ${KILLS} kills and ${MESSAGES} readings`, async function () {
    const started = performance.now();
    const random = seededRandom(SEED);
    await waitForFreePort(8545);
    await waitForFreePort(SEQUENCER_PORT);
    children.push(
      await startHardhat(["node", "--port", "8545"], /Started HTTP and WebSocket JSON-RPC server/, {
        STATE_DEPTH: "4",
      }),
    );
    const provider = new JsonRpcProvider(LOCAL_RPC, undefined, { cacheTimeout: -1 });
    const [deployer, owner, , relayer, deviceOwner, prover]: Signer[] = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => provider.getSigner(i)),
    );
    const projects = ProjectRegistry__factory.connect(localDeployment("ProjectRegistry"), owner);
    const registry = DeviceRegistry__factory.connect(localDeployment("DeviceRegistry"), relayer);
    const manager = BatchManager__factory.connect(localDeployment("BatchManager"), deployer);
    const projectIds: bigint[] = [];
    for (let p = 0; p < PROJECTS; p++) {
      await (await projects.register(`Crash ${p}`, "ipfs://c", "0x" + "00".repeat(32))).wait();
      const projectId = await projects.projectCount();
      await (await projects.setSequencer(projectId, await deployer.getAddress())).wait();
      await (
        await projects.setSettings(projectId, {
          // Any circuit with a live verifier (submission requires one); nobody proves here.
          circuitId: circuitId("dev"),
          proofSystem: 0,
          minInterval: 1,
          maxUnits: 100n,
          proverFee: 0n,
          rewardRate: 1n,
        })
      ).wait();
      projectIds.push(projectId);
    }
    await stakeProvers(
      {
        projectRegistry: projects,
        manager,
        pool: ProverPool__factory.connect(localDeployment("ProverPool"), deployer),
        token: MockERC20__factory.connect(localDeployment("StakingToken"), deployer),
      },
      [prover],
      [10n ** 21n],
    );

    // Devices, and their readings signed beforehand (timestamps 1 s apart, ending now).
    const perDevice = Math.ceil(MESSAGES / (PROJECTS * DEVICES_PER_PROJECT) / PER_REQUEST);
    const now = Math.floor(Date.now() / 1000);
    const from = now - perDevice * PER_REQUEST - 60;
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp) + 3600n;
    const devices: { projectId: bigint; bodies: string[] }[] = [];
    const domains = new Map<bigint, bigint>();
    for (const projectId of projectIds) {
      const jobs = [];
      for (let i = 0; i < DEVICES_PER_PROJECT; i++) {
        const identity = generateIdentity();
        const client = new DeviceClient(identity, registry);
        await client.register({ owner: await deviceOwner.getAddress(), projectId, deadline });
        jobs.push({
          key: identity.babyJub.privateKey,
          deviceId: client.deviceId,
          address: identity.wallet.address,
          from,
          requests: perDevice,
        });
      }
      const domain = await manager.domainOf(projectId);
      domains.set(projectId, domain);
      for (const bodies of await signInWorkers(domain, jobs, PER_REQUEST, 1))
        devices.push({ projectId, bodies });
    }
    const total = devices.length * perDevice * PER_REQUEST;
    const setupSeconds = (performance.now() - started) / 1000;

    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "depin-crash-many-")), "sequencer.db");
    const sequencerArgs = [
      "sequencer:start",
      "--network",
      "localhost",
      "--project",
      projectIds.join(","),
      "--port",
      String(SEQUENCER_PORT),
      "--db",
      db,
      "--circuit",
      "prod",
      "--max-age-ms",
      "300",
      "--skew",
      String(perDevice * PER_REQUEST + 3600),
    ];
    const base = `http://127.0.0.1:${SEQUENCER_PORT}`;
    let seq = await startHardhat(sequencerArgs, /sequencer at /);
    children.push(seq);

    // Stream: one request at a time per device, paced under its rate limit; a request
    // that got no answer (connection refused or reset) is sent again until answered.
    const acked = new Set<string>();
    let unanswered = 0;
    let duplicates = 0;
    let rejected429 = 0;
    const unexpected: string[] = [];
    const keysOf = (body: string) =>
      (JSON.parse(body) as { deviceId: string; timestamp: number }[]).map(
        (m) => `${m.deviceId.toLowerCase()}:${m.timestamp}`,
      );
    const lane = async (d: (typeof devices)[number]) => {
      const t0 = performance.now();
      for (const [i, body] of d.bodies.entries()) {
        const due = t0 + ((i * PER_REQUEST) / DEVICE_RATE) * 1000;
        if (due > performance.now()) await sleep(due - performance.now());
        for (;;) {
          let r: Response;
          try {
            r = await fetch(`${base}/v1/messages`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
            });
          } catch {
            unanswered++;
            await sleep(200 + 200 * random());
            continue;
          }
          const json = (await r.json()) as { receipts?: { duplicate: boolean }[] };
          if (r.status === 202 || r.status === 200) {
            for (const k of keysOf(body)) acked.add(k);
            duplicates += (json.receipts ?? []).filter((x) => x.duplicate).length;
            break;
          }
          if (r.status === 429) {
            rejected429++;
            await sleep(1000 * Number(r.headers.get("retry-after") ?? 1));
            continue;
          }
          unexpected.push(`${r.status} ${JSON.stringify(json).slice(0, 200)}`);
          break;
        }
      }
    };
    let done = false;
    const streaming = Promise.all(devices.map(lane)).finally(() => (done = true));

    // The killer: at random thresholds of acked readings, after a random delay.
    const thresholds = Array.from({ length: KILLS }, () => Math.floor((0.05 + 0.85 * random()) * total)).sort(
      (a, b) => a - b,
    );
    const kills: { at: number; downMs: number }[] = [];
    for (const threshold of thresholds) {
      while (acked.size < threshold && !done) await sleep(20);
      await sleep(1000 * random());
      const exited = new Promise((r) => seq.once("exit", r));
      const down = performance.now();
      seq.kill("SIGKILL");
      await exited;
      seq = await startHardhat(sequencerArgs, /sequencer at /);
      children.push(seq);
      kills.push({ at: acked.size, downMs: performance.now() - down });
    }
    await streaming;
    expect(unexpected, "only acks, duplicates and 429s").to.deep.equal([]);
    expect(acked.size).to.equal(total);

    // Let the batches drain, then stop the service gracefully.
    let health = { total: 0, batched: 0, unsubmittedBatches: -1 };
    for (let i = 0; i < 600; i++) {
      health = (await (await fetch(`${base}/healthz`)).json()) as typeof health;
      if (health.total === health.batched && health.unsubmittedBatches === 0) break;
      await sleep(250);
    }
    expect(health.unsubmittedBatches).to.equal(0);
    const exited = new Promise((r) => seq.once("exit", r));
    seq.kill("SIGTERM");
    await exited;

    // Every reading in at most one batch, every acked one in exactly one; the chain's batches
    // are 1..n per project and each one's data hashes to its messagesHash.
    const store = new SequencerStore(db);
    const seen = new Map<string, number>();
    let batches = 0;
    try {
      for (const projectId of projectIds) {
        const logs = await manager.queryFilter(manager.filters.BatchSubmitted(undefined, projectId));
        expect(
          logs.map((l) => Number(l.args.sequence)),
          `project ${projectId}: batches 1..n once each`,
        ).to.deep.equal(logs.map((_, i) => i + 1));
        expect(store.lastBatch(projectId).sequence).to.equal(logs.length);
        expect(store.unsubmittedBatches(projectId)).to.deep.equal([]);
        batches += logs.length;
        for (const log of logs) {
          const batch = store.batch(projectId, Number(log.args.sequence));
          expect(batch, `batch ${log.args.sequence} in the database`).to.not.equal(undefined);
          const data = parseBatchData(JSON.parse(batch!.data));
          expect(batchDataCommitment(data, domains.get(projectId)!).messagesHash).to.equal(
            log.args.messagesHash,
          );
          for (const d of data.devices)
            for (const m of d.messages) {
              const key = `0x${d.deviceId.toString(16).padStart(40, "0")}:${m.timestamp}`;
              seen.set(key, (seen.get(key) ?? 0) + 1);
            }
        }
      }
      expect(store.counts()).to.deep.equal({ total, batched: total, excluded: 0 });
    } finally {
      store.close();
    }
    const lost = [...acked].filter((k) => seen.get(k) === undefined);
    const twice = [...seen].filter(([, n]) => n > 1);
    expect(lost, "acked readings in no batch").to.deep.equal([]);
    expect(twice, "readings in two batches").to.deep.equal([]);
    expect(kills.length).to.equal(KILLS);
    console.log(
      `      seed ${SEED}: ${KILLS} kills (at ${kills.map((k) => k.at).join(", ")} acked; restarts ` +
        `${kills.map((k) => (k.downMs / 1000).toFixed(1)).join(", ")} s), ${total} readings from ` +
        `${devices.length} devices in ${PROJECTS} projects, ${acked.size} acked, ${unanswered} sends unanswered ` +
        `and retried, ${duplicates} answered as duplicates, ${rejected429} 429s; ${batches} batches; ` +
        `lost 0, batched twice 0; setup ${setupSeconds.toFixed(0)} s, total ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  });
});
