/**
 * The development powers of tau (DESIGN.md §7): the recipe reproduces the shared files,
 * lookups prefer the env directory and check its SHA256SUMS, and the beacon-only file
 * with an empty section 12 gives FFLONK the same keys as a prepared file.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import { CIRCOM_CLI } from "../../src/zk/circuits";
import { devPtau, fflonkReadyPtau, ptauSections, sha256File } from "../../src/zk/ptau";
import { releaseSnarkjs, silentLogger, snarkjs } from "../../src/zk/snarkjs";

const SHARED = process.env.DEPIN_PTAU_DIR ?? path.resolve(__dirname, "../../../shared/ptau");
const POWER = 12;
const TIMEOUT_MS = 300_000;

/** The bytes of one section of a .ptau file. */
async function section(file: string, type: number): Promise<Buffer> {
  const data = await fs.readFile(file);
  let pos = 12;
  for (let i = 0; i < data.readUInt32LE(8); i++) {
    const t = data.readUInt32LE(pos);
    const size = Number(data.readBigUInt64LE(pos + 4));
    if (t === type) return data.subarray(pos + 12, pos + 12 + size);
    pos += 12 + size;
  }
  throw new Error(`no section ${type} in ${file}`);
}

describe("development powers of tau", function () {
  this.timeout(TIMEOUT_MS);
  let cache: string;
  const saved = { ...process.env };

  before(async function () {
    cache = await fs.mkdtemp(path.join(os.tmpdir(), "depin-ptau-"));
    process.env.DEPIN_CACHE_DIR = cache;
  });
  after(async function () {
    process.env.DEPIN_CACHE_DIR = saved.DEPIN_CACHE_DIR;
    process.env.DEPIN_PTAU_DIR = saved.DEPIN_PTAU_DIR;
    await releaseSnarkjs();
  });

  it("generates the tau powers of the shared file byte for byte, into the cache", async function () {
    process.env.DEPIN_PTAU_DIR = "";
    const generated = await devPtau(POWER, "beacon");
    expect(generated.origin).to.equal("generated");
    expect(path.dirname(generated.path)).to.equal(path.join(cache, "ptau"));
    const shared = path.join(SHARED, `dev_${POWER}.ptau`);
    for (const s of [1, 2, 3, 4, 5, 6]) {
      expect((await section(generated.path, s)).equals(await section(shared, s)), `section ${s}`).to.equal(
        true,
      );
    }
    expect((await devPtau(POWER, "beacon")).origin).to.equal("cache");
  });

  it("prefers the env directory and checks its SHA256SUMS", async function () {
    process.env.DEPIN_PTAU_DIR = SHARED;
    const found = await devPtau(POWER, "prepared");
    expect(found.origin).to.equal("env");
    const sums = await fs.readFile(path.join(SHARED, "SHA256SUMS"), "utf8");
    expect(sums).to.contain(await sha256File(found.path));

    const bad = await fs.mkdtemp(path.join(os.tmpdir(), "depin-ptau-bad-"));
    await fs.copyFile(found.path, path.join(bad, `dev_${POWER}.ptau`));
    await fs.writeFile(path.join(bad, "SHA256SUMS"), `${"0".repeat(64)}  dev_${POWER}.ptau\n`);
    process.env.DEPIN_PTAU_DIR = bad;
    await expect(devPtau(POWER, "prepared")).to.be.rejectedWith("does not match SHA256SUMS");
  });

  it("gives FFLONK the same keys from a beacon-only file as from a prepared one", async function () {
    const root = path.resolve(__dirname, "../..");
    const out = path.join(cache, "toy");
    await fs.mkdir(out, { recursive: true });
    await promisify(execFile)(
      process.execPath,
      [CIRCOM_CLI, "circuits/test/toy.circom", "--r1cs", "-o", path.relative(root, out)],
      { cwd: root },
    );
    const r1cs = path.join(out, "toy.r1cs");

    process.env.DEPIN_PTAU_DIR = "";
    const beacon = await devPtau(POWER, "beacon");
    expect(await ptauSections(beacon.path)).to.not.include(12);
    const ready = await fflonkReadyPtau(beacon);
    expect(await ptauSections(ready.path)).to.include(12);

    await snarkjs.fflonk.setup(r1cs, ready.path, path.join(out, "a.zkey"), silentLogger);
    await snarkjs.fflonk.setup(
      r1cs,
      path.join(SHARED, `dev_${POWER}.ptau`),
      path.join(out, "b.zkey"),
      silentLogger,
    );
    expect(await sha256File(path.join(out, "a.zkey"))).to.equal(await sha256File(path.join(out, "b.zkey")));
  });
});
