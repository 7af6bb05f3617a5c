/** Real proofs for tests: batches built by the library, proved with the built keys. */
import { existsSync } from "node:fs";

import { buildBatch, type BuiltBatch } from "../../src/zk/batch";
import { wasmPath, zkeyPath } from "../../src/zk/build";
import { CIRCUIT_CONFIGS, type CircuitName, type ProofSystem } from "../../src/zk/circuits";
import { encodeProof, prove, proveInWorker, type Proof } from "../../src/zk/prove";
import { messagesFor, projectState, registerOp, simDevice } from "./batches";

export function provingKey(config: CircuitName, system: ProofSystem) {
  const key = { wasm: wasmPath(config, system), zkey: zkeyPath(config, system) };
  for (const f of [key.wasm, key.zkey]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run circuits:build\` first`);
  }
  return key;
}

/** A full batch of the configuration's shape: one registry op and every device slot used. */
export function sampleBatch(config: CircuitName): BuiltBatch {
  const shape = CIRCUIT_CONFIGS[config];
  const { tree, devices, context } = projectState(shape.depth, shape.D);
  const slots = devices.map((d, i) => messagesFor(d, Array.from({ length: shape.K }, (_, k) => BigInt(1 + i + k))));
  return buildBatch(shape, tree, context, [registerOp(simDevice(shape.D))], slots);
}

export interface ProvedBatch {
  batch: BuiltBatch;
  proof: Proof;
  calldata: string;
}

export async function provedBatch(config: CircuitName, system: ProofSystem, inWorker = false): Promise<ProvedBatch> {
  const batch = sampleBatch(config);
  const key = provingKey(config, system);
  const proof = inWorker ? await proveInWorker(system, batch.input, key) : await prove(system, batch.input, key);
  return { batch, proof, calldata: await encodeProof(proof) };
}
