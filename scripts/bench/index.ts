/**
 * `npm run bench [-- --quick] [--out DIR] [--report-only]`: measures the kit on this
 * machine and writes DIR/results.json (numbers only), DIR/details.json (every run, min and
 * max), DIR/REPORT.md and the charts (DIR/*.svg). DIR is `bench/` (full) or `bench/quick/`.
 *
 * Before the run it makes sure the keys it needs exist (built once, cached, timed apart):
 * `dev` and `tiny` as `npm run circuits:build` makes them, and, for the full run, Groth16
 * keys for `k8d20` and `k8d20x2` (the proving-time sweep) and PLONK/FFLONK keys for `dev`.
 * Those need the 2^17 prepared and 2^20 beacon-only development taus: generated into the
 * cache (`~/.cache/depin-kit/ptau`) the first time, about an hour on 2 cores.
 *
 * Each part that needs the chain runs as its own `hardhat run` process (scripts/bench/chain.ts);
 * proving and EdDSA run here; the demo runs as `hardhat run scripts/demo.ts`.
 */
import { spawn } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { createProgress } from "../../src/progress";
import { buildCircuits, wasmPath, zkeyPath } from "../../src/zk/build";
import { repoRoot, type CircuitName, type ProofSystem } from "../../src/zk/circuits";
import { releaseSnarkjs } from "../../src/zk/snarkjs";
import { benchEddsa } from "../bench-eddsa";
import { QUICK_OMITS, charts, renderReport, resultsOf, type DemoSummary, type Details } from "./report";
import { benchZk, r1csPath } from "./zk";

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const REPORT_ONLY = argv.includes("--report-only");
const outArg = argv.indexOf("--out");
const OUT = path.resolve(outArg >= 0 ? argv[outArg + 1] : path.join(repoRoot(), "bench", QUICK ? "quick" : ""));
for (const a of argv)
  if (a.startsWith("--") && !["--quick", "--report-only", "--out", "--omit", "--sweep"].includes(a))
    throw new Error(`unknown option ${a} (use --quick, --out DIR, --report-only, --omit KEY, --sweep A,B,C)`);
/** `--omit KEY` (repeatable): leave out one of the expensive figures (QUICK_OMITS), recorded in the report. */
const OMIT = argv.flatMap((a, i) => (a === "--omit" ? [argv[i + 1]] : []));
for (const k of OMIT)
  if (!QUICK_OMITS.includes(k)) throw new Error(`--omit ${k}: only ${QUICK_OMITS.join(", ")} can be left out`);
const sweepArg = argv.indexOf("--sweep");

function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}

async function chainPart(part: string, tmp: string): Promise<unknown> {
  const out = path.join(tmp, `${part}.json`);
  await run("npx", ["hardhat", "run", "scripts/bench/chain.ts"], {
    BENCH_PART: part,
    BENCH_OUT: out,
    BENCH_QUICK: QUICK ? "1" : "0",
  });
  return JSON.parse(await fs.readFile(out, "utf8"));
}

async function writeOutputs(details: Details) {
  await fs.mkdir(OUT, { recursive: true });
  const results = resultsOf(details);
  await fs.writeFile(path.join(OUT, "results.json"), JSON.stringify(results, null, 2) + "\n");
  await fs.writeFile(path.join(OUT, "REPORT.md"), renderReport(details));
  for (const [name, svg] of Object.entries(charts(details))) await fs.writeFile(path.join(OUT, name), svg);
  return results;
}

