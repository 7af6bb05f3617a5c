/**
 * Signature checks off the event loop: a pool of worker threads, each computing message
 * digests and verifying EdDSA-Poseidon signatures (src/crypto), so that checks run on
 * every core while the main thread serves HTTP and commits. `size: 0` verifies inline.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";

import { verifyEddsaPoseidon } from "../crypto/eddsa";
import { messageDigest } from "../zk/batch";

export interface VerifyItem {
  domain: bigint;
  deviceId: bigint;
  timestamp: bigint;
  units: bigint;
  payloadHash: bigint;
  sig: { R8x: bigint; R8y: bigint; S: bigint };
  key: { ax: bigint; ay: bigint };
}

export interface VerifyResult {
  digest: bigint;
  ok: boolean;
}

export function verifyInline(items: VerifyItem[]): VerifyResult[] {
  return items.map((i) => {
    const digest = messageDigest(i.domain, i.deviceId, i.timestamp, i.units, i.payloadHash);
    return { digest, ok: verifyEddsaPoseidon(digest, i.sig, i.key) };
  });
}

// The worker runs this module's `verifyInline` under the TypeScript loader the kit runs with.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
require("ts-node").register({ transpileOnly: true });
const { verifyInline } = require(${JSON.stringify(path.join(__dirname, "verify-pool.ts"))});
parentPort.on("message", ({ id, items }) => {
  try {
    parentPort.postMessage({ id, results: verifyInline(items) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.stack || err) });
  }
});
`;

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: VerifyResult[]) => void; reject: (e: Error) => void; items: number }
  >();
  /** Items each worker has been handed and not answered. */
  private readonly load: number[] = [];
  private nextId = 0;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      this.load.push(0);
      worker.on("message", (m: { id: number; results?: VerifyResult[]; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.load[i] -= p.items;
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.results!);
      });
      worker.on("error", (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.load.fill(0);
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Digests and signature checks of `items`, in order, on the least loaded worker. */
  verify(items: VerifyItem[]): Promise<VerifyResult[]> {
    if (this.workers.length === 0 || items.length === 0) return Promise.resolve(verifyInline(items));
    const id = this.nextId++;
    const w = this.load.indexOf(Math.min(...this.load));
    this.load[w] += items.length;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, items: items.length });
      this.workers[w].postMessage({ id, items });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
