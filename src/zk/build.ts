/**
 * The circuit build pipeline (`npm run circuits:build`, `npm run circuits:check`):
 *
 *   compile every configuration with circom2 (`--O2`; `--O1` too where PLONK/FFLONK keys
 *   are made) → powers of tau by DESIGN.md §7 (src/zk/ptau.ts) → deterministic keys
 *   (Groth16: `zkey new` + `zkey beacon`; PLONK and FFLONK: `setup`) → verification keys and
 *   Solidity verifiers in contracts/verifiers/generated/, constraint counts in
 *   circuits/constraints.json.
 *
 * Each key uses the tau file of the power its circuit needs, exactly, so the outputs are a
 * function of the sources alone and can be committed and checked. Steps whose inputs did
 * not change (hashed) are skipped.
 */
import { createHash } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";

import circom2Package from "circom2/package.json";

import { createProgress, progressLogger, type Progress } from "../progress";
import { PUBLIC_SIGNAL_NAMES } from "./batch";
import {
  CIRCUIT_CONFIGS,
  compileCircuit,
  optimizationFor,
  repoRoot,
  type CircuitConfig,
  type CircuitName,
  type Optimization,
  type ProofSystem,
} from "./circuits";
import {
  BEACON_HASH,
  BEACON_ITERATIONS,
  BEACON_NAME,
  INSECURE_NOTICE,
  devPtau,
  fflonkReadyPtau,
  sha256File,
  type PtauFile,
} from "./ptau";
import { releaseSnarkjs, snarkjs, type SnarkLogger } from "./snarkjs";

export const GENERATED_DIR = path.join("contracts", "verifiers", "generated");
export const CONSTRAINTS_FILE = path.join("circuits", "constraints.json");

export interface ConstraintRecord {
  shape: { R: number; D: number; K: number; depth: number };
  /** R1CS constraints after `--O2` (what Groth16 proves). */
  r1cs: number;
  /** R1CS constraints after `--O1` (input of PLONK/FFLONK), where built. */
  r1csO1?: number;
  /** PLONK gates of the `--O1` R1CS, where built. */
  plonkGates?: number;
  /** The tau power each system's keys come from. */
  ptauPower?: Partial<Record<ProofSystem, number>>;
}

export type ConstraintsFile = Record<string, ConstraintRecord>;

export interface BuildOptions {
  configs?: CircuitName[];
  /** A production ceremony file: used for every key instead of the development files. */
  ceremonyPtau?: string;
  root?: string;
  progress?: boolean;
  /**
   * Proof systems per configuration instead of CIRCUIT_CONFIGS' (the benchmark sets up PLONK
   * and FFLONK for `dev`, which ships only a Groth16 verifier). Keys land in the usual place.
   */
  systems?: Partial<Record<CircuitName, readonly ProofSystem[]>>;
}

export interface BuildResult {
  constraints: ConstraintsFile;
  /** Files written under contracts/verifiers/generated/ and circuits/. */
  outputs: Record<string, string>;
}

const pascal = (s: string) => s.replace(/(^|[_-])(\w)/g, (_, __, c: string) => c.toUpperCase());
const SYSTEM_CONTRACT: Record<ProofSystem, string> = {
  groth16: "Groth16Verifier",
  plonk: "PlonkVerifier",
  fflonk: "FflonkVerifier",
};

export function verifierContractName(config: string, system: ProofSystem): string {
  return `${pascal(config)}${SYSTEM_CONTRACT[system]}`;
}

export function zkeyPath(config: string, system: ProofSystem, root = repoRoot()): string {
  return path.join(root, "circuits", "build", config, `${system}.zkey`);
}

export function wasmPath(config: string, system: ProofSystem, root = repoRoot()): string {
  const o = optimizationFor(system);
  return path.join(root, "circuits", "build", config, `O${o}`, `${config}_js`, `${config}.wasm`);
}

/** floor(log2(x)) + 1 for x - 1, as snarkjs computes circuit powers. */
function cirPower(n: number): number {
  return Math.floor(Math.log2(n - 1)) + 1;
}

async function hashFiles(files: string[], extra: string): Promise<string> {
  const h = createHash("sha256");
  h.update(extra);
  for (const f of files) h.update(await fs.readFile(f));
  return h.digest("hex");
}

async function circuitSources(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["circuits/src", "circuits/lib"]) {
    for (const f of (await fs.readdir(path.join(root, dir))).sort())
      if (f.endsWith(".circom")) out.push(path.join(root, dir, f));
  }
  return out;
}

