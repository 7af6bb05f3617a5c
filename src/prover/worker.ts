/**
 * The prover worker: watches the batches assigned to its address, and for each one that
 * is next to settle in its project, rebuilds the project's state from public data
 * (`replayProject`: registry events, settled batches and their DA data), fetches the
 * batch's data and checks it against the on-chain `messagesHash`, builds the circuit
 * input, proves in a separate process (snarkjs; or `rapidsnark` when configured, for
 * Groth16) and settles. Failures retry with exponential backoff. Workers with different
 * addresses share a chain without stepping on each other: the contract assigns each
 * batch to one prover.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Logger } from "pino";

import type { BatchManager, DeviceRegistry } from "../../typechain-types";
import { settleBatch } from "../chain/settlement";
import { batchDataCommitment, loadBatchData, type BatchDataLoader } from "../da/batch-data";
import { replayProject } from "../rewards/replay";
import { buildBatch, type CircuitShape } from "../zk/batch";
import type { ProofSystem } from "../zk/circuits";
import { proveInWorker, type Proof, type ProvingKey } from "../zk/prove";
import { snarkjs } from "../zk/snarkjs";

export interface ProverWorkerOptions {
  manager: BatchManager;
  deviceRegistry: DeviceRegistry;
  shape: CircuitShape;
  system: ProofSystem;
  key: ProvingKey;
  load?: BatchDataLoader;
  /** A rapidsnark `prover` binary (Groth16 only); snarkjs when absent. */
  rapidsnark?: string;
  fromBlock?: number;
  log: Logger;
  maxBackoffMs?: number;
}

export interface SettledByWorker {
  batchId: bigint;
  projectId: bigint;
  proveMs: number;
  gasUsed: bigint;
  messages: number;
  /** The prover's address and its `settle` transaction (dashboards show them). */
  prover: string;
  txHash: string;
}

export class ProverWorker {
  private cursor: number;
  private readonly candidates = new Set<bigint>();
  private readonly retryAt = new Map<bigint, { at: number; attempts: number }>();
  readonly settled: SettledByWorker[] = [];
  private address?: string;

  constructor(readonly options: ProverWorkerOptions) {
    this.cursor = options.fromBlock ?? 0;
  }

  private async me(): Promise<string> {
    this.address ??= await (
      this.options.manager.runner as unknown as { getAddress(): Promise<string> }
    ).getAddress();
    return this.address;
  }

  /** One round: new assignments, then every batch of ours that is next in its project. */
  async tick(nowMs = Date.now()): Promise<number> {
    const { manager, log } = this.options;
    const me = await this.me();
    const latest = await manager.runner!.provider!.getBlockNumber();
    if (latest >= this.cursor) {
      for (const l of await manager.queryFilter(
        manager.filters.BatchAssigned(undefined, me),
        this.cursor,
        latest,
      ))
        this.candidates.add(l.args.batchId);
      this.cursor = latest + 1;
    }
    let done = 0;
    for (const batchId of [...this.candidates].sort((a, b) => (a < b ? -1 : 1))) {
      let b = await manager.batchOf(batchId);
      if (b.status !== 1n || b.prover !== me) {
        this.candidates.delete(batchId); // settled, voided or reassigned
        continue;
      }
      // A batch's window starts when it becomes next to settle (its predecessor settled or
      // was voided): until then its deadline does not run.
      const state = await manager.projectStateOf(b.projectId);
      if (b.sequence !== state.settledThrough + 1n) continue; // an earlier batch settles first
      // Read again: the predecessor may have settled between the two reads, moving the deadline.
      b = await manager.batchOf(batchId);
      const block = await manager.runner!.provider!.getBlock("latest");
      if (BigInt(block!.timestamp) > b.deadline) {
        this.candidates.delete(batchId);
        log.warn({ batchId: batchId.toString() }, "deadline passed before proving");
        continue;
      }
      const retry = this.retryAt.get(batchId);
      if (retry && retry.at > nowMs) continue;
      try {
        await this.proveAndSettle(batchId, b.projectId);
        this.candidates.delete(batchId);
        this.retryAt.delete(batchId);
        done++;
      } catch (err) {
        const attempts = (retry?.attempts ?? 0) + 1;
        const delay = Math.min(this.options.maxBackoffMs ?? 60_000, 1000 * 2 ** (attempts - 1));
        this.retryAt.set(batchId, { at: nowMs + delay, attempts });
        log.error(
          { batchId: batchId.toString(), attempts, delay, err: (err as Error).message },
          "proving failed",
        );
      }
    }
    return done;
  }

