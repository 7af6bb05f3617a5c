/**
 * Powers of tau, by DESIGN.md §7. Never downloaded. Looked up, in order:
 *   1. `$DEPIN_PTAU_DIR/dev_<k>.ptau` (prepared) — CI points it at ../shared/ptau; files
 *      are checked against the directory's SHA256SUMS when it has one;
 *   2. the project's cache outside the repository, `~/.cache/depin-kit/ptau`
 *      (`$DEPIN_CACHE_DIR/ptau`);
 *   3. generated into the cache with the recipe, with a progress display:
 *      `powersoftau new bn128 k`, `powersoftau beacon <hash> 10`, and for a prepared file
 *      `powersoftau prepare phase2`.
 * FFLONK reads only the tau powers (section 2), which the first two steps provide, so a
 * larger "beacon-only" file (`dev_<k>.beacon.ptau`) serves it without the slow phase-2
 * preparation; a prepared file of the same power has the same section 2.
 *
 * Every file made this way is INSECURE, DEVELOPMENT ONLY: the beacon is public, so the
 * toxic waste is known. Production passes a ceremony file by path.
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { snarkjs, silentLogger, type SnarkLogger } from "./snarkjs";

export const BEACON_HASH = "56fa6b94035142754c1b6310cee43ef119c4f21a7e8d48867526c41aea5501c4";
export const BEACON_ITERATIONS = 10;
export const BEACON_NAME = "depin-kit dev beacon";

export const INSECURE_NOTICE =
  "INSECURE, DEVELOPMENT ONLY: development powers of tau and keys from a public beacon " +
  "(DESIGN.md §7); anyone can forge proofs for them. Pass a ceremony file for production.";

export type PtauKind = "prepared" | "beacon";

export interface PtauFile {
  path: string;
  power: number;
  kind: PtauKind;
  origin: "env" | "cache" | "generated" | "ceremony";
}

export interface PtauProgress {
  step(label: string, index: number, total: number): void;
  logger: SnarkLogger;
}

export function cacheDir(): string {
  return path.join(process.env.DEPIN_CACHE_DIR ?? path.join(os.homedir(), ".cache", "depin-kit"), "ptau");
}

function fileName(power: number, kind: PtauKind): string {
  return kind === "prepared" ? `dev_${power}.ptau` : `dev_${power}.beacon.ptau`;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Checks `file` against SHA256SUMS in its directory, if there is one. */
async function checkSum(file: string): Promise<void> {
  const sums = path.join(path.dirname(file), "SHA256SUMS");
  if (!(await exists(sums))) return;
  const line = (await fs.readFile(sums, "utf8"))
    .split("\n")
    .find((l) => l.trim().endsWith(path.basename(file)));
  if (line === undefined) return;
  const expected = line.trim().split(/\s+/)[0];
  const actual = await sha256File(file);
  if (actual !== expected)
    throw new Error(`${file}: sha256 ${actual} does not match SHA256SUMS (${expected})`);
}

/** Candidate files of at least `power`: for FFLONK any kind serves, for the rest only prepared. */
async function lookup(
  dir: string,
  power: number,
  kind: PtauKind,
  maxPower: number,
): Promise<string | undefined> {
  for (let k = power; k <= maxPower; k++) {
    // Exact power first; FFLONK may use a larger file (its keys then depend on that file).
    const kinds: PtauKind[] = kind === "beacon" ? ["beacon", "prepared"] : ["prepared"];
    for (const kd of kinds) {
      const f = path.join(dir, fileName(k, kd));
      if (await exists(f)) return f;
    }
    if (kind === "prepared") break; // Groth16/PLONK keys must come from the pinned power.
  }
  return undefined;
}

/**
 * A powers-of-tau file of exactly `power` (prepared) or, for `kind: "beacon"`, of
 * `power` with section 2, from the env directory, the cache, or generated.
 */
export async function devPtau(power: number, kind: PtauKind, progress?: PtauProgress): Promise<PtauFile> {
  const envDir = process.env.DEPIN_PTAU_DIR;
  if (envDir !== undefined && envDir !== "") {
    const f = await lookup(envDir, power, kind, power);
    if (f !== undefined) {
      await checkSum(f);
      return { path: f, power, kind: f.endsWith(".beacon.ptau") ? "beacon" : "prepared", origin: "env" };
    }
  }
  const cache = cacheDir();
  const cached = await lookup(cache, power, kind, power);
  if (cached !== undefined) {
    return {
      path: cached,
      power,
      kind: cached.endsWith(".beacon.ptau") ? "beacon" : "prepared",
      origin: "cache",
    };
  }
  await fs.mkdir(cache, { recursive: true });
  return generate(power, kind, cache, progress);
}

