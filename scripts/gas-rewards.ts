/**
 * Gas of reward claims at the production state depth (20): `npm run gas:rewards`.
 * `claim` (a device's first claim, paying an owner who holds no reward token yet or one
 * who does, and a later claim of the same device), `claimMany` per device for 8 and 64
 * devices with adjacent indices, and Poseidon gas per hash. See scripts/lib/reward-gas.ts.
 */
import hre from "hardhat";

import { measureClaimGas } from "./lib/reward-gas";

async function main() {
  const g = await measureClaimGas(hre, 20, [64, 8]);
  const rows: [string, bigint][] = [
    ["claim, first claim, owner holds no reward token yet", g.claimFirstNewHolder],
    ["claim, first claim of the device", g.claimFirst],
    ["claim, same device after another batch", g.claimRepeat],
    ["claimMany(8) per device, adjacent indices", g.claimManyPerDevice[8]],
    ["claimMany(64) per device, adjacent indices", g.claimManyPerDevice[64]],
    ["claimMany(8) total", g.claimManyTotal[8]],
    ["claimMany(64) total", g.claimManyTotal[64]],
    ["Poseidon T3 (Merkle node), per hash", g.poseidonT3],
    ["Poseidon T5 (leaf), per hash", g.poseidonT5],
    ["poseidon-solidity T5, per hash (baseline)", g.poseidonSolidityT5],
  ];
  console.log(`\nReward claims at state depth ${g.depth} (gas from receipts; Poseidon from a harness)\n`);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v.toLocaleString("en-US")}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