  private async proveAndSettle(batchId: bigint, projectId: bigint): Promise<void> {
    const { manager, deviceRegistry, shape, log } = this.options;
    const load = this.options.load ?? loadBatchData;
    const me = await this.me();
    const replay = await replayProject(
      { deviceRegistry, manager, fromBlock: this.options.fromBlock },
      projectId,
      {
        load,
      },
    );
    const record = await manager.batchOf(batchId);
    const [submitted] = await manager.queryFilter(
      manager.filters.BatchSubmitted(batchId),
      this.options.fromBlock,
    );
    const domain = await manager.domainOf(projectId);
    const data = record.messageCount > 0n ? await load(submitted.args.dataURI) : undefined;
    if (data) {
      const c = batchDataCommitment(data, domain);
      if (c.messagesHash !== record.messagesHash)
        throw new Error(`batch ${batchId}: data at ${submitted.args.dataURI} does not match messagesHash`);
    }
    const opLogs = await deviceRegistry.queryFilter(
      deviceRegistry.filters.RegistryOpAppended(projectId),
      this.options.fromBlock,
    );
    const ops = opLogs
      .map((l) => ({ n: Number(l.args.opNumber), op: { index: l.args.index, keyHash: l.args.keyHash } }))
      .filter((x) => x.n > replay.opsCursor && x.n <= Number(record.opsTo))
      .sort((a, b) => a.n - b.n)
      .map((x) => x.op);
    const built = buildBatch(
      shape,
      replay.tree,
      {
        domain,
        opsChainFrom: await deviceRegistry.opsChainAt(projectId, replay.opsCursor),
        prover: BigInt(me),
        settings: {
          minInterval: record.minInterval,
          maxUnits: record.maxUnits,
          rewardRate: record.rewardRate,
        },
      },
      ops,
      data?.devices ?? [],
    );
    const proof = await this.prove(built.input);
    const receipt = await settleBatch(manager, batchId, built, proof);
    this.settled.push({
      batchId,
      projectId,
      proveMs: proof.ms,
      gasUsed: receipt.gasUsed,
      messages: Number(record.messageCount),
      prover: me,
      txHash: receipt.hash,
    });
    log.info(
      { batchId: batchId.toString(), proveMs: Math.round(proof.ms), gas: receipt.gasUsed.toString() },
      "batch settled",
    );
  }

  private async prove(input: Record<string, unknown>): Promise<Proof> {
    const { system, key, rapidsnark } = this.options;
    if (rapidsnark && system === "groth16") return proveWithRapidsnark(rapidsnark, input, key);
    return proveInWorker(system, input as never, key);
  }
}

/** Groth16 with an external rapidsnark binary: witness by snarkjs, proof by rapidsnark. */
async function proveWithRapidsnark(
  binary: string,
  input: Record<string, unknown>,
  key: ProvingKey,
): Promise<Proof> {
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-rapidsnark-"));
  try {
    const wtns = path.join(dir, "witness.wtns");
    await snarkjs.wtns.calculate(input, key.wasm, wtns);
    const proofFile = path.join(dir, "proof.json");
    const publicFile = path.join(dir, "public.json");
    const run = spawnSync(binary, [key.zkey, wtns, proofFile, publicFile], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`rapidsnark failed: ${run.stderr || run.error?.message}`);
    return {
      system: "groth16",
      proof: JSON.parse(fs.readFileSync(proofFile, "utf8")),
      publicSignals: JSON.parse(fs.readFileSync(publicFile, "utf8")),
      ms: performance.now() - started,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