async function readIf(file: string): Promise<string | undefined> {
  return fs.readFile(file, "utf8").catch(() => undefined);
}

/** Runs `fn` unless `stamp` holds `hash` and `outputs` exist; then records the hash. */
async function cached(
  stamp: string,
  hash: string,
  outputs: string[],
  fn: () => Promise<void>,
): Promise<boolean> {
  const have =
    (await readIf(stamp)) === hash &&
    (
      await Promise.all(
        outputs.map((o) =>
          fs.access(o).then(
            () => true,
            () => false,
          ),
        ),
      )
    ).every(Boolean);
  if (have) return false;
  await fn();
  await fs.mkdir(path.dirname(stamp), { recursive: true });
  await fs.writeFile(stamp, hash);
  return true;
}

/** PLONK gate count of an R1CS, as snarkjs's setup logs it (probed with a small tau file). */
async function plonkGates(r1cs: string, probePtau: string): Promise<number> {
  let gates: number | undefined;
  const logger: SnarkLogger = {
    log() {},
    debug() {},
    warn() {},
    error() {},
    info(msg: string) {
      const m = /Plonk constraints: (\d+)/.exec(msg);
      if (m) gates = Number(m[1]);
    },
  };
  await snarkjs.plonk
    .setup(r1cs, probePtau, path.join(path.dirname(r1cs), "probe.zkey"), logger)
    .catch(() => undefined);
  await fs.rm(path.join(path.dirname(r1cs), "probe.zkey"), { force: true });
  if (gates === undefined) throw new Error(`could not count PLONK gates of ${r1cs}`);
  return gates;
}

function templates(): Record<ProofSystem, string> {
  // snarkjs does not export its package.json: its main file is build/main.cjs.
  const dir = path.join(path.dirname(require.resolve("snarkjs")), "..", "templates");
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  return {
    groth16: read("verifier_groth16.sol.ejs"),
    plonk: read("verifier_plonk.sol.ejs"),
    fflonk: read("verifier_fflonk.sol.ejs"),
  };
}

function verifierSource(generated: string, config: string, system: ProofSystem, ptau: PtauFile): string {
  const name = verifierContractName(config, system);
  const body = generated.replace(new RegExp(`contract ${SYSTEM_CONTRACT[system]}\\b`), `contract ${name}`);
  const origin =
    ptau.origin === "ceremony"
      ? `ceremony file ${path.basename(ptau.path)}`
      : `development tau 2^${ptau.power} (${INSECURE_NOTICE})`;
  return [
    `// GENERATED by \`npm run circuits:build\` (src/zk/build.ts) with snarkjs 0.7.6 from circuit`,
    `// configuration "${config}" and ${origin}`,
    "// Do not edit: `npm run circuits:check` fails when this file drifts.",
    body,
  ].join("\n");
}