/** Section types present in a .ptau file (binfileutils layout: magic, version, n, sections). */
export async function ptauSections(file: string): Promise<number[]> {
  const fd = await fs.open(file, "r");
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.toString("ascii", 0, 4) !== "ptau") throw new Error(`${file} is not a .ptau file`);
    const n = head.readUInt32LE(8);
    const types: number[] = [];
    let pos = 12;
    const h = Buffer.alloc(12);
    for (let i = 0; i < n; i++) {
      await fd.read(h, 0, 12, pos);
      types.push(h.readUInt32LE(0));
      pos += 12 + Number(h.readBigUInt64LE(4));
    }
    return types;
  } finally {
    await fd.close();
  }
}

/**
 * snarkjs 0.7.6's `fflonk setup` refuses a file without section 12 (the phase-2 Lagrange
 * points) although it reads only sections 2 and 3 (src/fflonk_setup.js: section 12 is only
 * tested for presence). For a beacon-only file this returns a copy with an empty section 12
 * appended — the tau powers are untouched, so the keys equal those from a prepared file of
 * the same power (tested). A file that has section 12 is returned as it is.
 */
export async function fflonkReadyPtau(ptau: PtauFile): Promise<PtauFile> {
  if ((await ptauSections(ptau.path)).includes(12)) return ptau;
  const dir = cacheDir();
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, path.basename(ptau.path).replace(/(\.beacon)?\.ptau$/, ".fflonk.ptau"));
  if (!(await exists(target))) {
    const tmp = `${target}.tmp-${process.pid}`;
    await fs.copyFile(ptau.path, tmp);
    const fd = await fs.open(tmp, "r+");
    try {
      const head = Buffer.alloc(4);
      await fd.read(head, 0, 4, 8);
      head.writeUInt32LE(head.readUInt32LE(0) + 1);
      await fd.write(head, 0, 4, 8);
      const section = Buffer.alloc(12);
      section.writeUInt32LE(12, 0);
      section.writeBigUInt64LE(0n, 4);
      const { size } = await fd.stat();
      await fd.write(section, 0, 12, size);
    } finally {
      await fd.close();
    }
    await fs.rename(tmp, target);
  }
  return { ...ptau, path: target };
}

async function generate(
  power: number,
  kind: PtauKind,
  dir: string,
  progress?: PtauProgress,
): Promise<PtauFile> {
  const logger = progress?.logger ?? silentLogger;
  const steps = kind === "prepared" ? 3 : 2;
  const tmp = path.join(dir, `.tmp-${process.pid}-${power}`);
  const p0 = `${tmp}.0.ptau`;
  const p1 = `${tmp}.1.ptau`;
  const p2 = `${tmp}.2.ptau`;
  const target = path.join(dir, fileName(power, kind));
  const beaconFile = path.join(dir, fileName(power, "beacon"));
  try {
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    if (await exists(beaconFile)) {
      await fs.copyFile(beaconFile, p1);
    } else {
      progress?.step(`powersoftau new bn128 ${power}`, 1, steps);
      await snarkjs.powersOfTau.newAccumulator(curve, power, p0, logger);
      progress?.step(`powersoftau beacon (${BEACON_ITERATIONS} iterations)`, 2, steps);
      await snarkjs.powersOfTau.beacon(p0, p1, BEACON_NAME, BEACON_HASH, BEACON_ITERATIONS, logger);
      // Cache files appear whole or not at all: written aside, then renamed.
      await fs.copyFile(p1, p0);
      await fs.rename(p0, beaconFile);
    }
    if (kind === "prepared") {
      progress?.step("powersoftau prepare phase2 (slow)", 3, steps);
      await snarkjs.powersOfTau.preparePhase2(p1, p2, logger);
      await fs.rename(p2, target);
    }
  } finally {
    await fs.rm(p0, { force: true });
    await fs.rm(p1, { force: true });
    await fs.rm(p2, { force: true });
  }
  return { path: kind === "prepared" ? target : beaconFile, power, kind, origin: "generated" };
}
