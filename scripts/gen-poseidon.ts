/**
 * Regenerates contracts/libraries/poseidon/PoseidonT*.sol and the TypeScript fast
 * Poseidon's constants (src/crypto/poseidon-constants.json): `npm run gen:poseidon`.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import {
  POSEIDON_ARITIES,
  fastPoseidonConstantsPath,
  generateFastPoseidonConstants,
  generatePoseidonLibrary,
  poseidonLibraryPath,
} from "../src/codegen/poseidon";

const root = path.resolve(__dirname, "..");
for (const n of POSEIDON_ARITIES) {
  const file = poseidonLibraryPath(root, n);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, generatePoseidonLibrary(n));
  console.log(`wrote ${path.relative(root, file)}`);
}
const constants = fastPoseidonConstantsPath(root);
fs.writeFileSync(constants, generateFastPoseidonConstants());
console.log(`wrote ${path.relative(root, constants)}`);
