/**
 * EdDSA-Poseidon verifications per second on one core: ours (src/crypto/eddsa) against
 * circomlibjs, over the same vectors, in the same process.
 *   npx ts-node scripts/bench-eddsa.ts [--seconds 3] [--runs 3]
 * "cached" verifies messages from 64 devices over and over (the sequencer's case: the
 * per-key window table is reused); "fresh" uses a new key for every signature.
 */
import {
  generateBabyJubKey,
  signEddsaPoseidon,
  verifyEddsaPoseidon,
  type EddsaSignature,
} from "../src/crypto";

interface Vector {
  msg: bigint;
  sig: EddsaSignature;
  key: { ax: bigint; ay: bigint };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function vectors(keys: number, count: number): Vector[] {
  const pool = Array.from({ length: keys }, () => generateBabyJubKey());
  return Array.from({ length: count }, (_, i) => {
    const k = pool[i % keys];
    const msg = BigInt(i + 1) * 0x1234567890abcdefn;
    return { msg, sig: signEddsaPoseidon(k.privateKey, msg), key: { ax: k.ax, ay: k.ay } };
  });
}

function rate(seconds: number, verify: (v: Vector) => boolean, vs: Vector[]): number {
  if (vs.length === 0) throw new Error("no vectors to verify");
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    if (!verify(vs[n % vs.length])) throw new Error("a valid signature failed to verify");
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchEddsa(seconds = 3, runs = 3) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const circomlibjs = require("circomlibjs");
  const eddsa = await circomlibjs.buildEddsa();
  const F = eddsa.babyJub.F;
  const cached = vectors(64, 512);
  // "fresh": every run its own keys, enough that none is verified twice (under 1,000/s).
  const perRun = Math.ceil(seconds * 1000);
  const fresh = vectors(perRun * runs, perRun * runs);
  const theirs = (v: Vector) =>
    eddsa.verifyPoseidon(F.e(v.msg), { R8: [F.e(v.sig.R8x), F.e(v.sig.R8y)], S: v.sig.S }, [
      F.e(v.key.ax),
      F.e(v.key.ay),
    ]);
  const ours = (v: Vector) => verifyEddsaPoseidon(v.msg, v.sig, v.key);
  rate(0.5, ours, cached); // warm-up
  rate(0.5, theirs, cached);
  const result = { oursCached: [] as number[], oursFresh: [] as number[], circomlibjs: [] as number[] };
  for (let i = 0; i < runs; i++) {
    result.oursCached.push(rate(seconds, ours, cached));
    result.oursFresh.push(rate(seconds, ours, fresh.slice(i * perRun, (i + 1) * perRun)));
    result.circomlibjs.push(rate(seconds, theirs, cached));
  }
  return {
    oursPerSec: median(result.oursCached),
    oursFreshKeyPerSec: median(result.oursFresh),
    circomlibjsPerSec: median(result.circomlibjs),
    runs: result,
  };
}

if (require.main === module) {
  benchEddsa(arg("seconds", 3), arg("runs", 3)).then((r) => {
    const f = (x: number) => Math.round(x).toLocaleString("en-US");
    console.log(`EdDSA-Poseidon verifications/s, one core (median of ${r.runs.circomlibjs.length} runs)`);
    console.log(
      `  ours, cached key table   ${f(r.oursPerSec)}   (runs ${r.runs.oursCached.map(f).join(", ")})`,
    );
    console.log(
      `  ours, fresh key each     ${f(r.oursFreshKeyPerSec)}   (runs ${r.runs.oursFresh.map(f).join(", ")})`,
    );
    console.log(
      `  circomlibjs 0.1.7        ${f(r.circomlibjsPerSec)}   (runs ${r.runs.circomlibjs.map(f).join(", ")})`,
    );
  });
}
