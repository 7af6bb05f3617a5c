/**
 * Chain faults under the sequencer and the prover, on the in-process chain: an EIP-1193
 * proxy in front of Hardhat's provider fails chosen JSON-RPC calls — before forwarding
 * (nothing sent), after forwarding (the transaction landed but the client sees an error),
 * and after a delay (a timeout) — and fails a share of the reads too.
 * - submitBatch under faults: every cut batch reaches the chain exactly once, in sequence
 *   order, with its messagesHash; every stored reading is in exactly one batch.
 * - a reorganization (evm_snapshot, batches submitted, evm_revert): the sequencer sees the
 *   chain lost them and submits them again, once each; its chain view reads the new branch
 *   again (a device registered after the revert is known and its readings batched).
 * - settle under faults: prover workers (real `dev` Groth16 proofs; the project's verifier
 *   is the mock one) settle every batch exactly once although sends fail.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { BrowserProvider, type Eip1193Provider, type JsonRpcSigner } from "ethers";
import pino from "pino";

import { ProverWorker } from "../../src/prover/worker";
import type { Sequencer } from "../../src/sequencer";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { provingKey } from "../helpers/proofs";
import { serviceFixture, signReading } from "./service-fixture";

type Fault = "pass" | "fail-before" | "fail-after" | "timeout-after";

/**
 * Hardhat's provider behind a fault injector: `plan(method, n)` decides the fate of the
 * n-th call (1-based, per method) of `method`.
 */
class FaultyProvider implements Eip1193Provider {
  readonly calls = new Map<string, number>();
  readonly faults = new Map<string, number>();
  /** Transactions forwarded to the chain (they landed: the chain automines). */
  sentTransactions = 0;
  /** Faults are injected only while armed (not while a service starts). */
  armed = true;

  constructor(
    readonly plan: (method: string, n: number) => Fault,
    readonly timeoutMs = 200,
  ) {}

  async request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    const n = this.armed ? (this.calls.get(args.method) ?? 0) + 1 : 0;
    if (this.armed) this.calls.set(args.method, n);
    const fault = this.armed ? this.plan(args.method, n) : "pass";
    if (fault !== "pass") this.faults.set(fault, (this.faults.get(fault) ?? 0) + 1);
    if (fault === "fail-before")
      throw Object.assign(new Error("injected: connection reset"), { code: -32000 });
    const result = await network.provider.request(args as { method: string; params?: unknown[] });
    if (args.method === "eth_sendTransaction") this.sentTransactions++;
    if (fault === "fail-after") throw Object.assign(new Error("injected: bad gateway"), { code: -32000 });
    if (fault === "timeout-after") {
      await new Promise((r) => setTimeout(r, this.timeoutMs));
      throw Object.assign(new Error("injected: request timed out"), { code: -32000 });
    }
    return result;
  }

  signer(address: string): Promise<JsonRpcSigner> {
    return new BrowserProvider(this, undefined, { cacheTimeout: -1, pollingInterval: 20 }).getSigner(address);
  }
}

/** A deterministic pseudo-random share of reads fails (before forwarding). */
function flakyReads(seed: number, share: number) {
  let x = seed;
  return (method: string): Fault => {
    if (method === "eth_sendTransaction" || method === "eth_chainId" || method === "eth_accounts")
      return "pass";
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 < share ? "fail-before" : "pass";
  };
}

const NOW = Math.floor(Date.now() / 1000);

async function fixtureWithFaults(faulty: FaultyProvider, devices = 4) {
  return serviceFixture(devices, {}, async (f) => {
    const signer = await faulty.signer(f.sequencer.address);
    return {
      deviceRegistry: f.deviceRegistry.connect(signer),
      projectRegistry: f.projectRegistry.connect(signer),
      manager: f.manager.connect(signer),
    };
  });
}

type Fixture = Awaited<ReturnType<typeof fixtureWithFaults>>;

