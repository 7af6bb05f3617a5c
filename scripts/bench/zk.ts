/**
 * Bench part: constraint counts and proving times (a child process of scripts/bench/index.ts;
 * `npx ts-node scripts/bench/zk.ts --out FILE [--quick]`).
 *
 * - Constraint counts are read from the compiled R1CS files' headers.
 * - Proving times are wall times seen by the caller, as a prover runs it: each proof in a
 *   fresh process (src/zk/prove.ts `proveInWorker`), median of several runs after a
 *   warm-up. The baseline is plain `snarkjs groth16 fullprove` (its CLI, also a fresh
 *   process) on the same input, wasm and key, interleaved with ours in the same run.
 * - Witness speed: the dev circuit's witness computed in this process (snarkjs
 *   `wtns.calculate`, the circom WebAssembly), constraints per second.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { wasmPath, zkeyPath } from "../../src/zk/build";
import type { CircuitInput } from "../../src/zk/batch";
import { repoRoot, type CircuitName, type ProofSystem } from "../../src/zk/circuits";
import { proveInWorker } from "../../src/zk/prove";
import { sampleBatchFor } from "../../src/zk/sample";
import { releaseSnarkjs, snarkjs } from "../../src/zk/snarkjs";
import { timing, type Timing } from "./stats";

/** nConstraints from an .r1cs file's header section (iden3 binary format). */
export async function r1csConstraints(file: string): Promise<number> {
  const fd = await fs.open(file, "r");
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.toString("ascii", 0, 4) !== "r1cs") throw new Error(`${file} is not an R1CS file`);
    const sections = head.readUInt32LE(8);
    let pos = 12;
    for (let i = 0; i < sections; i++) {
      const sh = Buffer.alloc(12);
      await fd.read(sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      if (type === 1) {
        const fieldSize = Buffer.alloc(4);
        await fd.read(fieldSize, 0, 4, pos + 12);
        const n8 = fieldSize.readUInt32LE(0);
        // fieldSize, prime, nWires, nPubOut, nPubIn, nPrvIn, nLabels (u64), nConstraints
        const at = pos + 12 + 4 + n8 + 16 + 8;
        const c = Buffer.alloc(4);
        await fd.read(c, 0, 4, at);
        return c.readUInt32LE(0);
      }
      pos += 12 + size;
    }
    throw new Error(`${file}: no header section`);
  } finally {
    await fd.close();
  }
}

export const r1csPath = (name: CircuitName) =>
  path.join(repoRoot(), "circuits", "build", name, "O2", `${name}.r1cs`);

const jsonInput = (input: CircuitInput) =>
  JSON.stringify(input, (_, v) => (typeof v === "bigint" ? v.toString() : v));

function runCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const cli = path.join(path.dirname(require.resolve("snarkjs")), "cli.cjs");
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`snarkjs exited ${code}: ${err}`))));
  });
}

export interface ZkBench {
  constraints: Partial<Record<CircuitName, number>>;
  /** Ours (fresh prover process, as provers run it): `config.system` → timing. */
  prove: Record<string, Timing & { constraints: number }>;
  rawSnarkjsDevGroth16: Timing;
  witness: Timing & { constraintsPerSec: number };
}

export interface ZkBenchOptions {
  /** Groth16 sweep: configurations proved for proving time against constraints. */
  sweep: CircuitName[];
  /** PLONK/FFLONK on dev (keys built by the bench, full run only). */
  devUniversal: ProofSystem[];
  /** Runs of ours against the snarkjs CLI on dev Groth16. */
  runs: number;
  sweepRuns: number;
  universalRuns: number;
  onStep?: (label: string) => void;
}

export async function benchZk(o: ZkBenchOptions): Promise<ZkBench> {
  const step = o.onStep ?? (() => {});
  const constraints: Partial<Record<CircuitName, number>> = {};
  for (const name of ["tiny", "dev", "k8d20", "k8d20x2", "prod"] as CircuitName[]) {
    constraints[name] = await r1csConstraints(r1csPath(name));
  }
  const prove: ZkBench["prove"] = {};
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "depin-bench-zk-"));
  try {
    /**
     * Each proof runs in a fresh process, so a warm-up only brings the files into the page
     * cache: for PLONK and FFLONK on dev (1–2 min a proof) it reads the key once instead of
     * proving with it.
     */
    async function ours(name: CircuitName, system: ProofSystem, runs: number, fullWarmUp = true) {
      const input = sampleBatchFor(name).input;
      const key = { wasm: wasmPath(name, system), zkey: zkeyPath(name, system) };
      const one = async () => {
        const t0 = performance.now();
        await proveInWorker(system, input, key);
        return performance.now() - t0;
      };
      step(`${name} ${system}: warm-up`);
      if (fullWarmUp) await one();
      else for (const file of [key.wasm, key.zkey]) await fs.readFile(file);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        step(`${name} ${system}: run ${i + 1}/${runs}`);
        times.push(await one());
      }
      prove[`${name}.${system}`] = { ...timing(times), constraints: constraints[name]! };
    }

    // dev Groth16: ours and plain snarkjs, interleaved so that drift hits both alike.
    const input = sampleBatchFor("dev").input;
    const inputFile = path.join(tmp, "input.json");
    await fs.writeFile(inputFile, jsonInput(input));
    const key = { wasm: wasmPath("dev", "groth16"), zkey: zkeyPath("dev", "groth16") };
    const raw = async () => {
      const t0 = performance.now();
      await runCli([
        "groth16",
        "fullprove",
        inputFile,
        key.wasm,
        key.zkey,
        path.join(tmp, "proof.json"),
        path.join(tmp, "public.json"),
      ]);
      return performance.now() - t0;
    };
    const oursOnce = async () => {
      const t0 = performance.now();
      await proveInWorker("groth16", input, key);
      return performance.now() - t0;
    };
    step("dev groth16 vs snarkjs CLI: warm-up");
    await oursOnce();
    await raw();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      step(`dev groth16 vs snarkjs CLI: run ${i + 1}/${o.runs}`);
      a.push(await oursOnce());
      b.push(await raw());
    }
    prove["dev.groth16"] = { ...timing(a), constraints: constraints.dev! };
    const rawSnarkjsDevGroth16 = timing(b);
    // The CLI's proof must verify: the baseline did the same work.
    const vkey = await snarkjs.zKey.exportVerificationKey(key.zkey);
    const ok = await snarkjs.groth16.verify(
      vkey,
      JSON.parse(await fs.readFile(path.join(tmp, "public.json"), "utf8")),
      JSON.parse(await fs.readFile(path.join(tmp, "proof.json"), "utf8")),
    );
    if (!ok) throw new Error("the snarkjs CLI's proof does not verify");

    for (const name of o.sweep) if (name !== "dev") await ours(name, "groth16", o.sweepRuns);
    for (const system of o.devUniversal) await ours("dev", system, o.universalRuns, false);

    // Witness generation alone, in this process.
    const wtns = { type: "mem" };
    step("dev witness");
    const w: number[] = [];
    await snarkjs.wtns.calculate(input, key.wasm, wtns);
    for (let i = 0; i < Math.max(5, o.runs); i++) {
      const t0 = performance.now();
      await snarkjs.wtns.calculate(input, key.wasm, { type: "mem" });
      w.push(performance.now() - t0);
    }
    const wt = timing(w);
    return {
      constraints,
      prove,
      rawSnarkjsDevGroth16,
      witness: { ...wt, constraintsPerSec: constraints.dev! / (wt.median / 1000) },
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
    await releaseSnarkjs();
  }
}