async function main() {
  if (REPORT_ONLY) {
    const details: Details = JSON.parse(await fs.readFile(path.join(OUT, "details.json"), "utf8"));
    await writeOutputs(details);
    console.log(`re-rendered ${OUT}/REPORT.md, results.json and charts from details.json`);
    return;
  }
  const sweep: CircuitName[] =
    sweepArg >= 0
      ? (argv[sweepArg + 1].split(",") as CircuitName[])
      : QUICK
        ? ["tiny", "dev"]
        : ["tiny", "dev", "k8d20", "k8d20x2"];
  if (!sweep.includes("dev") || (!QUICK && sweep.length < 3))
    throw new Error("--sweep: include dev, and at least three sizes in a full run");
  const devUniversal: ProofSystem[] = QUICK
    ? []
    : (["plonk", "fflonk"] as ProofSystem[]).filter(
        (s) => !OMIT.includes(s === "plonk" ? "prove.devPlonkMs" : "prove.devFflonkMs"),
      );
  const withDemo = !QUICK && !OMIT.includes("demo.wallSeconds");

  // Keys first (built once, cached; not part of the measured run).
  const setupStarted = performance.now();
  const needs: Partial<Record<CircuitName, ProofSystem[]>> = {
    tiny: ["groth16", "plonk", "fflonk"],
    dev: ["groth16", ...devUniversal],
    k8d20: sweep.includes("k8d20") ? ["groth16"] : [],
    k8d20x2: sweep.includes("k8d20x2") ? ["groth16"] : [],
    prod: [],
  };
  const missing = (Object.entries(needs) as [CircuitName, ProofSystem[]][]).filter(
    ([name, systems]) =>
      !existsSync(r1csPath(name)) ||
      systems.some((s) => !existsSync(wasmPath(name, s)) || !existsSync(zkeyPath(name, s))),
  );
  if (missing.length > 0) {
    process.stderr.write(`building keys for ${missing.map(([n, s]) => `${n} [${s.join(", ")}]`).join(", ")}\n`);
    await buildCircuits({
      configs: missing.map(([name]) => name),
      systems: Object.fromEntries(missing),
    });
    await releaseSnarkjs();
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "depin-bench-"));
  const parts = ["identity", "settlement", "claims", "selection", "zk", "eddsa", "ingest", ...(withDemo ? ["demo"] : [])];
  const progress = createProgress(`bench (${QUICK ? "quick" : "full"})`, parts.length);
  const partSeconds: Record<string, number> = {};
  const got: Record<string, unknown> = {};
  try {
    for (const part of parts) {
      progress.step(part);
      const t0 = performance.now();
      if (part === "zk") {
        got.zk = await benchZk({
          sweep,
          devUniversal,
          runs: QUICK ? 3 : 5,
          sweepRuns: 3,
          universalRuns: 3,
          onStep: (s) => process.stderr.write(`    ${s}\n`),
        });
      } else if (part === "eddsa") {
        got.eddsa = await benchEddsa(QUICK ? 1 : 3, QUICK ? 3 : 5);
      } else if (part === "demo") {
        const file = path.join(tmp, "demo.json");
        await run("npx", ["hardhat", "run", "scripts/demo.ts"], { DEMO_SUMMARY: file });
        const demo: DemoSummary = JSON.parse(await fs.readFile(file, "utf8"));
        if (demo.unexpected > 0) throw new Error(`the demo saw ${demo.unexpected} unexpected answers`);
        got.demo = demo;
      } else {
        got[part] = await chainPart(part, tmp);
      }
      partSeconds[part] = (performance.now() - t0) / 1000;
    }
    progress.done();
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  const cpus = os.cpus();
  const details = {
    meta: {
      date: new Date().toISOString(),
      quick: QUICK,
      omitted: QUICK ? [...QUICK_OMITS] : OMIT,
      node: process.version,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      memoryGiB: os.totalmem() / 2 ** 30,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      partSeconds,
      setupSeconds,
    },
    ...got,
  } as Details;
  await fs.mkdir(OUT, { recursive: true });
  await fs.writeFile(path.join(OUT, "details.json"), JSON.stringify(details, null, 2) + "\n");
  const results = await writeOutputs(details);
  console.log(JSON.stringify(results, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), OUT) || "."}/{results.json,details.json,REPORT.md,*.svg}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