/** Posts `perDevice` readings of every device (60 s apart, the project's minInterval). */
async function post(f: Fixture, perDevice: number, from: number): Promise<void> {
  const body = f.devices.flatMap((d) =>
    Array.from({ length: perDevice }, (_, k) => signReading(f.domain, d, from + 60 * k, BigInt(1 + k))),
  );
  const r = await f.seq.app.inject({ method: "POST", url: "/v1/messages", payload: body });
  expect(r.statusCode, r.body).to.equal(202);
}

/** Ticks until every stored reading is batched and every batch submitted (bounded). */
async function drain(seq: Sequencer, rounds = 200): Promise<number> {
  for (let i = 0; i < rounds; i++) {
    await seq.tick();
    const c = seq.store.counts();
    if (c.total === c.batched && seq.store.unsubmittedBatches(seq.view.projectIds[0]).length === 0)
      return i + 1;
  }
  throw new Error("the sequencer did not drain");
}

/** The chain's batches of the project match the store's, one per sequence; returns them. */
async function checkOnChainOnce(f: Fixture) {
  const logs = await f.manager.queryFilter(f.manager.filters.BatchSubmitted(undefined, f.projectId));
  const sequences = logs.map((l) => Number(l.args.sequence));
  const last = f.seq.store.lastBatch(f.projectId).sequence;
  expect(sequences, "each batch on chain once, in order").to.deep.equal(
    Array.from({ length: last }, (_, i) => i + 1),
  );
  expect((await f.manager.projectStateOf(f.projectId)).submitted).to.equal(BigInt(last));
  for (const l of logs) {
    const b = f.seq.store.batch(f.projectId, Number(l.args.sequence))!;
    expect(l.args.messagesHash, `batch ${b.sequence}`).to.equal(b.messagesHash);
    expect(b.batchId, `batch ${b.sequence} id`).to.equal(l.args.batchId);
  }
  const c = f.seq.store.counts();
  expect(c.batched).to.equal(c.total);
  expect(c.excluded).to.equal(0);
  // Every stored reading is counted once across the batches.
  const messages = logs.reduce((n, l) => n + Number(l.args.messageCount), 0);
  expect(messages).to.equal(c.total);
  return logs;
}

