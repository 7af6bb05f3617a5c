/**
 * Bench parts that need the in-process chain, one per process (a child of
 * scripts/bench/index.ts): `BENCH_PART=identity|settlement|claims|selection|ingest
 * BENCH_OUT=FILE [BENCH_QUICK=1] npx hardhat run scripts/bench/chain.ts`. Writes the part's
 * measurements as JSON (gas as numbers: every figure here is far below 2^53).
 */
import { writeFileSync } from "node:fs";
import hre from "hardhat";

import { benchIngest } from "../bench-sequencer";
import { measureClaimGas } from "../lib/reward-gas";
import { measureRegistrationGas } from "../lib/registry-gas";
import { measureSelectionGas } from "../lib/selection-gas";
import { measureSettlementGas } from "../lib/settlement-gas";

const QUICK = process.env.BENCH_QUICK === "1";
const say = (s: string) => process.stderr.write(`    ${s}\n`);

const toJson = (x: unknown) =>
  JSON.stringify(x, (_, v) => (typeof v === "bigint" ? Number(v) : v), 2);

async function part(name: string): Promise<unknown> {
  switch (name) {
    case "identity": {
      const checkpoints = QUICK ? [1000] : [1000, 10_000];
      let last = 0;
      return measureRegistrationGas(hre, checkpoints, 50, (n) => {
        if (n >= last + 1000) {
          last = n - (n % 1000);
          say(`${n} devices registered`);
        }
      });
    }
    case "settlement":
      return measureSettlementGas(hre, {
        tinySystems: QUICK ? ["groth16"] : ["groth16", "plonk", "fflonk"],
        onStep: say,
      });
    case "claims":
      return measureClaimGas(hre, 20, [64, 8]);
    case "selection":
      return measureSelectionGas(hre, [10, 1000], (n) => n % 250 === 0 && say(`${n} provers staked`));
    case "ingest":
      return benchIngest(
        hre,
        QUICK
          ? { devices: 60, perDevice: 20, devicesPerRequest: 2, concurrency: 8, rounds: 2 }
          : { devices: 200, perDevice: 30, devicesPerRequest: 2, concurrency: 8, rounds: 3 },
      );
    default:
      throw new Error(`unknown bench part ${name}`);
  }
}

async function main() {
  const name = process.env.BENCH_PART ?? "";
  const out = process.env.BENCH_OUT;
  if (out === undefined) throw new Error("BENCH_OUT is not set");
  writeFileSync(out, toJson(await part(name)));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
