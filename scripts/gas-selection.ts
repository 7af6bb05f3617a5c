/**
 * Gas of stake-weighted prover selection at 10 and 1,000 provers (a Fenwick tree: the same
 * O(log capacity) reads either way), from receipts of `selectProver` sent as a transaction:
 *   npx hardhat run scripts/gas-selection.ts
 */
import hre from "hardhat";

import { measureSelectionGas } from "./lib/selection-gas";

async function main() {
  const gas = await measureSelectionGas(hre, [10, 1000]);
  for (const [size, g] of Object.entries(gas))
    console.log(`selectProver at ${size} provers: ${g} execution gas (largest of 5 seeds, from receipts)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
