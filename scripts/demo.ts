/**
 * `npm run demo` — the kit running as a DePIN on a local chain, in one command:
 * builds the `dev` circuit if its keys are missing, deploys, creates a project, funds fees
 * and rewards, stakes three provers, registers devices, runs the sequencer, three prover
 * workers and the device simulator (with injected faults) for a bounded time, waits for
 * every accepted reading to be proven and settled, lets the owner claim, and prints a
 * summary. Sized by DEMO_DEVICES (6), DEMO_SECONDS (60) and DEMO_RATE (readings per
 * device per second, 0.2). DEMO_SEED (0 to 2^32 − 1; default: drawn, and printed) drives
 * every random choice of the simulated devices (first send, jitter, units, faults), so
 * `DEMO_SEED=<n> npm run demo` replays a run's choices. Runs on the in-process chain; `npx hardhat run --network
 * localhost scripts/demo.ts` runs it against `npx hardhat node` (STATE_DEPTH=4).
 * DEMO_SUMMARY=FILE also writes the figures as JSON (`npm run bench` reads them).
 *
 * For the dashboard (`npm run dashboard`), all unset by default: DEMO_RPC_PORT serves the
 * in-process chain over JSON-RPC on 127.0.0.1 (as `hardhat node` does), DEMO_SEQUENCER_PORT
 * fixes the sequencer's port (default: a free one), DEMO_STATUS_FILE=FILE writes where the
 * chain and sequencer are, the contract addresses and the provers' timings
 * (`src/dashboard/status.ts`), and DEMO_KEEP_ALIVE=1 keeps the chain and the sequencer up
 * after the summary until SIGINT or SIGTERM.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import type { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import pino from "pino";

import { DEPLOYMENTS } from "../src/chain/deployments";
import { createProject, fundFees, stakeProvers } from "../src/chain/scenario";
import { DEMO_STATUS_FORMAT, writeDemoStatus, type DemoStatus } from "../src/dashboard/status";
import { DeviceClient, drawSeed, generateIdentity, parseSeed, simulateDevices } from "../src/device";
import { UserError } from "../src/errors";
import { createProgress } from "../src/progress";
import { ProverWorker } from "../src/prover/worker";
import { claimManyArgs, replayProject } from "../src/rewards";
import { DEFAULT_CONFIG, startSequencer } from "../src/sequencer";
import { wasmPath, zkeyPath } from "../src/zk/build";
import { CIRCUIT_CONFIGS, circuitId, repoRoot } from "../src/zk/circuits";
import { releaseSnarkjs } from "../src/zk/snarkjs";
import { localKit } from "./lib/local";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DEVICES = num("DEMO_DEVICES", 6);
const SECONDS = num("DEMO_SECONDS", 60);
const RATE = num("DEMO_RATE", 0.2);
const RPC_PORT = process.env.DEMO_RPC_PORT ? num("DEMO_RPC_PORT", 0) : undefined;
const SEQUENCER_PORT = num("DEMO_SEQUENCER_PORT", 0);
const STATUS_FILE = process.env.DEMO_STATUS_FILE || undefined;
const KEEP_ALIVE = process.env.DEMO_KEEP_ALIVE === "1";
const SHAPE = CIRCUIT_CONFIGS.dev;
const SETTINGS = {
  circuitId: circuitId("dev"),
  proofSystem: 0,
  minInterval: 2,
  maxUnits: 100n,
  proverFee: 10n ** 16n,
  rewardRate: 10n ** 15n,
};

/** The in-process chain's JSON-RPC server (DEMO_RPC_PORT), closed however main ends. */
let rpcServer: JsonRpcServer | undefined;

