/**
 * Witness, proof, verification and Solidity calldata for the three proof systems, in
 * process or in a worker thread with progress (src/zk/prove.worker.js).
 */
import { AbiCoder } from "ethers";
import { fork } from "node:child_process";
import * as path from "node:path";

import type { CircuitInput } from "./batch";
import type { ProofSystem } from "./circuits";
import { snarkjs, silentLogger, type SnarkLogger } from "./snarkjs";

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Proof {
  system: ProofSystem;
  proof: any;
  publicSignals: string[];
  /** Wall time of witness + proof, in milliseconds. */
  ms: number;
}

export interface ProvingKey {
  wasm: string;
  zkey: string;
}

/** Computes the witness and a proof in this thread. */
export async function prove(
  system: ProofSystem,
  input: CircuitInput,
  key: ProvingKey,
  logger: SnarkLogger = silentLogger,
): Promise<Proof> {
  const started = performance.now();
  const { proof, publicSignals } = await snarkjs[system].fullProve(input, key.wasm, key.zkey, logger);
  return { system, proof, publicSignals, ms: performance.now() - started };
}

/** Verifies a proof against a verification key (JSON as snarkjs exports it). */
export async function verifyProof(
  system: ProofSystem,
  vkey: unknown,
  publicSignals: string[],
  proof: any,
): Promise<boolean> {
  return snarkjs[system].verify(vkey, publicSignals, proof, silentLogger);
}

const PROOF_WORDS: Record<ProofSystem, number> = { groth16: 8, plonk: 24, fflonk: 24 };

/**
 * The proof as the kit's IBatchVerifier adapters take it: groth16
 * `abi.encode(uint256[2], uint256[2][2], uint256[2])`, plonk `abi.encode(uint256[24])`,
 * fflonk `abi.encode(bytes32[24])` — the words in snarkjs's own calldata order.
 */
export async function encodeProof(p: Pick<Proof, "system" | "proof" | "publicSignals">): Promise<string> {
  const text: string =
    p.system === "fflonk"
      ? await snarkjs.fflonk.exportSolidityCallData(p.publicSignals, p.proof)
      : await snarkjs[p.system].exportSolidityCallData(p.proof, p.publicSignals);
  const words = (text.match(/0x[0-9a-fA-F]+/g) ?? []).slice(0, PROOF_WORDS[p.system]).map((w) => BigInt(w));
  if (words.length !== PROOF_WORDS[p.system])
    throw new Error(`unexpected ${p.system} calldata: ${text.slice(0, 80)}…`);
  const coder = AbiCoder.defaultAbiCoder();
  if (p.system === "groth16") {
    return coder.encode(
      ["uint256[2]", "uint256[2][2]", "uint256[2]"],
      [words.slice(0, 2), [words.slice(2, 4), words.slice(4, 6)], words.slice(6, 8)],
    );
  }
  return coder.encode(
    [p.system === "plonk" ? "uint256[24]" : "bytes32[24]"],
    [words.map((w) => "0x" + w.toString(16).padStart(64, "0"))],
  );
}

export interface WorkerProgress {
  (message: string): void;
}

/**
 * Proves in a separate process (src/zk/prove.worker.js), reporting snarkjs's progress
 * lines; this process's event loop stays free and the prover's memory is returned when it
 * ends. (Not a worker thread: ffjavascript cannot start its thread pool inside one.)
 */
export function proveInWorker(
  system: ProofSystem,
  input: CircuitInput,
  key: ProvingKey,
  onProgress?: WorkerProgress,
): Promise<Proof> {
  return new Promise((resolve, reject) => {
    // Plain JavaScript: no TypeScript loader (the parent's execArgv) to start.
    const child = fork(path.join(__dirname, "prove.worker.js"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: [],
    });
    // Settled when the process has exited (its threads stopped), with what it reported.
    let outcome: { result?: Proof; error?: string } | undefined;
    child.on("message", (m: { type: string; message?: string; result?: Proof; error?: string }) => {
      if (m.type === "progress" && m.message !== undefined) onProgress?.(m.message);
      else if (m.type === "done") outcome = { result: m.result };
      else if (m.type === "error") outcome = { error: m.error };
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (outcome?.result) resolve(outcome.result);
      else reject(new Error(outcome?.error ?? `prover process exited with code ${code}`));
    });
    child.send({ system, input, key });
  });
}