describe("chain faults under the sequencer and the prover", function () {
  this.timeout(300_000);
  let seq: Sequencer | undefined;
  afterEach(async () => {
    await seq?.close();
    seq = undefined;
  });

  it("retries failed and timed-out submitBatch calls without submitting a batch twice", async function () {
    // Sends: 1 fails before reaching the node, 2 and 4 land but answer an error, 3 lands and
    // times out, then every third send lands with an error; 10% of the reads fail.
    const reads = flakyReads(7, 0.1);
    const faulty = new FaultyProvider((method, n) => {
      if (method !== "eth_sendTransaction") return reads(method);
      if (n === 1) return "fail-before";
      if (n === 2 || n === 4) return "fail-after";
      if (n === 3) return "timeout-after";
      return n % 3 === 0 ? "fail-after" : "pass";
    });
    faulty.armed = false; // the sequencer starts on a healthy chain, then faults begin
    const f = await fixtureWithFaults(faulty);
    seq = f.seq;
    faulty.armed = true;
    await post(f, 6, NOW - 1800);
    const rounds = await drain(f.seq);
    const logs = await checkOnChainOnce(f);
    expect(faulty.faults.get("fail-after") ?? 0).to.be.greaterThan(2);
    expect(faulty.faults.get("timeout-after")).to.equal(1);
    // Every transaction that reached the node is one batch: none was sent twice.
    expect(faulty.sentTransactions).to.equal(logs.length);
    console.log(
      `      ${logs.length} batches (${f.seq.store.counts().total} readings) in ${rounds} rounds; ` +
        `faults: ${JSON.stringify(Object.fromEntries(faulty.faults))}; ${faulty.sentTransactions} txs sent, each landed once`,
    );
  });

  it("submits again, once, the batches a reorganization dropped", async function () {
    const faulty = new FaultyProvider(() => "pass");
    const f = await fixtureWithFaults(faulty);
    seq = f.seq;
    await post(f, 2, NOW - 1800);
    await drain(f.seq);
    const before = (await checkOnChainOnce(f)).length;

    const snapshot = (await network.provider.request({ method: "evm_snapshot" })) as string;
    await post(f, 3, NOW - 1800 + 120);
    await drain(f.seq);
    const submitted = (await checkOnChainOnce(f)).length;
    expect(submitted).to.be.greaterThan(before);
    await f.seq.view.sync(); // the view has read the blocks the revert drops
    expect(await network.provider.request({ method: "evm_revert", params: [snapshot] })).to.equal(true);
    expect((await f.manager.projectStateOf(f.projectId)).submitted).to.equal(BigInt(before));

    // A device registered right after the revert, in a block number the sequencer had already
    // read on the lost branch: it is known, and its readings are accepted and batched.
    const [late] = await f.scenario.addDevices(1);
    const r = await f.seq.app.inject({
      method: "POST",
      url: "/v1/messages",
      payload: [signReading(f.domain, late, NOW - 1800), signReading(f.domain, late, NOW - 1740)],
    });
    expect(r.statusCode, r.body).to.equal(202);

    await drain(f.seq);
    const logs = await checkOnChainOnce(f);
    expect(logs.length).to.be.greaterThan(submitted);
    const lateBatched = logs.some((l) => l.args.opsTo === BigInt(late.index + 1));
    expect(lateBatched, "the late device's op is in a batch").to.equal(true);
    console.log(
      `      ${submitted - before} of ${submitted} batches dropped by the revert, submitted again once each; ` +
        `a device registered after it was seen and batched`,
    );
  });

  it("settles every batch exactly once although settle calls fail", async function () {
    const key = provingKey("dev", "groth16");
    const seqProvider = new FaultyProvider(() => "pass");
    const f = await fixtureWithFaults(seqProvider, 3);
    seq = f.seq;
    await post(f, 2, NOW - 1800);
    await drain(f.seq);
    const submitted = await checkOnChainOnce(f);

    // One worker per staked prover, each behind its own faults: the first settle of each
    // fails before sending, the second lands with an error, the third lands and times
    // out; 10% of reads fail.
    const workers: { worker: ProverWorker; faulty: FaultyProvider }[] = [];
    for (const [i, p] of f.provers.entries()) {
      const reads = flakyReads(11 + i, 0.1);
      const faulty = new FaultyProvider((method, n) => {
        if (method !== "eth_sendTransaction") return reads(method);
        return (["fail-before", "fail-after", "timeout-after"] as Fault[])[n - 1] ?? "pass";
      });
      const signer = await faulty.signer(p.address);
      workers.push({
        faulty,
        worker: new ProverWorker({
          manager: f.manager.connect(signer),
          deviceRegistry: f.deviceRegistry.connect(signer),
          shape: CIRCUIT_CONFIGS.dev,
          system: "groth16",
          key,
          log: pino({ level: "silent" }),
          maxBackoffMs: 50,
        }),
      });
    }
    const settledThrough = async () => (await f.manager.projectStateOf(f.projectId)).settledThrough;
    for (let i = 0; i < 200 && (await settledThrough()) < BigInt(submitted.length); i++) {
      for (const { worker } of workers) await worker.tick().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(await settledThrough()).to.equal(BigInt(submitted.length));
    const settled = await f.manager.queryFilter(f.manager.filters.BatchSettled(undefined, f.projectId));
    expect(settled.map((l) => l.args.batchId).sort((a, b) => (a < b ? -1 : 1))).to.deep.equal(
      submitted.map((l) => l.args.batchId),
    );
    // Every settle transaction that reached the node settled a batch: none was sent twice.
    const sent = workers.reduce((n, w) => n + w.faulty.sentTransactions, 0);
    expect(sent).to.equal(settled.length);
    const faults = workers.reduce((n, w) => n + (w.faulty.faults.get("fail-after") ?? 0), 0);
    expect(faults).to.be.greaterThan(0);
    console.log(
      `      ${settled.length} batches settled once each; ${sent} settle txs sent; ` +
        `faults per worker: ${workers.map((w) => JSON.stringify(Object.fromEntries(w.faulty.faults))).join(" ")}`,
    );
  });
});
