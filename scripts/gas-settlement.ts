/**
 * Gas of settlement, from receipts on the in-process chain with real proofs:
 *   npx hardhat run scripts/gas-settlement.ts
 * submitBatch, settle per proof system (the `tiny` circuit: the one all three systems can
 * set up here), settle with and without an app hook (`dev`, Groth16), reassign, each
 * generated verifier's execution gas; and settle gas per message for batch capacities of 4
 * (`dev`), 64 and 256 (a Groth16 settlement costs the same for any circuit with 11 public
 * signals, so capacity only divides it). See scripts/lib/settlement-gas.ts.
 */
import hre from "hardhat";

import { CIRCUIT_CONFIGS } from "../src/zk/circuits";
import { PUBLIC_SIGNAL_NAMES } from "../src/zk/batch";
import { measureSettlementGas } from "./lib/settlement-gas";

const GROTH16_FLOOR = 181_000 + 6_150 * PUBLIC_SIGNAL_NAMES.length;

async function main() {
  const g = await measureSettlementGas(hre, { onStep: (s) => console.error(`  ${s}`) });
  const rows: [string, bigint][] = [
    ...g.submit.map((s): [string, bigint] => [`submitBatch (${s.config}${s.first ? ", first" : ""})`, s.gas]),
    ...g.settle.map((s): [string, bigint] => [
      `settle ${s.config} ${s.system}${s.first ? " (first)" : ""}${s.hook ? " with app hook" : ""}`,
      s.gas,
    ]),
    ...Object.entries(g.verify).map(([system, gas]): [string, bigint] => [
      `verifier ${system} (execution)`,
      gas,
    ]),
    ["reassign (slash + redraw)", g.reassign],
  ];
  for (const [name, gas] of rows) console.log(`${name.padEnd(40)} ${gas.toLocaleString("en-US")}`);
  const settle = g.settle.filter((s) => s.config === "dev" && !s.hook).at(-1)!.gas;
  console.log(`settle / Groth16 floor (${GROTH16_FLOOR}): ${(Number(settle) / GROTH16_FLOOR).toFixed(3)}`);
  for (const capacity of [CIRCUIT_CONFIGS.dev.D * CIRCUIT_CONFIGS.dev.K, 64, 256]) {
    console.log(
      `settle gas per message at capacity ${capacity}: ${Math.round(Number(settle) / capacity).toLocaleString("en-US")}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