/** Builds every requested configuration; returns the constraint counts and written files. */
export async function buildCircuits(options: BuildOptions = {}): Promise<BuildResult> {
  const root = options.root ?? repoRoot();
  const names = options.configs ?? (Object.keys(CIRCUIT_CONFIGS) as CircuitName[]);
  const sources = await circuitSources(root);
  const sourceHash = await hashFiles(sources, circom2Package.version);
  const constraints: ConstraintsFile = {};
  const outputs: Record<string, string> = {};
  const ceremony: PtauFile | undefined =
    options.ceremonyPtau === undefined
      ? undefined
      : { path: options.ceremonyPtau, power: 0, kind: "prepared", origin: "ceremony" };

  function configFor(name: CircuitName): CircuitConfig {
    const systems = options.systems?.[name];
    return systems === undefined ? CIRCUIT_CONFIGS[name] : { ...CIRCUIT_CONFIGS[name], systems };
  }
  const totalSteps = names.reduce((n, name) => {
    const c: CircuitConfig = configFor(name);
    return n + 1 + (c.systems.some((s) => s !== "groth16") ? 1 : 0) + c.systems.length;
  }, 0);
  const progress: Progress = createProgress("circuits:build", totalSteps);
  const logger = progressLogger(progress);
  if (ceremony === undefined) process.stderr.write(`note: ${INSECURE_NOTICE}\n`);

  try {
    for (const name of names) {
      const config: CircuitConfig = configFor(name);
      const needsWasm = config.systems.length > 0;
      const compiled: Partial<Record<Optimization, { r1cs: string; constraints: number }>> = {};
      for (const o of [2, 1] as Optimization[]) {
        if (o === 1 && !config.systems.some((s) => optimizationFor(s) === 1)) continue;
        progress.step(`compile ${name} --O${o}`);
        const dir = path.join(root, "circuits", "build", name, `O${o}`);
        const stamp = path.join(dir, ".source-hash");
        const countFile = path.join(dir, "constraints.txt");
        const hash = `${sourceHash}:${JSON.stringify([config.R, config.D, config.K, config.depth, needsWasm])}`;
        const r1cs = path.join(dir, `${name}.r1cs`);
        await cached(stamp, hash, [r1cs, countFile], async () => {
          const c = await compileCircuit(name, config, o, { wasm: needsWasm, root });
          await fs.writeFile(countFile, String(c.constraints));
        });
        compiled[o] = { r1cs, constraints: Number(await fs.readFile(countFile, "utf8")) };
      }
      const record: ConstraintRecord = {
        shape: { R: config.R, D: config.D, K: config.K, depth: config.depth },
        r1cs: compiled[2]!.constraints,
      };
      if (compiled[1] !== undefined) record.r1csO1 = compiled[1].constraints;

      for (const system of config.systems) {
        progress.step(`${system} setup ${name}`);
        const r1cs = compiled[optimizationFor(system)]!.r1cs;
        let power: number;
        let ptau: PtauFile;
        if (system === "groth16") {
          power = cirPower(record.r1cs + PUBLIC_SIGNAL_NAMES.length + 1);
          ptau = ceremony ?? (await devPtau(power, "prepared", { step: (l) => progress.detail(l), logger }));
        } else {
          const probe =
            ceremony ?? (await devPtau(12, "prepared", { step: (l) => progress.detail(l), logger }));
          record.plonkGates ??= await plonkGates(r1cs, probe.path);
          const domainPower = cirPower(record.plonkGates + (system === "fflonk" ? 2 : 0));
          if (system === "plonk") {
            power = domainPower;
            ptau =
              ceremony ?? (await devPtau(power, "prepared", { step: (l) => progress.detail(l), logger }));
          } else {
            // FFLONK reads 9·domain + 18 tau powers; a file of power k holds 2^(k+1) - 1.
            const needed = 9 * 2 ** Math.max(domainPower, 4) + 18;
            power = Math.ceil(Math.log2(needed + 1)) - 1;
            ptau = await fflonkReadyPtau(
              ceremony ?? (await devPtau(power, "beacon", { step: (l) => progress.detail(l), logger })),
            );
          }
        }
        (record.ptauPower ??= {})[system] = ceremony === undefined ? power : undefined;
        const zkey = zkeyPath(name, system, root);
        const stamp = `${zkey}.inputs`;
        const hash = await hashFiles(
          [r1cs],
          `${system}:${ptau.origin === "ceremony" ? await sha256File(ptau.path) : `${ptau.power}:${ptau.kind}`}`,
        );
        await cached(stamp, hash, [zkey], async () => {
          progress.detail(`${system} keys from ${path.basename(ptau.path)}`);
          if (system === "groth16") {
            const initial = `${zkey}.0`;
            await snarkjs.zKey.newZKey(r1cs, ptau.path, initial, logger);
            await snarkjs.zKey.beacon(initial, zkey, BEACON_NAME, BEACON_HASH, BEACON_ITERATIONS, logger);
            await fs.rm(initial, { force: true });
          } else if (system === "plonk") {
            await snarkjs.plonk.setup(r1cs, ptau.path, zkey, logger);
          } else {
            await snarkjs.fflonk.setup(r1cs, ptau.path, zkey, logger);
          }
        });
        const vkey = await snarkjs.zKey.exportVerificationKey(zkey, logger);
        const solidity = await snarkjs.zKey.exportSolidityVerifier(zkey, templates(), logger);
        const base = path.join(root, GENERATED_DIR, verifierContractName(name, system));
        outputs[`${base}.sol`] = verifierSource(solidity, name, system, ptau);
        outputs[path.join(root, GENERATED_DIR, `${name}.${system}.vkey.json`)] =
          JSON.stringify(vkey, null, 2) + "\n";
      }
      constraints[name] = record;
    }
    progress.done();
  } finally {
    await releaseSnarkjs();
  }
  return { constraints, outputs };
}

/** Per-message constraints at K = 8, depth 20: the cost of one 8-message slot, state update included. */
export function constraintsPerMessage(c: ConstraintsFile): number | undefined {
  if (c.k8d20 === undefined || c.k8d20x2 === undefined) return undefined;
  return (c.k8d20x2.r1cs - c.k8d20.r1cs) / c.k8d20.shape.K;
}
