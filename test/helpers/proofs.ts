/** Real proofs for tests: batches built by the library, proved with the built keys. */
import { existsSync } from "node:fs";
import { AbiCoder } from "ethers";

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

/** Negates A and B of a Groth16 proof: e(-A, -B) = e(A, B), a different valid proof. */
export function rerandomizeGroth16(calldata: string): string {
  const coder = AbiCoder.defaultAbiCoder();
  const [a, b, c] = coder.decode(["uint256[2]", "uint256[2][2]", "uint256[2]"], calldata);
  const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  const negA = [a[0], (q - a[1]) % q];
  const negB = [b[0], [(q - b[1][0]) % q, (q - b[1][1]) % q]];
  return coder.encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [negA, negB, c]);
}
