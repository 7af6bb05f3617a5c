/** Real proofs for tests: batches built by the library, proved with the built keys. */
import { existsSync } from "node:fs";

import type { BuiltBatch } from "../../src/zk/batch";
import { wasmPath, zkeyPath } from "../../src/zk/build";
import type { CircuitName, ProofSystem } from "../../src/zk/circuits";
import { encodeProof, prove, proveInWorker, type Proof } from "../../src/zk/prove";
import { sampleBatchFor } from "../../src/zk/sample";

export function provingKey(config: CircuitName, system: ProofSystem) {
  const key = { wasm: wasmPath(config, system), zkey: zkeyPath(config, system) };
  for (const f of [key.wasm, key.zkey]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run circuits:build\` first`);
  }
  return key;
}

export interface ProvedBatch {
  batch: BuiltBatch;
  proof: Proof;
  calldata: string;
}

export async function provedBatch(
  config: CircuitName,
  system: ProofSystem,
  inWorker = false,
): Promise<ProvedBatch> {
  const batch = sampleBatchFor(config);
  const key = provingKey(config, system);
  const proof = inWorker
    ? await proveInWorker(system, batch.input, key)
    : await prove(system, batch.input, key);
  return { batch, proof, calldata: await encodeProof(proof) };
}