/** DEMO_RPC_PORT: the in-process chain over HTTP, as `hardhat node` serves it; its URL. */
async function exposeChain(): Promise<string | null> {
  if (hre.network.name !== "hardhat") {
    const url = (hre.network.config as { url?: string }).url ?? null;
    if (RPC_PORT !== undefined) console.log(`DEMO_RPC_PORT ignored: the chain is ${url}`);
    return url;
  }
  if (RPC_PORT === undefined) return null;
  const { JsonRpcServer } = await import("hardhat/internal/hardhat-network/jsonrpc/server");
  rpcServer = new JsonRpcServer({ hostname: "127.0.0.1", port: RPC_PORT, provider: hre.network.provider });
  const { address, port } = await rpcServer.listen();
  const url = `http://${address}:${port}`;
  console.log(`chain JSON-RPC at ${url}`);
  return url;
}

async function main() {
  const started = Date.now();
  const seed = process.env.DEMO_SEED ? parseSeed(process.env.DEMO_SEED, "DEMO_SEED") : drawSeed();
  console.log(`seed ${seed} (DEMO_SEED=${seed} npm run demo makes the same choices)`);
  const { ethers } = hre;
  const key = { wasm: wasmPath("dev", "groth16"), zkey: zkeyPath("dev", "groth16") };
  if (!fs.existsSync(key.wasm) || !fs.existsSync(key.zkey)) {
    console.log("building the dev circuit and its keys (once)…");
    const run = spawnSync("npx", ["ts-node", "scripts/circuits.ts", "build", "--config", "dev"], {
      cwd: repoRoot(),
      stdio: "inherit",
    });
    if (run.status !== 0) throw new Error("circuit build failed");
  }

  const setup = createProgress("setting up the network", 5 + DEVICES);
  const kit = await localKit(hre, SHAPE.depth);
  setup.step("deployed");
  const { deployer, owner, sequencer, deviceOwner, provers } = kit.signers;
  const c = kit.scenario;
  const { deviceRegistry, rewards, rewardToken } = kit;
  const rpcUrl = await exposeChain();
  const projectId = await createProject(c, owner, sequencer.address, SETTINGS, "Demo Weather Mesh");
  // DEMO_STATUS_FILE: rewritten as the demo goes (phase, sequencer, proofs).
  const status: DemoStatus = {
    format: DEMO_STATUS_FORMAT,
    phase: "setup",
    updatedAt: new Date().toISOString(),
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    rpcUrl,
    sequencerUrl: null,
    fromBlock: (await hre.deployments.get(DEPLOYMENTS.deviceRegistry)).receipt?.blockNumber ?? 0,
    contracts: {
      projectRegistry: await c.projectRegistry.getAddress(),
      deviceRegistry: await deviceRegistry.getAddress(),
      proverPool: await c.pool.getAddress(),
      batchManager: await c.manager.getAddress(),
      rewardDistributor: await rewards.getAddress(),
    },
    projectIds: [projectId.toString()],
    proofs: [],
  };
  const report = (update: Partial<DemoStatus> = {}) => {
    if (STATUS_FILE === undefined) return;
    Object.assign(status, update, { updatedAt: new Date().toISOString() });
    writeDemoStatus(STATUS_FILE, status);
  };
  report();
  if (STATUS_FILE !== undefined) console.log(`demo status in ${STATUS_FILE}`);
  await fundFees(c, owner, projectId, 10n ** 20n);
  setup.step("project created, fees funded");
  await rewards.connect(owner).setRewardToken(projectId, rewardToken);
  await rewardToken.approve(rewards, 10n ** 24n);
  await rewards.connect(deployer).fund(projectId, 10n ** 24n);
  setup.step("reward pool funded");
  const staked = provers.slice(0, 3);
  await stakeProvers(
    c,
    staked,
    [200n, 300n, 500n].map((x) => x * 10n ** 18n),
  );
  setup.step("three provers staked");
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
  const devices = [];
  for (let i = 0; i < DEVICES; i++) {
    const identity = generateIdentity();
    const client = new DeviceClient(identity, deviceRegistry);
    await client.register({ owner: deviceOwner.address, projectId, deadline });
    devices.push({ identity, deviceId: client.deviceId });
    setup.step(`device ${i + 1} registered`);
  }

  const log = pino({ level: process.env.LOG_LEVEL ?? "warn" });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-demo-"));
  const seq = await startSequencer(
    {
      ...DEFAULT_CONFIG,
      port: SEQUENCER_PORT,
      dbPath: path.join(dir, "sequencer.db"),
      projectIds: [projectId],
      shape: { R: SHAPE.R, D: SHAPE.D, K: SHAPE.K },
      maxBatchAgeMs: 2_000,
      pollMs: 500,
    },
    { deviceRegistry, projectRegistry: c.projectRegistry, manager: c.manager.connect(sequencer) },
    log,
  );
  setup.done(`sequencer at ${seq.url}`);
  report({ phase: "running", sequencerUrl: seq.url });

  const workers = staked.map(
    (p) =>
      new ProverWorker({
        manager: c.manager.connect(p),
        deviceRegistry,
        shape: SHAPE,
        system: "groth16",
        key,
        log,
      }),
  );
  let proving = true;
  const reportProofs = () =>
    report({
      proofs: workers.flatMap((w) =>
        w.settled.map((b) => ({
          batchId: b.batchId.toString(),
          projectId: b.projectId.toString(),
          prover: b.prover,
          proveMs: Math.round(b.proveMs),
          txHash: b.txHash,
          gasUsed: b.gasUsed.toString(),
          messages: b.messages,
        })),
      ),
    });
  const proverLoops = workers.map(async (w) => {
    while (proving) {
      const done = await w.tick().catch((err) => {
        log.error({ err }, "prover round failed");
        return 0;
      });
      if (done > 0) reportProofs();
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  const sim = createProgress("simulating devices", SECONDS);
  const simStart = Date.now();
  let lastSecond = 0;
  const stats = await simulateDevices({
    url: seq.url,
    devices,
    domain: await c.manager.domainOf(projectId),
    minInterval: SETTINGS.minInterval,
    rate: RATE,
    jitter: 0.3,
    durationMs: SECONDS * 1000,
    maxUnits: Number(SETTINGS.maxUnits),
    faults: { badSignature: 0.03, replay: 0.03, skew: 0.02, unregistered: 0.02, burst: 0.02 },
    seed,
    limits: DEFAULT_CONFIG.ingest,
    onProgress: (s) => {
      const second = Math.floor((Date.now() - simStart) / 1000);
      for (; lastSecond < Math.min(second, SECONDS); lastSecond++) sim.step(`${s.accepted} accepted`);
    },
  });
  sim.done(`${stats.accepted} readings accepted`);

  // Drain: every accepted reading batched, every batch settled.
  const drain = createProgress("proving and settling the backlog", 1);
  report({ phase: "draining" });
  for (;;) {
    const counts = seq.store.counts();
    const state = await c.manager.projectStateOf(projectId);
    const opsDone = state.opsCursor === BigInt(await deviceRegistry.opCount(projectId));
    if (
      counts.batched + counts.excluded === counts.total &&
      state.settledThrough === state.submitted &&
      opsDone
    )
      break;
    drain.detail(
      `${counts.batched}/${counts.total} batched, ${state.settledThrough}/${state.submitted} settled`,
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
  drain.step("settled");
  drain.done();
  proving = false;
  await Promise.all(proverLoops);
  reportProofs();

  // The owner claims every device's rewards, from public data.
  const replay = await replayProject({ deviceRegistry, manager: c.manager }, projectId);
  const indexed = await Promise.all(
    devices.map(async (d) => ({
      deviceId: d.deviceId,
      index: Number((await deviceRegistry.deviceOf(d.deviceId)).index),
    })),
  );
  const args = claimManyArgs(replay.tree, indexed);
  const claimReceipt = await (
    await rewards.claimMany(projectId, args.deviceIds, args.leaves, args.proof)
  ).wait();
  const paid = await Promise.all(devices.map((d) => rewards.paidOf(d.deviceId)));
  if (!KEEP_ALIVE) await seq.close(); // after the claims: they read the batch data it serves
  report({ phase: "done" });

  const settled = workers.flatMap((w) => w.settled);
  const submitted = await c.manager.queryFilter(c.manager.filters.BatchSubmitted(undefined, projectId));
  let submitGas = 0n;
  for (const l of submitted) submitGas += (await l.getTransactionReceipt()).gasUsed;
  const settleGas = settled.reduce((s, b) => s + b.gasUsed, 0n);
  const messages = settled.reduce((s, b) => s + b.messages, 0);
  const proveMs = settled.map((b) => b.proveMs).sort((a, b) => a - b);
  const unit = (x: bigint) => `${(Number(x) / 1e18).toFixed(4)} DPN`;

  const wallSeconds = (Date.now() - started) / 1000;
  if (process.env.DEMO_SUMMARY) {
    fs.writeFileSync(
      process.env.DEMO_SUMMARY,
      JSON.stringify({
        wallSeconds,
        seed,
        devices: DEVICES,
        seconds: SECONDS,
        rate: RATE,
        sent: stats.sent,
        accepted: stats.accepted,
        batchesSubmitted: submitted.length,
        batchesSettled: settled.length,
        messagesSettled: messages,
        proveMedianMs: proveMs[Math.floor(proveMs.length / 2)],
        gasPerMessage: messages > 0 ? Number((submitGas + settleGas) / BigInt(messages)) : 0,
        unexpected: stats.unexpected.length,
      }),
    );
  }
  console.log(`\nDePIN Kit demo — ${wallSeconds.toFixed(0)} s wall time`);
  console.log(`  seed                ${seed} (replay: DEMO_SEED=${seed} npm run demo)`);
  console.log(`  devices             ${DEVICES} (+ 1 unregistered impostor)`);
  console.log(
    `  readings            ${stats.sent} sent, ${stats.accepted} accepted, ${stats.duplicates} duplicates answered with their receipt`,
  );
  console.log(`  rejected            ${JSON.stringify(stats.rejected)}`);
  const faults = Object.entries(stats.faults)
    .map(([k, v]) => `${k} ${v.expected}/${v.injected}`)
    .join(", ");
  console.log(`  faults answered as expected: ${faults}; unexpected answers: ${stats.unexpected.length}`);
  console.log(`  batches             ${submitted.length} submitted, ${settled.length} proven and settled`);
  console.log(
    `  proving per batch   median ${(proveMs[Math.floor(proveMs.length / 2)] / 1000).toFixed(2)} s ` +
      `(${(proveMs[0] / 1000).toFixed(2)}–${(proveMs[proveMs.length - 1] / 1000).toFixed(2)} s), Groth16, dev circuit`,
  );
  console.log(
    `  gas per message     ${messages > 0 ? ((submitGas + settleGas) / BigInt(messages)).toLocaleString("en-US") : "n/a"} ` +
      `(submit + settle; ${messages} messages in ${settled.length} batches of at most ${SHAPE.D * SHAPE.K})`,
  );
  console.log(
    `  claimMany           ${claimReceipt!.gasUsed.toLocaleString("en-US")} gas for ${DEVICES} devices`,
  );
  for (const [i, d] of devices.entries())
    console.log(
      `    device ${d.identity.wallet.address}: ${replay.tree.leaf(indexed[i].index).cumulativeUnits} units, paid ${unit(paid[i])}`,
    );
  if (stats.unexpected.length > 0) {
    console.log(`  unexpected answers: ${JSON.stringify(stats.unexpected.slice(0, 5))}`);
    process.exitCode = 1;
  }
  await releaseSnarkjs();
  if (KEEP_ALIVE) {
    console.log("DEMO_KEEP_ALIVE: the chain and the sequencer stay up until SIGINT or SIGTERM");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await seq.close();
  }
}

main()
  .catch((err) => {
    console.error(err instanceof UserError ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => rpcServer?.close());
