/**
 * Setup and proving time per proof system, from the keys `npm run circuits:build` made:
 *   npx ts-node scripts/bench-zk.ts [--runs 3] [--setup]
 * Proving: median (min–max) of --runs full proofs (witness + proof) after one warm-up, in
 * this process with every core. --setup also times each key setup from scratch into a
 * temporary directory (same tau files as the build).
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { sampleBatchFor } from "../src/zk/sample";
import { CONSTRAINTS_FILE, wasmPath, zkeyPath, type ConstraintsFile } from "../src/zk/build";
import {
  CIRCUIT_CONFIGS,
  optimizationFor,
  repoRoot,
  type CircuitName,
  type ProofSystem,
} from "../src/zk/circuits";
import { prove } from "../src/zk/prove";
import { BEACON_HASH, BEACON_ITERATIONS, BEACON_NAME, devPtau, fflonkReadyPtau } from "../src/zk/ptau";
import { releaseSnarkjs, silentLogger, snarkjs } from "../src/zk/snarkjs";

const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf("--runs") + 1] || 3);
const SETUP = argv.includes("--setup");

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

export async function benchZk(runs = RUNS, setup = SETUP) {
  const root = repoRoot();
  const pinned: ConstraintsFile = JSON.parse(await fs.readFile(path.join(root, CONSTRAINTS_FILE), "utf8"));
  const results: Record<string, unknown> = {};
  for (const [name, config] of Object.entries(CIRCUIT_CONFIGS) as [
    CircuitName,
    (typeof CIRCUIT_CONFIGS)[CircuitName],
  ][]) {
    for (const system of config.systems as readonly ProofSystem[]) {
      const key = { wasm: wasmPath(name, system), zkey: zkeyPath(name, system) };
      const input = sampleBatchFor(name).input;
      await prove(system, input, key); // warm-up
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push((await prove(system, input, key)).ms);
      const entry: Record<string, unknown> = {
        prove: stats(times),
        constraints: pinned[name].r1cs,
        plonkGates: pinned[name].plonkGates,
      };
      if (setup) entry.setupMs = await timeSetup(name, system, pinned);
      results[`${name}.${system}`] = entry;
    }
  }
  await releaseSnarkjs();
  return results;
}

async function timeSetup(name: CircuitName, system: ProofSystem, pinned: ConstraintsFile): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "depin-setup-"));
  const r1cs = path.join(
    repoRoot(),
    "circuits",
    "build",
    name,
    `O${optimizationFor(system)}`,
    `${name}.r1cs`,
  );
  const power = pinned[name].ptauPower![system]!;
  const zkey = path.join(dir, "k.zkey");
  const started = performance.now();
  if (system === "groth16") {
    const ptau = await devPtau(power, "prepared");
    await snarkjs.zKey.newZKey(r1cs, ptau.path, `${zkey}.0`, silentLogger);
    await snarkjs.zKey.beacon(`${zkey}.0`, zkey, BEACON_NAME, BEACON_HASH, BEACON_ITERATIONS, silentLogger);
  } else if (system === "plonk") {
    await snarkjs.plonk.setup(r1cs, (await devPtau(power, "prepared")).path, zkey, silentLogger);
  } else {
    await snarkjs.fflonk.setup(
      r1cs,
      (await fflonkReadyPtau(await devPtau(power, "beacon"))).path,
      zkey,
      silentLogger,
    );
  }
  const ms = performance.now() - started;
  await fs.rm(dir, { recursive: true, force: true });
  return ms;
}

if (require.main === module) {
  benchZk().then((r) => {
    for (const [k, v] of Object.entries(r)) {
      const e = v as {
        prove: { median: number; min: number; max: number };
        setupMs?: number;
        constraints: number;
      };
      const f = (x: number) => `${(x / 1000).toFixed(2)} s`;
      console.log(
        `${k.padEnd(16)} ${String(e.constraints).padStart(7)} constraints  prove ${f(e.prove.median)} (${f(e.prove.min)}–${f(e.prove.max)})` +
          (e.setupMs !== undefined ? `  setup ${f(e.setupMs)}` : ""),
      );
    }
  });
}
